// The package under test, loaded from the built dist/ (run `npm run build` first). Functions another
// branch adds (setNumThreads) are feature-detected.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let attnkit;
try {
  attnkit = require(path.join(ROOT, 'dist', 'index.js'));
} catch (err) {
  throw new Error(
    `bench: cannot load ${path.join(ROOT, 'dist')} (${err.message.split('\n')[0]}); run \`npm run build\` first`,
  );
}
export { attnkit };

export const canSetThreads = typeof attnkit.setNumThreads === 'function';

/** Sets the pool size when the package can; returns the thread count calls will use. */
export function useThreads(n) {
  if (canSetThreads) attnkit.setNumThreads(n);
  return canSetThreads && typeof attnkit.getNumThreads === 'function'
    ? attnkit.getNumThreads()
    : attnkit.backendInfo().threads;
}

/** Thread counts to measure: 1 and 2 (capped by the cores) when settable, else the one there is. */
export function threadCounts(cores) {
  if (!canSetThreads) return [attnkit.backendInfo().threads];
  return [1, 2].filter((t) => t <= Math.max(1, cores));
}
