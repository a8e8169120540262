// linearBackward against float64 sums written from y = x·weightᵀ + bias, on odd sizes along every dim,
// on both backends (its products run on linear(): the native GEMM or the JS loops).
//
// Tolerance: linear()'s GEMM accumulates in float32, so an entry's error grows with the magnitude of the
// terms it sums, not with the result: |got − want| ≤ 1e-5·(Σ|terms| + 1), the bound test/api/linear.test.ts
// uses for the forward.
import { afterAll, describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  backendInfo,
  linearBackward,
  type Tensor,
} from '../../src/index';
import { expectError } from '../helpers/expect-error';
import { randn, rng } from '../helpers/random';

let worst = 0;
afterAll(() =>
  console.log(
    `[${backendInfo().backend}/${backendInfo().gemm}] linearBackward: largest error / (Σ|terms| + 1): ${worst.toExponential(2)}`,
  ),
);

/** Checks got[n] against sums of terms(n) → [term, ...] in float64. */
function expectSums(
  got: Float32Array,
  count: number,
  terms: (n: number, add: (t: number) => void) => void,
  label: string,
): void {
  expect(got.length, label).toBe(count);
  for (let n = 0; n < count; n++) {
    let s = 0;
    let mag = 0;
    terms(n, (t) => {
      s += t;
      mag += Math.abs(t);
    });
    const err = Math.abs(got[n] - s) / (mag + 1);
    worst = Math.max(worst, err);
    expect(err, `${label}[${n}]: ${got[n]} vs ${s}`).toBeLessThanOrEqual(1e-5);
  }
}

function check(lead: number[], inF: number, outF: number, seed: number, bias = true): void {
  const r = rng(seed);
  const rows = lead.reduce((a, b) => a * b, 1);
  const x = { data: randn(rows * inF, r), shape: [...lead, inF] };
  const w = { data: randn(outF * inF, r), shape: [outF, inF] };
  const dY = { data: randn(rows * outF, r), shape: [...lead, outF] };
  const g = linearBackward(dY, x, w, { bias });
  expect(g.dx.shape).toEqual(x.shape);
  expect(g.dWeight.shape).toEqual([outF, inF]);
  expectSums(
    g.dx.data,
    rows * inF,
    (n, add) => {
      const [row, i] = [Math.floor(n / inF), n % inF];
      for (let o = 0; o < outF; o++) add(dY.data[row * outF + o] * w.data[o * inF + i]);
    },
    'dx',
  ); // prettier-ignore
  expectSums(
    g.dWeight.data,
    outF * inF,
    (n, add) => {
      const [o, i] = [Math.floor(n / inF), n % inF];
      for (let row = 0; row < rows; row++) add(dY.data[row * outF + o] * x.data[row * inF + i]);
    },
    'dWeight',
  ); // prettier-ignore
  if (!bias) return expect(g.dBias).toBeUndefined();
  expect(g.dBias!.shape).toEqual([outF]);
  expectSums(
    g.dBias!.data,
    outF,
    (o, add) => {
      for (let row = 0; row < rows; row++) add(dY.data[row * outF + o]);
    },
    'dBias',
  ); // prettier-ignore
}

describe('linearBackward vs float64', () => {
  for (const d of [1, 3, 17, 65]) {
    it(`rows = ${d} (in 9, out 7)`, () => check([d], 9, 7, d));
    it(`inFeatures = ${d} (rows 5, out 19)`, () => check([5], d, 19, 100 + d));
    it(`outFeatures = ${d} (rows 7, in 13)`, () => check([7], 13, d, 200 + d));
  }
  it('leading dims [3, 17], 65 -> 33, no bias', () => check([3, 17], 65, 33, 7, false));
  it('projection-like: [2, 65, 64] -> 192 (past the GEMM tiles)', () => check([2, 65], 64, 192, 8));
  it('many rows summed into dWeight: 1000 rows, 31 -> 47', () => check([1000], 31, 47, 9));
  it('1-D x: one row', () => check([], 5, 3, 10));
});

