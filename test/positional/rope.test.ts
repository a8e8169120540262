// RoPE against a float64 complex-rotation reference, in both pairings, both layouts, with offsets.
import { describe, expect, it } from 'vitest';
import { AttnkitRangeError, applyRope } from '../../src/index';
import { randn, rng } from '../helpers/random';

/** x [B, L, H, D] (bshd); pairs per style rotated by e^{iθ}, θ = (offset + l)·base^(−2i/r). */
function reference(
  x: Float32Array,
  [B, L, H, D]: number[],
  style: 'half' | 'interleaved',
  base: number,
  offset: number,
  r = D,
): Float64Array {
  const out = Float64Array.from(x);
  for (let b = 0; b < B; b++)
    for (let l = 0; l < L; l++)
      for (let h = 0; h < H; h++) {
        const row = ((b * L + l) * H + h) * D;
        for (let i = 0; i < r / 2; i++) {
          const [a, c] = style === 'half' ? [i, i + r / 2] : [2 * i, 2 * i + 1];
          const theta = (offset + l) * base ** ((-2 * i) / r);
          // (re + i·im)·(cos θ + i·sin θ)
          const re = x[row + a];
          const im = x[row + c];
          out[row + a] = re * Math.cos(theta) - im * Math.sin(theta);
          out[row + c] = re * Math.sin(theta) + im * Math.cos(theta);
        }
      }
  return out;
}

function toBhsd(x: Float32Array, [B, L, H, D]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < B; b++)
    for (let l = 0; l < L; l++)
      for (let h = 0; h < H; h++)
        for (let d = 0; d < D; d++) out[((b * H + h) * L + l) * D + d] = x[((b * L + l) * H + h) * D + d];
  return out;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('applyRope vs float64', () => {
  const shape = [2, 5, 3, 8];
  const x = randn(2 * 5 * 3 * 8, rng(11));
  for (const style of ['half', 'interleaved'] as const)
    for (const [base, offset] of [
      [10000, 0],
      [500000, 37],
    ]) {
      it(`${style}, base ${base}, offset ${offset}, bshd and bhsd`, () => {
        const ref = reference(x, shape, style, base, offset);
        const y = applyRope({ data: x, shape }, { style, base, offset });
        expect(maxDiff(y.data, ref)).toBeLessThan(1e-5);
        const yb = applyRope({ data: toBhsd(x, shape), shape: [2, 3, 5, 8] }, { style, base, offset, layout: 'bhsd' });
        expect(maxDiff(yb.data, toBhsd(Float32Array.from(ref), shape))).toBeLessThan(1e-5);
      });
    }
  it('partial rotary (rotaryDim 4 of 8) leaves the other channels alone', () => {
    const y = applyRope({ data: x, shape }, { style: 'interleaved', rotaryDim: 4, offset: 2 });
    expect(maxDiff(y.data, reference(x, shape, 'interleaved', 10000, 2, 4))).toBeLessThan(1e-5);
  });
  it('q·k after rotation depends only on the position difference', () => {
    const D = 16;
    const q = randn(D, rng(1));
    const k = randn(D, rng(2));
    const dot = (pq: number, pk: number) => {
      const a = applyRope({ data: q, shape: [1, 1, 1, D] }, { offset: pq }).data;
      const b = applyRope({ data: k, shape: [1, 1, 1, D] }, { offset: pk }).data;
      return a.reduce((s, v, i) => s + v * b[i], 0);
    };
    expect(Math.abs(dot(10, 3) - dot(107, 100))).toBeLessThan(1e-4);
  });
  it('odd head dim -> RangeError', () =>
    expect(() => applyRope({ data: new Float32Array(5), shape: [1, 1, 1, 5] })).toThrow(AttnkitRangeError));
  it('unknown style -> RangeError naming it', () =>
    expect(() => applyRope({ data: x, shape }, { style: 'gptj' as never })).toThrow(
      "applyRope: options.style must be 'half' or 'interleaved', got 'gptj'",
    ));
});
