// The default thread count: the cores Node reports (os.availableParallelism, Node >= 18.14; cpus() before).
import * as os from 'node:os';

export function defaultThreads(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, n);
}
