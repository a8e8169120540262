// The forward's scores of one query row, recomputed for the backward pass, with the derivative of the
// soft-cap. The same order and float32 rules as the forward (sdpa-js.ts, row-terms.ts):
//
//   x = scale·(q_i·k_j), ±Infinity beyond float32's range
//   s = c·tanh(x / c) (c = softcap > 0; s = x without a cap) + additive mask + ALiBi + relative bias
//   ∂s/∂x = 1 − tanh²(x / c)   (1 without a cap)
//
// A key hidden by the mask (boolean 0, additive −Infinity) scores −Infinity whatever its k row holds
// (the dots are taken first, four keys per pass, then replaced, as in sdpa-js-blocked.ts). Causal and
// window limits are the caller's key range.
import type { Float32KvPlan } from '../types';
import { addPositionBias, hasPositionBias, overflowLikeFloat32 } from './row-terms';

/**
 * Scores of row (b, h, i) against keys a ≤ j < e of kv head hk into s[j − a], and ∂s/∂x into
 * dsdx[j − a] (meaningless for hidden keys).
 */
export function rowScores(
  p: Float32KvPlan,
  b: number,
  h: number,
  i: number,
  hk: number,
  a: number,
  e: number,
  s: Float64Array,
  dsdx: Float64Array,
): void {
  const D = p.dimQk;
  const q = p.q.data;
  const k = p.k.data;
  const ks = p.k.strideL;
  const qBase = b * p.q.strideB + h * p.q.strideH + i * p.q.strideL;
  const kBase = b * p.k.strideB + hk * p.k.strideH;
  const n = e - a;
  let x = 0;
  for (; x + 4 <= n; x += 4) {
    const k0 = kBase + (a + x) * ks;
    const k1 = k0 + ks;
    const k2 = k1 + ks;
    const k3 = k2 + ks;
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0; // prettier-ignore
    for (let d = 0; d < D; d++) {
      const qd = q[qBase + d];
      s0 += qd * k[k0 + d];
      s1 += qd * k[k1 + d];
      s2 += qd * k[k2 + d];
      s3 += qd * k[k3 + d];
    }
    s[x] = s0;
    s[x + 1] = s1;
    s[x + 2] = s2;
    s[x + 3] = s3;
  }
  for (; x < n; x++) {
    const kj = kBase + (a + x) * ks;
    let dot = 0;
    for (let d = 0; d < D; d++) dot += q[qBase + d] * k[kj + d];
    s[x] = dot;
  }
  const scale = p.scale;
  for (x = 0; x < n; x++) s[x] *= scale;
  overflowLikeFloat32(s, 0, 1, n);
  const cap = p.softcap;
  if (cap > 0) {
    const inv = 1 / cap; // capScores' formula, keeping tanh for the derivative
    for (x = 0; x < n; x++) {
      const t = Math.tanh(s[x] * inv);
      s[x] = cap * t;
      dsdx[x] = 1 - t * t;
    }
  } else {
    dsdx.fill(1, 0, n);
  }
  const mask = p.mask;
  if (mask) {
    const md = mask.data;
    const mk = mask.strideK;
    const mb = b * mask.strideB + h * mask.strideH + i * mask.strideQ + a * mk;
    if (mask.kind === 'bool') {
      for (x = 0; x < n; x++) if (md[mb + x * mk] === 0) s[x] = -Infinity;
    } else {
      for (x = 0; x < n; x++) {
        const m = md[mb + x * mk];
        s[x] = m === -Infinity ? -Infinity : s[x] + m;
      }
    }
  }
  if (hasPositionBias(p) && n > 0) addPositionBias(p, b, h, i, a, e, s, 0, 1);
}
