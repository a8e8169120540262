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
}

function index(layout: 'bhsd' | 'bshd', H: number, L: number, Dm: number, b: number, h: number, l: number, d: number): number {
  return layout === 'bhsd' ? ((b * H + h) * L + l) * Dm + d : ((b * L + l) * H + h) * Dm + d;
}

export function referenceSdpa(x: RefInput): RefOutput {
  const layout = x.layout ?? 'bhsd';
  const scale = x.scale ?? (x.D > 0 ? 1 / Math.sqrt(x.D) : 1);
  const out = new Float64Array(x.B * x.Hq * x.Lq * x.Dv);
  const weights = new Float64Array(x.B * x.Hq * x.Lq * x.Lk);
  const group = x.Hq / x.Hkv;
  for (let b = 0; b < x.B; b++)
    for (let h = 0; h < x.Hq; h++) {
      const hk = Math.floor(h / group);
      for (let i = 0; i < x.Lq; i++) {
        const s: number[] = [];
        const visible: boolean[] = [];
        const len = x.kvLengths ? x.kvLengths[b] : x.Lk;
        const pos = x.topLeft ? i : i + len - x.Lq;
        const diagonal = (j: number) => (x.topLeft ? j - i + x.Lq - 1 : j - pos + x.Lk - 1);
        for (let j = 0; j < x.Lk; j++) {
          let ok = j < len;
          let add = 0;
          if (x.causal && j > pos) ok = false;
          if (x.window?.left !== undefined && j < pos - x.window.left) ok = false;
          if (x.window?.right !== undefined && j > pos + x.window.right) ok = false;
          if (ok && x.mask) {
            const m = x.mask(b, h, i, j);
            if (typeof m === 'boolean') ok = m;
            else if (m === -Infinity) ok = false;
            else add = m;
          }
          visible.push(ok);
          if (!ok) {
            s.push(-Infinity);
            continue;
          }
          let dot = 0;
          for (let d = 0; d < x.D; d++)
            dot += x.q[index(layout, x.Hq, x.Lq, x.D, b, h, i, d)] * x.k[index(layout, x.Hkv, x.Lk, x.D, b, hk, j, d)];
          let score = dot * scale;
          if (x.softcap) score = x.softcap * Math.tanh(score / x.softcap);
          score += add;
          if (x.alibiSlopes) score -= x.alibiSlopes[h] * Math.abs(pos - j);
          if (x.relativeBias) score += x.relativeBias.data[(x.relativeBias.heads === 1 ? 0 : h) * (x.Lq + x.Lk - 1) + diagonal(j)];
          s.push(score);
        }
        const row = (b * x.Hq + h) * x.Lq + i;
        if (!visible.some((o) => o)) continue; // zeros
        const sink = x.sinks ? x.sinks[h] : -Infinity;
        const max = Math.max(sink, ...s.filter((_, j) => visible[j]));
        let sum = Math.exp(sink - max);
        const p = s.map((sj, j) => (visible[j] ? Math.exp(sj - max) : 0));
        for (const pj of p) sum += pj;
        for (let j = 0; j < x.Lk; j++) weights[row * x.Lk + j] = p[j] / sum;
        for (let d = 0; d < x.Dv; d++) {
          let acc = 0;
          for (let j = 0; j < x.Lk; j++) if (visible[j]) acc += (p[j] / sum) * x.v[index(layout, x.Hkv, x.Lk, x.Dv, b, hk, j, d)];
          out[index(layout, x.Hq, x.Lq, x.Dv, b, h, i, d)] = acc;
        }
      }
    }
  return { out, weights };
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
