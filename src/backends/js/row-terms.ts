// What one query row adds to the plain dot-product score, shared by both JS kernels so they cannot
// disagree: the range of keys it may see (its batch entry's keys ∧ causal ∧ sliding window), the logit
// soft-cap, and the position biases (ALiBi, relative bias by diagonal). Query row i of batch entry b sits
// at position i + positionOffset − positionShift(p, b).
import type { Float32KvPlan } from '../types';

/** Keys batch entry b holds: kvLengths[b], or every key. */
export function keyCount(p: Float32KvPlan, b: number): number {
  return p.kvLengths ? p.kvLengths[b] : p.lenK;
}

/** How many positions entry b's queries sit before a full-length entry's: its padding under kvLengthsShift, else 0. */
function positionShift(p: Float32KvPlan, b: number): number {
  return p.kvLengths && p.kvLengthsShift ? p.lenK - p.kvLengths[b] : 0;
}

/** First key row i of entry b may see: max(0, pos − windowLeft), clamped to its key count (0 without a left bound). */
export function firstVisibleKey(p: Float32KvPlan, b: number, i: number): number {
  if (p.windowLeft === null) return 0;
  return Math.min(keyCount(p, b), Math.max(0, i + p.positionOffset - positionShift(p, b) - p.windowLeft));
}

/** One past the last key row i of entry b may see: its key count, causal and the window's right side; at least 0. */
export function visibleKeyEnd(p: Float32KvPlan, b: number, i: number): number {
  const shift = positionShift(p, b);
  let end = keyCount(p, b);
  if (p.causalOffset !== null) end = Math.min(end, i + p.causalOffset - shift + 1);
  if (p.windowRight !== null) end = Math.min(end, i + p.positionOffset - shift + p.windowRight + 1);
  return Math.max(0, end);
}

const F32_MAX = 3.4028234663852886e38;

/**
 * Scores beyond float32's range become ±Infinity, as in the native kernel, which computes them in
 * float32: +Infinity then makes its row NaN, −Infinity hides its key (the numeric contract in SECURITY.md).
 */
export function overflowLikeFloat32(s: Float64Array, at: number, step: number, n: number): void {
  for (let x = 0, o = at; x < n; x++, o += step) {
    const v = s[o];
    if (v > F32_MAX) s[o] = Infinity;
    else if (v < -F32_MAX) s[o] = -Infinity;
  }
}

/** s ← softcap·tanh(s / softcap) for n scores s[at], s[at + step], … (Gemma 2 logit capping). */
export function capScores(softcap: number, s: Float64Array, at: number, step: number, n: number): void {
  const inv = 1 / softcap;
  for (let x = at, end = at + n * step; x < end; x += step) s[x] = softcap * Math.tanh(s[x] * inv);
}

export function hasPositionBias(p: Float32KvPlan): boolean {
  return p.alibiSlopes !== null || p.relativeBias !== null;
}

/**
 * Adds row (b, h, i)'s ALiBi (−slope_h·|pos − j|) and relative bias (data[h·strideH + j − i + lenQ − 1],
 * the diagonal moved with the position by its shift) to the scores of keys j0 ≤ j < j1, stored at
 * s[at + (j − j0)·step]. Biases are finite, so a −Infinity (hidden) score stays −Infinity.
 */
export function addPositionBias(
  p: Float32KvPlan,
  b: number,
  h: number,
  i: number,
  j0: number,
  j1: number,
  s: Float64Array,
  at: number,
  step: number,
): void {
  const shift = positionShift(p, b);
  if (p.alibiSlopes) {
    const slope = p.alibiSlopes[h];
    const pos = i + p.positionOffset - shift;
    for (let j = j0, x = at; j < j1; j++, x += step) s[x] -= slope * Math.abs(pos - j);
  }
  if (p.relativeBias) {
    const data = p.relativeBias.data;
    const diag0 = h * p.relativeBias.strideH + p.lenQ - 1 - i + shift; // data[diag0 + j]: distance j − pos
    for (let j = j0, x = at; j < j1; j++, x += step) s[x] += data[diag0 + j];
  }
}

/**
 * The factor that turns exp(s_j − m) into a probability, for a row with running max m and running
 * sum Σ exp(s_j − m), when the head's sink logit joins the denominator only (−Infinity: no sink):
 *   p_j = exp(s_j − M) / (Σ exp(s_k − M) + exp(sink − M)),  M = max(m, sink) keeps every exp() ≤ 1.
 * Without a sink this is 1 / sum; a NaN m gives NaN.
 */
export function probabilityFactor(sink: number, m: number, sum: number): number {
  const M = sink > m ? sink : m;
  const c = Math.exp(m - M);
  return c / (sum * c + Math.exp(sink - M));
}

/**
 * The row's log-sum-exp log(exp(sink) + Σ exp(s_j)) from the same running max m and sum (−Infinity
 * sink: none). A row that saw no key (m = −Infinity) gives the sink's logit, −Infinity without one.
 */
export function logSumExp(sink: number, m: number, sum: number): number {
  if (m === -Infinity) return sink;
  const M = sink > m ? sink : m;
  return M + Math.log(sum * Math.exp(m - M) + Math.exp(sink - M));
}
