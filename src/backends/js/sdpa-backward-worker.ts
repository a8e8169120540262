// Worker thread of the asynchronous backward pass: computes each plan it is sent (its own copies of
// the inputs) and posts back the gradient arrays.
import { parentPort } from 'node:worker_threads';
import type { SdpaBackwardPlan } from '../backward-types';
import { sdpaBackwardJs } from './sdpa-backward-js';

interface Job {
  id: number;
  plan: SdpaBackwardPlan;
}

parentPort?.on('message', ({ id, plan }: Job) => {
  try {
    sdpaBackwardJs(plan);
    const grads = [plan.dq.data, plan.dk.data, plan.dv.data, plan.dSinks, plan.dRelativeBias];
    const buffers = grads.filter((g): g is Float32Array => g !== null).map((g) => g.buffer as ArrayBuffer);
    parentPort!.postMessage({ id, grads }, buffers);
  } catch (e) {
    parentPort!.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
});