describe('a directional derivative of the forward', () => {
  it('Σ dY·linear(x + εu, w + εU, b + εβ) moves by ε(dx·u + dWeight·U + dBias·β): a directional derivative in float64', () => {
    const r = rng(3);
    const [rows, inF, outF] = [6, 5, 4];
    const x = { data: randn(rows * inF, r), shape: [rows, inF] };
    const w = { data: randn(outF * inF, r), shape: [outF, inF] };
    const b = { data: randn(outF, r), shape: [outF] };
    const dY = { data: randn(rows * outF, r), shape: [rows, outF] };
    const [u, U, beta] = [randn(rows * inF, r), randn(outF * inF, r), randn(outF, r)];
    // The loss is bilinear: its exact float64 directional derivative at ε → 0.
    const L = (e: number) => {
      let s = 0;
      for (let row = 0; row < rows; row++)
        for (let o = 0; o < outF; o++) {
          let y = b.data[o] + e * beta[o];
          for (let i = 0; i < inF; i++)
            y += (x.data[row * inF + i] + e * u[row * inF + i]) * (w.data[o * inF + i] + e * U[o * inF + i]);
          s += dY.data[row * outF + o] * y;
        }
      return s;
    };
    const fd = (L(1e-6) - L(-1e-6)) / 2e-6;
    const g = linearBackward(dY, x, w, { bias: true });
    let dot = 0;
    g.dx.data.forEach((v, n) => (dot += v * u[n]));
    g.dWeight.data.forEach((v, n) => (dot += v * U[n]));
    g.dBias!.data.forEach((v, n) => (dot += v * beta[n]));
    expect(Math.abs(dot - fd)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(fd)));
  });
});

describe('sizes and buffers', () => {
  const z = (shape: number[], fill = 0): Tensor => ({
    data: new Float32Array(shape.reduce((a, c) => a * c, 1)).fill(fill),
    shape,
  });
  it('no rows: dWeight and dBias are zeros, given buffers overwritten', () => {
    const outs = { dxOut: z([0, 4]), dWeightOut: z([3, 4], 7), dBiasOut: z([3], 7) };
    const g = linearBackward(z([0, 3]), z([0, 4]), z([3, 4], 1), outs);
    expect(g.dWeight).toBe(outs.dWeightOut);
    expect(Array.from(g.dWeight.data)).toEqual(new Array(12).fill(0));
    expect(Array.from(g.dBias!.data)).toEqual([0, 0, 0]);
  });
  it('inFeatures = 0 and outFeatures = 0', () => {
    const a = linearBackward(z([2, 3]), z([2, 0]), z([3, 0]), { bias: true, dxOut: z([2, 0]) });
    expect(a.dx.data.length + a.dWeight.data.length).toBe(0);
    const b = linearBackward(z([2, 0]), z([2, 4], 1), z([0, 4]), { dxOut: z([2, 4], 7) });
    expect(Array.from(b.dx.data)).toEqual(new Array(8).fill(0));
  });
  it('…Out buffers are written and returned as the same objects', () => {
    const r = rng(4);
    const x = { data: randn(12, r), shape: [3, 4] };
    const w = { data: randn(8, r), shape: [2, 4] };
    const dY = { data: randn(6, r), shape: [3, 2] };
    const fresh = linearBackward(dY, x, w, { bias: true });
    const outs = { dxOut: z([3, 4], 9), dWeightOut: z([2, 4], 9), dBiasOut: z([2], 9) };
    const given = linearBackward(dY, x, w, outs);
    expect(given.dx).toBe(outs.dxOut);
    expect(given.dWeight).toBe(outs.dWeightOut);
    expect(given.dBias).toBe(outs.dBiasOut);
    expect(Array.from(given.dx.data)).toEqual(Array.from(fresh.dx.data));
    expect(Array.from(given.dWeight.data)).toEqual(Array.from(fresh.dWeight.data));
    expect(Array.from(given.dBias!.data)).toEqual(Array.from(fresh.dBias!.data));
  });
});

