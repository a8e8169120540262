// The attention backward pass: the live backend's own kernel when it has one that covers the call's
// options (the native addon's: every option but a relative bias), else the TypeScript implementation
// (src/backends/js); the forward it differentiates may have run on either.
import type { SdpaBackwardPlan } from '../backends/backward-types';
import { codedError, withCodedErrors } from '../backends/coded-error';
import { currentSelection } from '../backends/select';
import type { Backend } from '../backends/types';
import { sdpaBackwardJsAsync } from '../backends/js/sdpa-backward-async';
import { sdpaBackwardJs } from '../backends/js/sdpa-backward-js';
import type { Tensor } from '../tensor';
import type { SdpaBackwardOptions, SdpaGradients } from '../validation/sdpa-backward-options';
import { planSdpaBackward } from '../validation/sdpa-backward-plan';
import { holdViewsForAsync } from './async-buffers';

/**
 * Gradients of `out = scaledDotProductAttention(q, k, v, options)` for the upstream gradient `dOut`
 * (the result's shape): `{ dq, dk, dv }` in the shapes and layout of q, k and v, plus `dSinks` [Hq]
 * when `options.sinks` is given and `dRelativeBias` (the table's shape) when `options.relativeBias` is.
 * With grouped-query attention dk and dv of a kv head sum over the query heads that share it.
 *
 * `out` is the forward's result and `lse` its per-row log-sum-exp [B, Hq, Lq] ([N, Lq] for 3-D
 * inputs), `log(exp(sink) + Σ_j exp(s_ij))`; pass null to have it recomputed from q and k (one more
 * pass over the scores). `options` are the forward's options, unchanged, plus `dqOut`, `dkOut`,
 * `dvOut`, `dSinksOut`, `dRelativeBiasOut` buffers to write into (overwritten, not accumulated).
 * A query row that saw no key (a zero output row) gets zero gradients and gives none.
 * @example
 * const out = scaledDotProductAttention(q, k, v, { causal: true });
 * const { dq, dk, dv } = scaledDotProductAttentionBackward(dOut, q, k, v, out, null, { causal: true });
 */
export function scaledDotProductAttentionBackward(
  dOut: Tensor,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  out: Tensor,
  lse?: Tensor | null,
  options?: SdpaBackwardOptions,
): SdpaGradients {
  const op = 'scaledDotProductAttentionBackward';
  const { plan, gradients } = planSdpaBackward(op, dOut, q, k, v, out, lse, options);
  const backend = nativeFor(plan);
  withCodedErrors(op, () => (backend ? backend.sdpaBackward!(plan) : sdpaBackwardJs(plan)));
  return gradients;
}

/** The live backend when its own backward kernel takes this plan, else null (the TypeScript pass). */
function nativeFor(plan: SdpaBackwardPlan): Backend | null {
  const backend = currentSelection().backend;
  return backend.backwardCovers?.(plan) ? backend : null;
}

/** The caller's buffers a call reads or writes, by argument name. */
function callerViews(p: SdpaBackwardPlan): [string, ArrayBufferView | null | undefined][] {
  return [
    ['dOut.data', p.dOut.data],
    ['q.data', p.fwd.q.data],
    ['k.data', p.fwd.k.data],
    ['v.data', p.fwd.v.data],
    ['out.data', p.fwd.out.data],
    ['lse.data', p.lse],
    ['options.mask.data', p.fwd.mask?.data],
    ['options.relativeBias.data', p.fwd.relativeBias?.data],
    ['options.dqOut.data', p.dq.data],
    ['options.dkOut.data', p.dk.data],
    ['options.dvOut.data', p.dv.data],
    ['options.dSinksOut.data', p.dSinks],
    ['options.dRelativeBiasOut.data', p.dRelativeBias],
  ];
}

/**
 * The same computation off the event loop: the native kernel on the libuv pool (reading and writing
 * the caller's buffers, as scaledDotProductAttentionAsync), the TypeScript pass on a worker thread (with
 * copies of the inputs); calls of each kind settle in the order they were made. Bad arguments reject the promise with the errors
 * the synchronous call throws. As with scaledDotProductAttentionAsync, the buffers it reads and writes
 * are marked untransferable (permanently) and views of resizable ArrayBuffers are refused; writing to
 * the inputs, or reading the gradient buffers, before the promise settles gives unspecified values.
 */
export async function scaledDotProductAttentionBackwardAsync(
  dOut: Tensor,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  out: Tensor,
  lse?: Tensor | null,
  options?: SdpaBackwardOptions,
): Promise<SdpaGradients> {
  const op = 'scaledDotProductAttentionBackwardAsync';
  const { plan, gradients } = planSdpaBackward(op, dOut, q, k, v, out, lse, options);
  holdViewsForAsync(op, callerViews(plan));
  try {
    const backend = nativeFor(plan);
    await (backend ? backend.sdpaBackwardAsync!(plan) : sdpaBackwardJsAsync(plan));
  } catch (e) {
    throw codedError(op, e);
  }
  return gradients;
}
