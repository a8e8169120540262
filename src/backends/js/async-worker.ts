// Worker thread of the JavaScript backend's async calls: computes each plan it is sent (its own copies
// of the inputs) and posts back the result arrays.
import { parentPort } from 'node:worker_threads';
import type { SdpaPlan } from '../types';
import { sdpaJsAny } from './sdpa-js-any';

interface Job {
  id: number;
  plan: SdpaPlan;
}

parentPort?.on('message', ({ id, plan }: Job) => {
  try {
    sdpaJsAny(plan);
    const out = plan.out.data;
    const weights = plan.weights;
    parentPort!.postMessage({ id, out, weights }, (weights ? [out.buffer, weights.buffer] : [out.buffer]) as ArrayBuffer[]);
  } catch (e) {
    parentPort!.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
});
