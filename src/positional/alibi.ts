// ALiBi (Press et al. 2022, "Train Short, Test Long"): head h adds -m_h·|p_i - j| to the score of
// query i and key j, where p_i = i + (Lk - Lq) is the query's position (bottom-right, as causal is).
// Under a causal mask j <= p_i, so this is the paper's -m_h·(p_i - j); without one the absolute value
// keeps the bias a penalty on distance in both directions (MPT's non-causal ALiBi) rather than a reward.
// Slopes: for n a power of two, m_h = start^(h+1) with start = 2^(-8/n) (= 2^(-2^-(log2 n - 3))).
// Otherwise n' = 2^floor(log2 n): the n' slopes of n', then every other slope of 2n' (indices 0, 2, 4, …)
// until n are reached — the rule of the paper's code and HF's `get_alibi_slopes` / `_get_interleave`.
// scaledDotProductAttention's `alibiSlopes` option applies these slopes in the kernel (no Lq×Lk tensor);
// alibiBias is the materialised equivalent, an additive mask, for checks or for code that wants the mask itself.
import type { Tensor } from '../tensor';
import { typeError } from '../validation/error-factory';
import { checkInt, checkOptionsBag } from './checks';

function powerOfTwoSlopes(n: number): number[] {
  const start = 2 ** -(2 ** -(Math.log2(n) - 3));
  const out: number[] = [];
  for (let h = 0; h < n; h++) out.push(start * start ** h);
  return out;
}

function slopesOf(n: number): number[] {
  if (Number.isInteger(Math.log2(n))) return powerOfTwoSlopes(n);
  const closest = 2 ** Math.floor(Math.log2(n));
  const extra = slopesOf(2 * closest)
    .filter((_, i) => i % 2 === 0)
    .slice(0, n - closest);
  return powerOfTwoSlopes(closest).concat(extra);
}

/** The ALiBi slope m_h of each of numHeads heads, in float64. */
export function alibiSlopes(numHeads: number): Float64Array {
  checkInt('alibiSlopes', 'numHeads', numHeads, 1);
  return Float64Array.from(slopesOf(numHeads));
}

export interface AlibiBiasOptions {
  /** Position of query 0 among the keys; default lk - lq (bottom-right, like causal). */
  queryOffset?: number;
}

/**
 * The ALiBi bias as an additive mask [1, H, lq, lk] for scaledDotProductAttention's `mask`
 * (combine with `causal: true` for decoder models, as ALiBi was trained). The same bias without the
 * mask: `scaledDotProductAttention(q, k, v, { alibiSlopes: slopes })` (queryOffset 0 there is
 * `causalAlignment: 'top-left'`).
 */
export function alibiBias(
  slopes: Float64Array | Float32Array | readonly number[],
  lq: number,
  lk: number,
  options?: AlibiBiasOptions,
): Tensor {
  const op = 'alibiBias';
  const o = checkOptionsBag<AlibiBiasOptions>(op, options, ['queryOffset']);
  if (!(Array.isArray(slopes) || slopes instanceof Float64Array || slopes instanceof Float32Array))
    throw typeError(op, 'slopes', 'an array or Float64Array of per-head slopes (alibiSlopes(numHeads))', slopes);
  checkInt(op, 'lq', lq);
  checkInt(op, 'lk', lk);
  const offset = o.queryOffset === undefined ? lk - lq : o.queryOffset;
  if (!Number.isInteger(offset)) checkInt(op, 'options.queryOffset', offset);
  const H = slopes.length;
  const data = new Float32Array(H * lq * lk);
  for (let h = 0; h < H; h++)
    for (let i = 0; i < lq; i++) {
      const p = i + offset;
      const row = (h * lq + i) * lk;
      for (let j = 0; j < lk; j++) data[row + j] = -slopes[h] * Math.abs(p - j);
    }
  return { data, shape: Object.freeze([1, H, lq, lk]) };
}
