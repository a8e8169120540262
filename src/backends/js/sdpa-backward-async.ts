// Asynchronous backward calls on a worker thread of their own (worker-queue.ts): what the worker
// receives and what it sends back.
import type { SdpaBackwardPlan } from '../backward-types';
import type { StridedView } from '../types';
import { sdpaBackwardJs } from './sdpa-backward-js';
import { workerQueue } from './worker-queue';

/** The caller's gradient arrays, in the order the worker sends them back. */
export const gradientsOf = (p: SdpaBackwardPlan): (Float32Array | null)[] => [
  p.dq.data,
  p.dk.data,
  p.dv.data,
  p.dSinks,
  p.dRelativeBias,
];

const copyView = (v: StridedView): StridedView => ({ ...v, data: v.data.slice() });
const freshView = (v: StridedView): StridedView => ({ ...v, data: new Float32Array(v.data.length) });

/** The plan with copies of every input and fresh outputs: what the worker receives. */
function detachedPlan(p: SdpaBackwardPlan): SdpaBackwardPlan {
  const f = p.fwd;
  return {
    fwd: {
      ...f,
      q: copyView(f.q),
      k: copyView(f.k),
      v: copyView(f.v),
      out: copyView(f.out),
      mask: f.mask ? { ...f.mask, data: f.mask.data.slice() } : null,
      relativeBias: f.relativeBias ? { ...f.relativeBias, data: f.relativeBias.data.slice() } : null,
    },
    dOut: copyView(p.dOut),
    lse: p.lse ? p.lse.slice() : null,
    dq: freshView(p.dq),
    dk: freshView(p.dk),
    dv: freshView(p.dv),
    dSinks: p.dSinks ? new Float32Array(p.dSinks.length) : null,
    dRelativeBias: p.dRelativeBias ? new Float32Array(p.dRelativeBias.length) : null,
  };
}

export const sdpaBackwardJsAsync = workerQueue<SdpaBackwardPlan>({
  script: 'sdpa-backward-worker.js',
  label: "the backward pass's worker",
  detach: detachedPlan,
  outputs: gradientsOf,
  runHere: sdpaBackwardJs,
});
