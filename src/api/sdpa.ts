import { currentSelection } from '../backends/select';
import type { SdpaPlan } from '../backends/types';
import type { Tensor } from '../tensor';
import { planSdpa } from '../validation/sdpa-plan';
import type { SdpaOptions } from '../validation/sdpa-options';

function resultOf(plan: SdpaPlan, outShape: number[], out: unknown): Tensor {
  return (out as Tensor | undefined) ?? { data: plan.out.data, shape: Object.freeze(outShape) };
}

/**
 * softmax(q·kᵀ·scale + mask)·v for q [B, Hq, Lq, D], k [B, Hkv, Lk, D], v [B, Hkv, Lk, Dv]
 * (or [B, L, H, D] with layout 'bshd', or 3-D [N, L, D]). Returns [B, Hq, Lq, Dv] (in the input layout).
 * Query head h uses kv head floor(h / (Hq / Hkv)). A query row that sees no key yields zeros.
 * @example
 * const out = scaledDotProductAttention(q, k, v, { causal: true });
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options?: SdpaOptions): Tensor {
  const { plan, outShape, out } = planSdpa('scaledDotProductAttention', q, k, v, options);
  currentSelection().backend.sdpa(plan);
  return resultOf(plan, outShape, out);
}

/**
 * The same computation off the main thread (the libuv pool on the native backend), so a server's
 * event loop keeps running. Inputs stay referenced until it settles; do not write to them meanwhile.
 * Bad arguments reject the promise with the same errors the synchronous call throws.
 */
export async function scaledDotProductAttentionAsync(q: Tensor, k: Tensor, v: Tensor, options?: SdpaOptions): Promise<Tensor> {
  const { plan, outShape, out } = planSdpa('scaledDotProductAttentionAsync', q, k, v, options);
  await currentSelection().backend.sdpaAsync(plan);
  return resultOf(plan, outShape, out);
}
