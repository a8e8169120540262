// A plain float64 attention written from the documented semantics, independent of the kernels:
// logical indexing, full score matrix, explicit visibility rules.
//
// Batch entry b holds keys j < len_b = kvLengths[b] (Lk without kvLengths); the rest are padding.
// Query i sits at position pos = i + (len_b − Lq) (pos = i when topLeft, causal or not). Key j is visible
// iff it is not padding, causal allows it (j <= pos), the window allows it (pos − left <= j <= pos + right)
// and the mask does. Score of a visible key: cap(scale·q·k) + additive mask − slope_h·|pos − j| + the
// relative bias of distance j − pos: relBias[h, (j − pos) + Lk − 1] (relBias[h, j − i + Lq − 1] when
// topLeft, or when len_b = Lk), cap(x) = softcap·tanh(x / softcap). Weights: exp(s_j) / (Σ_visible
// exp(s_k) + exp(sink_h)). A row with no visible key is zeros, sink or not.
/** The sizes of one attention call: q [B, Hq, Lq, D], k [B, Hkv, Lk, D], v [B, Hkv, Lk, Dv]. */
export interface SdpaDims {
  B: number;
  Hq: number;
  Hkv: number;
  Lq: number;
  Lk: number;
  D: number;
  Dv: number;
}

export interface RefInput extends SdpaDims {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  layout?: 'bhsd' | 'bshd';
  scale?: number;
  causal?: boolean;
  topLeft?: boolean;
  /** mask value at logical (b, h, i, j): boolean allow, or an additive number. */
  mask?: (b: number, h: number, i: number, j: number) => boolean | number;
  /** Sliding window in keys either side of the query's position; a missing side is unbounded. */
  window?: { left?: number; right?: number };
  /** > 0 caps the scaled score: softcap·tanh(s / softcap). */
  softcap?: number;
  /** [Hq] ALiBi slopes. */
  alibiSlopes?: ArrayLike<number>;
  /** [heads, Lq + Lk − 1] row-major, heads = Hq or 1 (shared). */
  relativeBias?: { data: ArrayLike<number>; heads: number };
  /** [Hq] sink logits, in the denominator only. */
  sinks?: ArrayLike<number>;
  /** [B] valid key counts: keys j >= kvLengths[b] of batch entry b are padding. */
  kvLengths?: ArrayLike<number>;
}

export interface RefOutput {
  /** [B, Hq, Lq, Dv] in the input layout. */
  out: Float64Array;
  /** [B, Hq, Lq, Lk]. */
  weights: Float64Array;
  /** [B, Hq, Lq]: log(exp(sink) + Σ_visible exp(s_j)); the sink (−Infinity without one) when no key is visible. */
  lse: Float64Array;
}

/** Offset of row (b, h, l) of a [B, H, L, Dm] (bhsd) or [B, L, H, Dm] (bshd) tensor; its Dm values follow. */
function rowOffset(layout: 'bhsd' | 'bshd', H: number, L: number, Dm: number, b: number, h: number, l: number): number {
  return layout === 'bhsd' ? ((b * H + h) * L + l) * Dm : ((b * L + l) * H + h) * Dm;
}

export function referenceSdpa(x: RefInput): RefOutput {
  const layout = x.layout ?? 'bhsd';
  const scale = x.scale ?? (x.D > 0 ? 1 / Math.sqrt(x.D) : 1);
  const { B, Hq, Hkv, Lq, Lk, D, Dv, q, k, v } = x;
  const out = new Float64Array(B * Hq * Lq * Dv);
  const weights = new Float64Array(B * Hq * Lq * Lk);
  const lse = new Float64Array(B * Hq * Lq);
  const group = Hq / Hkv;
  const left = x.window?.left;
  const right = x.window?.right;
  // One row's scores, visibility, exp(s_j - max) and output accumulators (none without rows: the
  // dimensions of an empty call may be huge).
  const rows = B * Hq * Lq;
  const s = new Float64Array(rows > 0 ? Lk : 0);
  const visible = new Uint8Array(s.length);
  const p = new Float64Array(s.length);
  const acc = new Float64Array(rows > 0 ? Dv : 0);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < Hq; h++) {
      const hk = Math.floor(h / group);
      for (let i = 0; i < Lq; i++) {
        const len = x.kvLengths ? x.kvLengths[b] : Lk;
        const pos = x.topLeft ? i : i + len - Lq;
        const qRow = rowOffset(layout, Hq, Lq, D, b, h, i);
        let anyVisible = false;
        for (let j = 0; j < Lk; j++) {
          let ok = j < len;
          let add = 0;
          if (x.causal && j > pos) ok = false;
          if (left !== undefined && j < pos - left) ok = false;
          if (right !== undefined && j > pos + right) ok = false;
          if (ok && x.mask) {
            const m = x.mask(b, h, i, j);
            if (typeof m === 'boolean') ok = m;
            else if (m === -Infinity) ok = false;
            else add = m;
          }
          visible[j] = ok ? 1 : 0;
          if (!ok) {
            s[j] = -Infinity;
            continue;
          }
          anyVisible = true;
          const kRow = rowOffset(layout, Hkv, Lk, D, b, hk, j);
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[qRow + d] * k[kRow + d];
          let score = dot * scale;
          if (x.softcap) score = x.softcap * Math.tanh(score / x.softcap);
          score += add;
          if (x.alibiSlopes) score -= x.alibiSlopes[h] * Math.abs(pos - j);
          if (x.relativeBias) {
            const diagonal = x.topLeft ? j - i + Lq - 1 : j - pos + Lk - 1;
            score += x.relativeBias.data[(x.relativeBias.heads === 1 ? 0 : h) * (Lq + Lk - 1) + diagonal];
          }
          s[j] = score;
        }
        const row = (b * Hq + h) * Lq + i;
        const sink = x.sinks ? x.sinks[h] : -Infinity;
        lse[row] = sink;
        if (!anyVisible) continue; // zeros
        let max = sink;
        for (let j = 0; j < Lk; j++) if (visible[j]) max = Math.max(max, s[j]);
        let sum = Math.exp(sink - max);
        for (let j = 0; j < Lk; j++) {
          p[j] = visible[j] ? Math.exp(s[j] - max) : 0;
          sum += p[j];
        }
        lse[row] = max + Math.log(sum);
        // out[d] = Σ_j (p_j / sum) · v[j, d], summed over j in order for every d.
        acc.fill(0);
        for (let j = 0; j < Lk; j++) {
          const w = p[j] / sum;
          weights[row * Lk + j] = w;
          if (!visible[j]) continue;
          const vRow = rowOffset(layout, Hkv, Lk, Dv, b, hk, j);
          for (let d = 0; d < Dv; d++) acc[d] += w * v[vRow + d];
        }
        const oRow = rowOffset(layout, Hq, Lq, Dv, b, h, i);
        for (let d = 0; d < Dv; d++) out[oRow + d] = acc[d];
      }
    }
  return { out, weights, lse };
}

/** Largest |a - b|; NaN if either has a NaN where the other does not. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return NaN;
    if (d > m) m = d;
  }
  return m;
}
