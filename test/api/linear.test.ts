// linear() against a float64 reference written here, on odd shapes along every dim; runs on both backends.
import { afterAll, describe, expect, it } from 'vitest';
import { AttnkitRangeError, AttnkitTypeError, ErrorCode, getNumThreads, linear, setNumThreads } from '../../src/index';
import { randn, rng } from '../helpers/random';

/** float64 y = x·wᵀ + b and, per output, Σ|x_i·w_i| + |b| (the scale of float32 rounding). */
function reference(x: Float32Array, w: Float32Array, b: Float32Array | null, rows: number, n: number, m: number) {
  const y = new Float64Array(rows * m);
  const mag = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < m; o++) {
      let s = b ? b[o] : 0;
      let a = b ? Math.abs(b[o]) : 0;
      for (let i = 0; i < n; i++) {
        const t = x[r * n + i] * w[o * n + i];
        s += t;
        a += Math.abs(t);
      }
      y[r * m + o] = s;
      mag[r * m + o] = a;
    }
  return { y, mag };
}

function check(lead: number[], n: number, m: number, withBias: boolean, seed: number): number {
  const rand = rng(seed);
  const rows = lead.reduce((a, c) => a * c, 1);
  const x = randn(rows * n, rand);
  const w = randn(m * n, rand);
  const b = withBias ? randn(m, rand) : null;
  const y = linear(
    { data: x, shape: [...lead, n] },
    { data: w, shape: [m, n] },
    b ? { data: b, shape: [m] } : undefined,
  );
  expect(y.shape).toEqual([...lead, m]);
  const ref = reference(x, w, b, rows, n, m);
  // float32 accumulation: error grows with the magnitude of the summed terms, not of the result. Every
  // element is held to its bound; one expect names the first that is not (an expect per element cost
  // more than the GEMM and the reference together).
  let worst = 0;
  let bad = -1;
  for (let i = 0; i < ref.y.length; i++) {
    const err = Math.abs(y.data[i] - ref.y[i]);
    if (bad < 0 && !(err <= 1e-5 * (ref.mag[i] + 1))) bad = i;
    worst = Math.max(worst, err / (ref.mag[i] + 1));
  }
  if (bad >= 0)
    expect(
      Math.abs(y.data[bad] - ref.y[bad]),
      `element ${bad}: got ${y.data[bad]}, want ${ref.y[bad]}`,
    ).toBeLessThanOrEqual(1e-5 * (ref.mag[bad] + 1));
  return worst;
}

const ODD = [1, 3, 17, 65, 1000];

describe('linear vs float64', () => {
  for (const d of ODD) {
    it(`rows = ${d} (in 9, out 7)`, () => check([d], 9, 7, true, d));
    it(`inFeatures = ${d} (rows 5, out 19)`, () => check([5], d, 19, true, 100 + d));
    it(`outFeatures = ${d} (rows 7, in 13)`, () => check([7], 13, d, true, 200 + d));
  }
  it('all odd at once: [3, 17] x 65 -> 33, no bias', () => check([3, 17], 65, 33, false, 7));
  it('projection-like: [2, 65, 64] -> 192', () => check([2, 65], 64, 192, true, 8));
  it('a 6x16 tile boundary on both sides: 12 x 32 -> 48', () => check([12], 32, 48, true, 9));
  // The packed GEMMs' row tiles are 6 (AVX2) and 8 (avx512 zmm) rows: 33 + 15 rows reach every row count
  // of both tails (33 → 5 x 6 + 3, 4 x 8 + 1, ..., 47 → 7 x 6 + 5, 5 x 8 + 7), and the rows past 32
  // take the GEMM rather than the few-row path. The zmm tile reads 3 panels of 16 outputs, fewer at the
  // end of each block of 128 (3 + 3 + 2) and in the last block: 300 = 2 x 128 + 44 ends in a 3-panel tile
  // with 12 columns in its last panel, 176 in a 1-panel one of 16, 200 in a 2-panel one of 8.
  for (let rows = 33; rows < 48; rows++)
    it(`rows = ${rows} (in 31, out 300)`, () => check([rows], 31, 300, rows % 2 === 1, 400 + rows));
  for (const m of [1, 15, 16, 17, 31, 32, 33, 47, 48, 49, 95, 127, 128, 129, 176, 200])
    it(`outFeatures = ${m} (rows 41, in 17)`, () => check([41], 17, m, m % 2 === 0, 500 + m));
  it('1000 rows x 1 -> 50 (in = 1, a one-step k loop)', () => check([1000], 1, 50, true, 10));
  it('1 row and 1000 rows x 257 -> 130', () => {
    check([1], 257, 130, true, 11);
    check([1000], 257, 130, true, 12);
  });
  // A few rows (decoding) take the unpacked path (up to 32 rows with the AVX2 GEMM, 4 with the zmm one):
  // passes of up to 4 rows, outputs in pairs, a vector body along inFeatures and its tail.
  for (const rows of [1, 2, 3, 4, 5, 8, 9])
    it(`${rows} row(s) x 1003 -> 33 (few-row path: row passes, an odd output, a tail of 3)`, () =>
      check([rows], 1003, 33, rows % 2 === 0, 300 + rows));
  it('zero-sized dims give empty or bias-only outputs', () => {
    expect(
      linear({ data: new Float32Array(0), shape: [0, 4] }, { data: new Float32Array(12), shape: [3, 4] }).shape,
    ).toEqual([0, 3]);
    const y = linear(
      { data: new Float32Array(0), shape: [2, 0] },
      { data: new Float32Array(0), shape: [3, 0] },
      { data: new Float32Array([1, 2, 3]), shape: [3] },
    );
    expect(Array.from(y.data)).toEqual([1, 2, 3, 1, 2, 3]);
  });
  it('writes into options.out and returns it', () => {
    const out = { data: new Float32Array(6), shape: [2, 3] };
    const y = linear(
      { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] },
      { data: new Float32Array([1, 0, 0, 1, 1, 1]), shape: [3, 2] },
      null,
      { out },
    );
    expect(y).toBe(out);
    expect(Array.from(out.data)).toEqual([1, 2, 3, 3, 4, 7]);
  });
});

