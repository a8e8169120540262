// The log-sum-exp of one forward row, for a backward call given no lse: one pass over the row's
// visible keys in blocks, with the forward's online maximum (FlashAttention's m and l):
//
//   lse_i = log(exp(σ_h) + Σ_j exp(s_ij))     (σ_h = sinks[h]; no term without sinks)
//
// which is what the native kernels write into attn_sdpa_args.lse: −Infinity for a row with no visible
// key and no sink, σ_h for a row with a sink only, NaN when a score is NaN.
import type { Float32KvPlan } from '../types';
import { rowScores } from './backward-scores';
import { firstVisibleKey, visibleKeyEnd } from './row-terms';

/** Row (b, h, i)'s lse; s and dsdx are scratch of at least `block` entries. */
export function rowLogSumExp(
  p: Float32KvPlan,
  b: number,
  h: number,
  i: number,
  hk: number,
  block: number,
  s: Float64Array,
  dsdx: Float64Array,
): number {
  const sink = p.sinks ? p.sinks[h] : -Infinity;
  let m = sink;
  let l = p.sinks ? 1 : 0; // exp(sink − m)
  const to = visibleKeyEnd(p, b, i);
  for (let j0 = firstVisibleKey(p, b, i); j0 < to; j0 += block) {
    const n = Math.min(block, to - j0);
    rowScores(p, b, h, i, hk, j0, j0 + n, s, dsdx);
    let bm = m;
    for (let x = 0; x < n; x++) {
      const v = s[x];
      if (Number.isNaN(v)) return NaN; // a NaN score makes the row NaN
      if (v > bm) bm = v;
    }
    if (bm > m) {
      l *= Math.exp(m - bm);
      m = bm;
    }
    for (let x = 0; x < n; x++) if (s[x] !== -Infinity) l += Math.exp(s[x] - m);
  }
  return m === -Infinity ? -Infinity : m + Math.log(l);
}
