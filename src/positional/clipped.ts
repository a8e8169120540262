// Clipped relative position bias (Shaw et al. 2018, as a scalar per head): distances beyond
// ±maxDistance share the edge entry. Built in the diagonal form of scaledDotProductAttention's
// `relativeBias`, so the kernel adds it without an Lq×Lk mask.
import type { Tensor } from '../tensor';
import { formatShape, shapeError } from '../validation/error-factory';
import { checkTensor } from '../validation/tensor-checks';
import { alignmentShift, checkInt, checkOptionsBag } from './checks';

export interface ClippedRelativeBiasOptions {
  /** Where query i sits: 'bottom-right' (default) p = i + Lk − Lq, 'top-left' p = i. */
  alignment?: 'bottom-right' | 'top-left';
}

/**
 * table: Float32 [H, 2·maxDistance + 1], entry [h, r + maxDistance] for the relative position
 * r = j − p clipped to [−maxDistance, maxDistance]. Returns [H, Lq + Lk − 1] for `relativeBias`.
 * @example
 * const relativeBias = clippedRelativeBias(table, lq, lk); // table [H, 2 * 16 + 1]
 * const out = scaledDotProductAttention(q, k, v, { relativeBias });
 */
export function clippedRelativeBias(
  table: Tensor,
  lenQ: number,
  lenK: number,
  options?: ClippedRelativeBiasOptions,
): Tensor {
  const op = 'clippedRelativeBias';
  const t = checkTensor<Float32Array>(op, 'table', table, [Float32Array], 'Float32Array');
  checkInt(op, 'lenQ', lenQ, 0);
  checkInt(op, 'lenK', lenK, 0);
  const o = checkOptionsBag<ClippedRelativeBiasOptions>(op, options, ['alignment']);
  const shift = alignmentShift(op, o.alignment, lenQ, lenK);
  if (t.shape.length !== 2 || t.shape[1] < 1 || t.shape[1] % 2 !== 1)
    throw shapeError(op, 'table', '[heads, 2 * maxDistance + 1] (an odd number of columns)', formatShape(t.shape));
  const [heads, width] = t.shape;
  const maxDistance = (width - 1) / 2;
  const n = Math.max(lenQ + lenK - 1, 0);
  const data = new Float32Array(heads * n);
  for (let d = 0; d < n; d++) {
    // Diagonal d holds keys with j − i = d − (Lq − 1), i.e. relative position r = j − p = that − shift.
    const r = Math.max(-maxDistance, Math.min(maxDistance, d - (lenQ - 1) - shift));
    for (let h = 0; h < heads; h++) data[h * n + d] = t.data[h * width + r + maxDistance];
  }
  return { data, shape: Object.freeze([heads, n]) };
}
