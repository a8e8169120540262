// ALiBi and T5 biases as docs/api.md says to use them: alibiBias / relativePositionBias passed as
// MultiHeadAttention's float attnMask [1, H, L, L], against a float64 forward pass written here.
import { describe, expect, it } from 'vitest';
import { MultiHeadAttention, alibiBias, alibiSlopes, relativePositionBias, type Tensor } from '../../src/index';
import { randn, rng } from '../helpers/random';

/** float64 MHA: per head softmax(q·kᵀ/√D + bias[h] (+ causal)) · v, then Wo. Weights in nn.Linear layout. */
function reference(
  x: Float32Array,
  B: number,
  L: number,
  E: number,
  H: number,
  w: Record<string, Tensor>,
  bias: (h: number, i: number, j: number) => number,
  causal: boolean,
): Float64Array {
  const D = E / H;
  const proj = (W: Tensor, b: Tensor | undefined, r: number, o: number) => {
    let s = b ? b.data[o] : 0;
    for (let e = 0; e < E; e++) s += x[r * E + e] * W.data[o * E + e];
    return s;
  };
  const out = new Float64Array(B * L * E);
  for (let bb = 0; bb < B; bb++) {
    const q: number[][] = [];
    const k: number[][] = [];
    const v: number[][] = [];
    for (let l = 0; l < L; l++) {
      const r = bb * L + l;
      q.push(Array.from({ length: E }, (_, o) => proj(w.wq, w.bq, r, o)));
      k.push(Array.from({ length: E }, (_, o) => proj(w.wk, w.bk, r, o)));
      v.push(Array.from({ length: E }, (_, o) => proj(w.wv, w.bv, r, o)));
    }
    for (let i = 0; i < L; i++) {
      const attn = new Float64Array(E);
      for (let h = 0; h < H; h++) {
        const s: number[] = [];
        for (let j = 0; j < L; j++) {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[i][h * D + d] * k[j][h * D + d];
          s.push(causal && j > i ? -Infinity : dot / Math.sqrt(D) + bias(h, i, j));
        }
        const m = Math.max(...s);
        const p = s.map((z) => Math.exp(z - m));
        const sum = p.reduce((a, c) => a + c, 0);
        for (let j = 0; j < L; j++) for (let d = 0; d < D; d++) attn[h * D + d] += (p[j] / sum) * v[j][h * D + d];
      }
      for (let o = 0; o < E; o++) {
        let y = w.bo ? w.bo.data[o] : 0;
        for (let e = 0; e < E; e++) y += attn[e] * w.wo.data[o * E + e];
        out[(bb * L + i) * E + o] = y;
      }
    }
  }
  return out;
}

describe('positional biases through MultiHeadAttention.attnMask', () => {
  const [B, L, E, H] = [2, 7, 24, 6];
  const mha = new MultiHeadAttention({ embedDim: E, numHeads: H, seed: 5 });
  const w = mha.weights();
  const x = randn(B * L * E, rng(21));
  const maxErr = (got: Float32Array, ref: Float64Array) =>
    got.reduce((m, g, i) => Math.max(m, Math.abs(g - ref[i])), 0);

  it('ALiBi (6 heads, not a power of two) with causal', () => {
    const slopes = alibiSlopes(H);
    const { output } = mha.forward({ data: x, shape: [B, L, E] }, undefined, undefined, {
      attnMask: alibiBias(slopes, L, L),
      causal: true,
    });
    const ref = reference(x, B, L, E, H, w, (h, i, j) => -slopes[h] * (i - j), true);
    expect(maxErr(output.data, ref)).toBeLessThan(1e-5);
  });

  it('T5 bidirectional relative bias', () => {
    const nb = 8;
    const table = { data: randn(nb * H, rng(22)), shape: [nb, H] };
    const bucket = (r: number) => {
      // 8 buckets, bidirectional: 4 per side, 2 exact, log-spaced to maxDistance 16.
      const side = r > 0 ? 4 : 0;
      const n = Math.abs(r);
      return side + (n < 2 ? n : Math.min(3, 2 + Math.floor((Math.log(n / 2) / Math.log(16 / 2)) * 2)));
    };
    const { output } = mha.forward({ data: x, shape: [B, L, E] }, undefined, undefined, {
      attnMask: relativePositionBias(table, L, L, { numBuckets: nb, maxDistance: 16 }),
    });
    const ref = reference(x, B, L, E, H, w, (h, i, j) => table.data[bucket(j - i) * H + h], false);
    expect(maxErr(output.data, ref)).toBeLessThan(1e-5);
  });
});
