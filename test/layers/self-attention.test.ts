// Keras-style masked self-attention: lengths and paddingValue give the same mask; padded rows are zero;
// valid rows match a float64 attention over the valid prefix only.
import { describe, expect, it } from 'vitest';
import { MultiHeadAttention, SelfAttention, selfAttention, type Tensor } from '../../src/index';
import { randn, rng } from '../helpers/random';
import { mhaReference } from './mha-reference';

const [B, L, E] = [3, 5, 6];
const lengths = [5, 3, 1];

/** A padded batch: sequence b has lengths[b] random timesteps, then rows of `pad`. */
function paddedBatch(pad: number): Tensor {
  const data = randn(B * L * E, rng(21));
  for (let b = 0; b < B; b++) data.fill(pad, (b * L + lengths[b]) * E, (b + 1) * L * E);
  return { data, shape: [B, L, E] };
}

/** float64 softmax(x·xᵀ·scale)·x over the first n timesteps of sequence b. */
function keras(x: Float32Array, b: number, n: number, scale: number): Float64Array {
  const out = new Float64Array(L * E);
  for (let i = 0; i < n; i++) {
    const s = Array.from({ length: n }, (_, j) => {
      let d = 0;
      for (let e = 0; e < E; e++) d += x[(b * L + i) * E + e] * x[(b * L + j) * E + e];
      return d * scale;
    });
    const mx = Math.max(...s);
    const ex = s.map((v) => Math.exp(v - mx));
    const z = ex.reduce((p, q) => p + q, 0);
    for (let j = 0; j < n; j++) for (let e = 0; e < E; e++) out[i * E + e] += (ex[j] / z) * x[(b * L + j) * E + e];
  }
  return out;
}

describe('selfAttention (no projections, keras.layers.Attention style)', () => {
  for (const scale of [1, 1 / Math.sqrt(E)]) {
    it(`lengths [5, 3, 1], scale ${scale.toFixed(3)}: valid rows match float64, padded rows are zero`, () => {
      const x = paddedBatch(0);
      const y = selfAttention(x, { lengths, scale });
      for (let b = 0; b < B; b++) {
        const ref = keras(x.data, b, lengths[b], scale);
        for (let i = 0; i < L * E; i++) expect(Math.abs(y.data[b * L * E + i] - ref[i])).toBeLessThan(1e-5);
      }
    });
  }
  it('paddingValue -7 (Keras Masking(mask_value=-7)) equals lengths', () => {
    const x = paddedBatch(-7);
    expect(Array.from(selfAttention(x, { paddingValue: -7 }).data)).toEqual(
      Array.from(selfAttention(x, { lengths }).data),
    );
  });
  it('a timestep with only some features equal to the padding value is not padding', () => {
    const x = paddedBatch(0);
    x.data[(2 * L + 1) * E] = 1; // sequence 2, timestep 1: one non-zero feature
    const y = selfAttention(x, { paddingValue: 0 });
    expect(y.data.subarray((2 * L + 1) * E, (2 * L + 2) * E).some((v) => v !== 0)).toBe(true);
  });
});

describe('SelfAttention (with projections)', () => {
  it('equals MultiHeadAttention with the key padding mask, and zero padded rows', () => {
    const layer = new SelfAttention({ embedDim: E, numHeads: 2, seed: 4 });
    const x = paddedBatch(0);
    const { output } = layer.forward(x, { paddingValue: 0 });
    const w = layer.mha.weights();
    const padding = Uint8Array.from({ length: B * L }, (_, r) => (r % L >= lengths[Math.floor(r / L)] ? 1 : 0));
    const ref = mhaReference(x, x, x, w, { heads: 2, kvHeads: 2, headDim: 3, padding });
    for (let r = 0; r < B * L; r++)
      for (let e = 0; e < E; e++) {
        const want = padding[r] ? 0 : ref.out[r * E + e];
        expect(Math.abs(output.data[r * E + e] - want)).toBeLessThan(1e-5);
      }
    const mha = new MultiHeadAttention({ embedDim: E, numHeads: 2, seed: 4 });
    expect(
      mha.forward(x, undefined, undefined, { keyPaddingMask: { data: padding, shape: [B, L] } }).output.data[0],
    ).toBeCloseTo(output.data[0], 6);
  });
});
