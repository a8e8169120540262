// A float64 multi-head attention written from the formulas, independent of src/: the oracle for GQA, RoPE, masks.
import type { Tensor } from '../../src/index';

export interface RefWeights {
  wq: Tensor;
  wk: Tensor;
  wv: Tensor;
  wo: Tensor;
  bq?: Tensor;
  bk?: Tensor;
  bv?: Tensor;
  bo?: Tensor;
}

/** y[r, o] = b[o] + Σ_i x[r, i]·w[o, i] in float64. */
function project(x: ArrayLike<number>, rows: number, w: Tensor, b?: Tensor): Float64Array {
  const [m, n] = w.shape;
  const y = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < m; o++) {
      let s = b ? b.data[o] : 0;
      for (let i = 0; i < n; i++) s += x[r * n + i] * w.data[o * n + i];
      y[r * m + o] = s;
    }
  return y;
}

/** Half-split RoPE on one head vector at position p (θ_i = p·base^(−2i/D)). */
function ropeHalf(v: Float64Array, at: number, D: number, p: number, base: number): void {
  for (let i = 0; i < D / 2; i++) {
    const th = p * base ** ((-2 * i) / D);
    const a = v[at + i];
    const b = v[at + i + D / 2];
    v[at + i] = a * Math.cos(th) - b * Math.sin(th);
    v[at + i + D / 2] = b * Math.cos(th) + a * Math.sin(th);
  }
}

export interface RefOptions {
  heads: number;
  kvHeads: number;
  headDim: number;
  /** [B·Lk], 1 = padding */
  padding?: Uint8Array;
  causal?: boolean;
  rope?: { base: number; offset: number };
}

/** Returns { out [B, Lq, E], probs [B, H, Lq, Lk] } in float64. */
export function mhaReference(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  w: RefWeights,
  o: RefOptions,
): { out: Float64Array; probs: Float64Array } {
  const [B, Lq] = q.shape;
  const Lk = k.shape[1];
  const { heads: H, kvHeads: G, headDim: D } = o;
  const Q = project(q.data, B * Lq, w.wq, w.bq);
  const K = project(k.data, B * Lk, w.wk, w.bk);
  const V = project(v.data, B * Lk, w.wv, w.bv);
  if (o.rope) {
    for (let r = 0; r < B * Lq; r++)
      for (let h = 0; h < H; h++) ropeHalf(Q, (r * H + h) * D, D, o.rope.offset + (r % Lq), o.rope.base);
    for (let r = 0; r < B * Lk; r++)
      for (let g = 0; g < G; g++) ropeHalf(K, (r * G + g) * D, D, o.rope.offset + (r % Lk), o.rope.base);
  }
  const attn = new Float64Array(B * Lq * H * D);
  const probs = new Float64Array(B * H * Lq * Lk);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / (H / G));
      for (let i = 0; i < Lq; i++) {
        const s: number[] = [];
        for (let j = 0; j < Lk; j++) {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += Q[((b * Lq + i) * H + h) * D + d] * K[((b * Lk + j) * G + g) * D + d];
          const hidden = o.padding?.[b * Lk + j] || (o.causal && j > i);
          s.push(hidden ? -Infinity : dot / Math.sqrt(D));
        }
        const mx = Math.max(...s);
        const e = s.map((x) => (x === -Infinity ? 0 : Math.exp(x - mx)));
        const z = e.reduce((a, c) => a + c, 0);
        for (let j = 0; j < Lk; j++) {
          const p = z > 0 ? e[j] / z : 0;
          probs[((b * H + h) * Lq + i) * Lk + j] = p;
          for (let d = 0; d < D; d++) attn[((b * Lq + i) * H + h) * D + d] += p * V[((b * Lk + j) * G + g) * D + d];
        }
      }
    }
  return { out: project(attn, B * Lq, w.wo, w.bo), probs };
}
