// setNumThreads()/getNumThreads(): how many threads one attention call may use.
import { currentSelection } from '../backends/select';
import { typeError, valueError } from '../validation/error-factory';

const MAX_THREADS = 1024;

/**
 * Sets how many threads each attention call uses, the calling thread included. The default is the
 * number of cores Node reports (`os.availableParallelism()`). On the native backend the addon's
 * thread pool is resized; results are bit-identical whatever the count. On the JavaScript backend the
 * value is recorded (and reported by `getNumThreads()` and `backendInfo().threads`) but the
 * JavaScript kernel stays single-threaded.
 *
 * Concurrent calls (sync or async) share the one pool: they run one after another, so the machine
 * is never oversubscribed.
 *
 * @example
 * setNumThreads(2);
 * getNumThreads(); // 2
 */
export function setNumThreads(n: number): void {
  if (typeof n !== 'number') throw typeError('setNumThreads', 'n', 'a positive integer', n);
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS)
    throw valueError('setNumThreads', 'n', `a positive integer <= ${MAX_THREADS}`, String(n));
  currentSelection().backend.setThreads(n);
}

/** The number of threads each attention call uses (see setNumThreads). */
export function getNumThreads(): number {
  return currentSelection().backend.info().threads;
}