// The native GEMM's tasks are blocks of 128 outputs times groups of rows (at least 96), as many groups as
// give each thread about four tasks, so the split changes with the thread count; a call of a few rows
// (AVX2) splits its outputs only. 400 x 17 -> 300: three output blocks (the last ends in a partial
// 16-output panel) times 2, 3 or 4 row groups (1, 2, 3 threads).
describe('linear on several threads', () => {
  const initial = getNumThreads();
  afterAll(() => setNumThreads(initial));
  for (const [rows, n, m] of [
    [200, 65, 33],
    [1000, 64, 48],
    [577, 17, 100],
    [400, 17, 300],
    [1, 257, 300],
    [3, 64, 129],
  ] as const)
    it(`${rows} x ${n} -> ${m}: 1, 2 and 3 threads give identical bits, within float64 tolerance`, () => {
      setNumThreads(1);
      check([rows], n, m, true, rows);
      const rand = rng(rows + 1);
      const x = { data: randn(rows * n, rand), shape: [rows, n] };
      const w = { data: randn(m * n, rand), shape: [m, n] };
      const b = { data: randn(m, rand), shape: [m] };
      const single = linear(x, w, b).data;
      for (const threads of [2, 3]) {
        setNumThreads(threads);
        check([rows], n, m, true, rows);
        const multi = linear(x, w, b).data;
        const differs = multi.findIndex((y, i) => !Object.is(y, single[i]));
        expect(differs, `${threads} threads: first differing output (-1: none)`).toBe(-1);
      }
    });
});

describe('linear bad input', () => {
  const x = { data: new Float32Array(6), shape: [2, 3] };
  const w = { data: new Float32Array(12), shape: [4, 3] };
  it('weight in the transposed layout', () => {
    expect(() => linear(x, { data: new Float32Array(12), shape: [3, 4] })).toThrow(AttnkitRangeError);
    expect(() => linear(x, { data: new Float32Array(12), shape: [3, 4] })).toThrow(
      /^linear: weight must be \[outFeatures, inFeatures\] = \[\*, 3\] \(PyTorch nn.Linear layout\), got \[3, 4\]$/,
    );
  });
  it('bias of the wrong length', () => {
    try {
      linear(x, w, { data: new Float32Array(3), shape: [3] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AttnkitRangeError);
      expect((e as AttnkitRangeError).code).toBe(ErrorCode.SHAPE);
      expect((e as Error).message).toBe('linear: bias must be [outFeatures] = [4], got [3]');
    }
  });
  it('x that is not a tensor', () => expect(() => linear(null as never, w)).toThrow(AttnkitTypeError));
  it('out of the wrong shape or overlapping x', () => {
    expect(() => linear(x, w, null, { out: { data: new Float32Array(8), shape: [4, 2] } })).toThrow(
      /options\.out must be \[\.\.\., outFeatures\] = \[2, 4\], got \[4, 2\]/,
    );
    const buf = new Float32Array(14);
    const shared = { data: buf.subarray(0, 6), shape: [2, 3] };
    try {
      linear(shared, w, null, { out: { data: buf.subarray(4, 12), shape: [2, 4] } });
      expect.unreachable();
    } catch (e) {
      expect((e as AttnkitRangeError).code).toBe(ErrorCode.OVERLAP);
    }
  });
  it('an unknown option', () =>
    expect(() => linear(x, w, null, { outt: 1 } as never)).toThrow(
      /linear: options\.outt must be one of the known options/,
    ));
});