describe('bad input', () => {
  const OP = 'linearBackward';
  const z = (shape: number[], fill = 0): Tensor => ({
    data: new Float32Array(shape.reduce((a, c) => a * c, 1)).fill(fill),
    shape,
  });
  const x = z([2, 3, 4]);
  const w = z([5, 4]);
  const dY = z([2, 3, 5]);
  it('dY of the wrong shape', () =>
    expectError(
      () => linearBackward(z([2, 3, 4]), x, w),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: dY must be [..., outFeatures] = [2, 3, 5] (linear's output shape), got [2, 3, 4]`,
    ));
  it('dY that is not a tensor', () =>
    expectError(
      () => linearBackward(null as never, x, w),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /^linearBackward: dY must be a tensor/,
    ));
  it('x of another dtype', () =>
    expectError(
      () => linearBackward(dY, { data: new Float64Array(24), shape: [2, 3, 4] } as never, w),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: x.data must be a Float32Array, got Float64Array(24)`,
    ));
  it('x of rank 0', () =>
    expectError(
      () => linearBackward(z([5]), z([]), w),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: x must be [..., inFeatures] (rank >= 1), got []`,
    ));
  it('weight transposed', () =>
    expectError(
      () => linearBackward(dY, x, z([4, 5])),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: weight must be [outFeatures, inFeatures] = [*, 4] (PyTorch nn.Linear layout), got [4, 5]`,
    ));
  it('bias not a boolean', () =>
    expectError(
      () => linearBackward(dY, x, w, { bias: z([5]) as never }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: options.bias must be a boolean, got object`,
    ));
  it('dBiasOut with bias: false', () =>
    expectError(
      () => linearBackward(dY, x, w, { bias: false, dBiasOut: z([5]) }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: options.dBiasOut must be undefined with options.bias false, got object`,
    ));
  it('dxOut of the wrong shape', () =>
    expectError(
      () => linearBackward(dY, x, w, { dxOut: z([6, 4]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: options.dxOut must be x's shape [2, 3, 4], got [6, 4]`,
    ));
  it('dWeightOut of another dtype', () =>
    expectError(
      () => linearBackward(dY, x, w, { dWeightOut: { data: new Uint8Array(20), shape: [5, 4] } as never }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: options.dWeightOut.data must be a Float32Array, got Uint8Array(20)`,
    ));
  it('dBiasOut of the wrong shape', () =>
    expectError(
      () => linearBackward(dY, x, w, { dBiasOut: z([1, 5]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: options.dBiasOut must be [outFeatures] [5], got [1, 5]`,
    ));
  it('a misspelled option', () =>
    expectError(
      () => linearBackward(dY, x, w, { dXOut: z([2, 3, 4]) } as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.dXOut must be one of the known options \(bias, dxOut, dWeightOut, dBiasOut\)/,
    ));
  it('dxOut overlapping x', () => {
    const buf = new Float32Array(60);
    const xs = { data: buf.subarray(0, 24), shape: [2, 3, 4] };
    expectError(
      () => linearBackward(dY, xs, w, { dxOut: { data: buf.subarray(20, 44), shape: [2, 3, 4] } }),
      AttnkitRangeError,
      ErrorCode.OVERLAP,
      `${OP}: options.dxOut must be memory separate from x, got a view overlapping x`,
    );
  });
  it('dWeightOut overlapping dxOut; nothing written', () => {
    const buf = new Float32Array(60).fill(7);
    expectError(
      () =>
        linearBackward(dY, x, w, {
          dxOut: { data: buf.subarray(0, 24), shape: [2, 3, 4] },
          dWeightOut: { data: buf.subarray(10, 30), shape: [5, 4] },
        }),
      AttnkitRangeError,
      ErrorCode.OVERLAP,
      /options\.dWeightOut must be memory separate from options\.dxOut/,
    );
    expect(buf.every((v) => v === 7)).toBe(true);
  });
});
