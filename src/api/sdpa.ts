import { codedError, withCodedErrors } from '../backends/coded-error';
import { currentSelection } from '../backends/select';
import type { SdpaPlan } from '../backends/types';
import type { HalfTensor, Tensor } from '../tensor';
import { planSdpa, sdpaHasWork } from '../validation/sdpa-plan';
import type { SdpaOptions } from '../validation/sdpa-options';
import { holdBuffersForAsync } from './async-buffers';

function resultOf(plan: SdpaPlan, outShape: number[], out: unknown): Tensor {
  return (out as Tensor | undefined) ?? { data: plan.out.data, shape: Object.freeze(outShape) };
}

/**
 * softmax(q·kᵀ·scale + mask)·v for q [B, Hq, Lq, D], k [B, Hkv, Lk, D], v [B, Hkv, Lk, Dv]
 * (or [B, L, H, D] with layout 'bshd', or 3-D [N, L, D]). Returns [B, Hq, Lq, Dv] (in the input layout).
 * Query head h uses kv head floor(h / (Hq / Hkv)). A query row that sees no key yields zeros.
 * k and v may both be float16 or bfloat16 tensors ({ data: Uint16Array, shape, dtype }): read as their
 * exact float32 values; q and the result stay float32.
 * @example
 * const out = scaledDotProductAttention(q, k, v, { causal: true });
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor | HalfTensor,
  v: Tensor | HalfTensor,
  options?: SdpaOptions,
): Tensor {
  const op = 'scaledDotProductAttention';
  const { plan, outShape, out } = planSdpa(op, q, k, v, options);
  if (sdpaHasWork(plan)) withCodedErrors(op, () => currentSelection().backend.sdpa(plan));
  return resultOf(plan, outShape, out);
}

/**
 * The same computation off the main thread (the libuv pool on the native backend, a worker thread
 * on the JavaScript one), so a server's event loop keeps running. Bad arguments reject the promise
 * with the same errors the synchronous call throws.
 *
 * The buffers it reads and writes are marked untransferable (worker_threads.markAsUntransferable,
 * permanently), so a transfer cannot free them under the kernel, and views of resizable ArrayBuffers
 * are refused. Until the promise settles, writing to the inputs or reading `out` gives unspecified
 * values (never a crash).
 */
export async function scaledDotProductAttentionAsync(
  q: Tensor,
  k: Tensor | HalfTensor,
  v: Tensor | HalfTensor,
  options?: SdpaOptions,
): Promise<Tensor> {
  const op = 'scaledDotProductAttentionAsync';
  const { plan, outShape, out } = planSdpa(op, q, k, v, options);
  if (sdpaHasWork(plan)) {
    holdBuffersForAsync(op, plan);
    try {
      await currentSelection().backend.sdpaAsync(plan);
    } catch (e) {
      throw codedError(op, e);
    }
  }
  return resultOf(plan, outShape, out);
}
