// The JavaScript backend's async calls on a worker thread (worker-queue.ts): what the worker receives
// and what it sends back. Calls queue on the one worker, as native async calls queue on the addon's pool.
import type { SdpaPlan, StridedView } from '../types';
import { sdpaJsAny } from './sdpa-js-any';
import { workerQueue } from './worker-queue';

/** The caller's output arrays, in the order the worker sends them back. */
export const outputsOf = (p: SdpaPlan): (Float32Array | null)[] => [p.out.data, p.weights, p.lse];

const copyView = <T extends Float32Array | Uint16Array>(v: StridedView<T>): StridedView<T> => ({
  ...v,
  data: v.data.slice() as T,
});

/** The plan with copies of every array, and fresh outputs: what the worker receives. */
function detachedPlan(p: SdpaPlan): SdpaPlan {
  return {
    ...p,
    q: copyView(p.q),
    k: copyView(p.k),
    v: copyView(p.v),
    out: { ...p.out, data: new Float32Array(p.out.data.length) },
    weights: p.weights ? new Float32Array(p.weights.length) : null,
    lse: p.lse ? new Float32Array(p.lse.length) : null,
    mask: p.mask ? { ...p.mask, data: p.mask.data.slice() } : null,
    relativeBias: p.relativeBias ? { ...p.relativeBias, data: p.relativeBias.data.slice() } : null,
  };
}

export const sdpaJsAsync = workerQueue<SdpaPlan>({
  script: 'async-worker.js',
  label: "the JavaScript backend's worker",
  detach: detachedPlan,
  outputs: outputsOf,
  runHere: sdpaJsAny,
});
