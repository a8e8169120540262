// The worker side of worker-queue.ts: computes each plan it is sent (its own copies of the inputs) and
// posts back the output arrays, transferred.
import { parentPort } from 'node:worker_threads';

export function serveJobs<P>(compute: (plan: P) => void, outputs: (plan: P) => (Float32Array | null)[]): void {
  parentPort?.on('message', ({ id, plan }: { id: number; plan: P }) => {
    try {
      compute(plan);
      const out = outputs(plan);
      const buffers = out.filter((o): o is Float32Array => o !== null).map((o) => o.buffer as ArrayBuffer);
      parentPort!.postMessage({ id, outputs: out }, buffers);
    } catch (e) {
      parentPort!.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
    }
  });
}
