// float16 and bfloat16 K/V against the float64 reference computed from the rounded K/V (so the bound is
// the float32 one), in every regime of the kernels: the row kernel (weightsOut), packed prefill, direct
// decode (one row pipelined, 2..8 rows with the K and V streams interleaved, bshd across heads), split-K,
// kvLengths; odd sizes, GQA, masks. Also: async bit-identical to sync, the bad inputs, and the error against a float32 cache.
import { afterAll, describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  backendInfo,
  scaledDotProductAttention,
  scaledDotProductAttentionAsync,
  tensor,
  toBFloat16,
  toFloat16,
  toFloat32,
  type HalfDtype,
  type HalfTensor,
  type Tensor,
} from '../../src/index';
import { expectError } from '../helpers/expect-error';
import { randn, rng } from '../helpers/random';
import { maxAbsDiff, referenceSdpa } from '../helpers/reference';
import { buildCase, describeSpec, TOLERANCE, type CaseSpec } from '../helpers/sdpa-case';

const level = `${backendInfo().backend}/${backendInfo().simd}`;
const worst = { err: 0, label: '' };
afterAll(() =>
  console.log(
    `[${level}] half K/V: largest abs error vs float64 reference on the rounded K/V: ${worst.err.toExponential(2)} (${worst.label})`,
  ),
);

const DTYPES: HalfDtype[] = ['float16', 'bfloat16'];

function half(t: Tensor, dtype: HalfDtype): HalfTensor {
  return tensor(dtype === 'float16' ? toFloat16(t.data) : toBFloat16(t.data), t.shape, dtype);
}

/** The case with k and v as dtype tensors; the reference reads the values they hold. */
function halfCase(spec: CaseSpec, dtype: HalfDtype) {
  const c = buildCase(spec);
  const k = half(c.k, dtype);
  const v = half(c.v, dtype);
  return { ...c, k, v, ref: { ...c.ref, k: toFloat32(k.data, dtype), v: toFloat32(v.data, dtype) } };
}

function check(spec: CaseSpec, dtype: HalfDtype, label = `${dtype} ${describeSpec(spec)}`): void {
  const c = halfCase(spec, dtype);
  const want = referenceSdpa(c.ref);
  const plain = scaledDotProductAttention(c.q, c.k, c.v, c.options);
  const err = maxAbsDiff(plain.data, want.out);
  if (err > worst.err) Object.assign(worst, { err, label });
  expect(err, label).toBeLessThanOrEqual(TOLERANCE);
  // weightsOut takes the row kernel: the same values.
  const { B, Hq, Lq, Lk } = spec;
  const weights: Tensor = {
    data: new Float32Array(B * Hq * Lq * Lk),
    shape: spec.rank3 ? [B, Lq, Lk] : [B, Hq, Lq, Lk],
  };
  const withWeights = scaledDotProductAttention(c.q, c.k, c.v, { ...c.options, weightsOut: weights });
  expect(maxAbsDiff(withWeights.data, want.out), `${label} (weightsOut)`).toBeLessThanOrEqual(TOLERANCE);
  expect(maxAbsDiff(weights.data, want.weights), `${label} weights`).toBeLessThanOrEqual(TOLERANCE);
}

function boolMask(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => (r() < 0.75 ? 1 : 0));
}

describe(`half-precision K/V [${level}]`, () => {
  for (const dtype of DTYPES) {
    it(`${dtype}: odd sizes (L, D of 1, 3, 17, 65), GQA, bshd, 3-D, causal, masks`, () => {
      const shapes: [number, number, number][] = [
        [1, 1, 1],
        [1, 17, 3],
        [3, 65, 17],
        [17, 3, 65],
        [65, 65, 7],
        [17, 17, 1],
        [65, 17, 33],
      ];
      shapes.forEach(([Lq, Lk, D], n) => {
        check({ B: 2, Hq: 4, Hkv: 2, Lq, Lk, D, Dv: D === 1 ? 3 : D - 2, seed: n }, dtype);
        check({ B: 1, Hq: 3, Hkv: 1, Lq, Lk, D, Dv: D, layout: 'bshd', causal: true, seed: 10 + n }, dtype);
        check({ B: 2, Hq: 1, Hkv: 1, Lq, Lk, D, Dv: D, rank3: true, causal: true, topLeft: true, seed: 20 + n }, dtype);
        check(
          {
            B: 2,
            Hq: 2,
            Hkv: 1,
            Lq,
            Lk,
            D,
            Dv: D + 2,
            mask: { data: boolMask(2 * Lq * Lk, n), shape: [2, 1, Lq, Lk] },
            seed: 30 + n,
          },
          dtype,
        );
      });
    });

    it(`${dtype}: decode paths (1, 2, 3, 4, 8 rows per kv head; bshd across heads), split-K`, () => {
      for (const [Hq, Hkv, layout] of [
        [4, 4, 'bhsd'],
        [4, 2, 'bhsd'],
        [6, 2, 'bhsd'],
        [8, 2, 'bhsd'],
        [8, 1, 'bhsd'],
        [4, 4, 'bshd'],
        [8, 4, 'bshd'],
        [8, 2, 'bshd'],
      ] as const)
        for (const [Lk, D] of [
          [1000, 64],
          [333, 17],
          [65, 128],
        ])
          check(
            { B: 2, Hq, Hkv, Lq: 1, Lk, D, Dv: D, layout, seed: Hq * 7 + Hkv + Lk },
            dtype,
            `${dtype} decode Hq ${Hq} Hkv ${Hkv} ${layout} Lk ${Lk} D ${D}`,
          );
    });

    // One row per kv head takes the keys four at a time where the level has the four-key kernels: a
    // block's last keys repeat into padding, a group holding a masked key goes key by key.
    it(`${dtype}: one-row decode, odd key counts, D tails, masked keys inside a group of four`, () => {
      for (const Lk of [1, 3, 17, 65, 1000])
        for (const D of [1, 7, 33, 128]) check({ B: 1, Hq: 2, Hkv: 2, Lq: 1, Lk, D, Dv: D, seed: 500 + Lk + D }, dtype);
      check(
        {
          B: 1,
          Hq: 3,
          Hkv: 3,
          Lq: 1,
          Lk: 203,
          D: 40,
          Dv: 24,
          mask: { data: boolMask(203, 502), shape: [203] },
          seed: 501,
        },
        dtype,
      );
      check(
        {
          B: 2,
          Hq: 2,
          Hkv: 2,
          Lq: 1,
          Lk: 777,
          D: 64,
          Dv: 17,
          causal: true,
          extras: { window: { left: 250 } },
          seed: 503,
        },
        dtype,
      );
    });

    it(`${dtype}: kvLengths in decode (split-K) and prefill, causal, sinks, ALiBi`, () => {
      check({ B: 4, Hq: 4, Hkv: 4, Lq: 1, Lk: 1000, D: 64, Dv: 64, extras: { kvLengths: [1000, 0, 517, 256] } }, dtype);
      check(
        { B: 3, Hq: 8, Hkv: 2, Lq: 1, Lk: 900, D: 33, Dv: 33, layout: 'bshd', extras: { kvLengths: [257, 1, 899] } },
        dtype,
      );
      check(
        { B: 6, Hq: 8, Hkv: 2, Lq: 1, Lk: 1000, D: 64, Dv: 64, extras: { kvLengths: [1000, 0, 1, 17, 65, 80] } },
        dtype,
      );
      check(
        {
          B: 3,
          Hq: 8,
          Hkv: 2,
          Lq: 2,
          Lk: 700,
          D: 32,
          Dv: 16,
          causal: true,
          extras: { kvLengths: [700, 300, 2], sinks: Float32Array.of(0.5, -1, 0, 2, 1, 0, -2, 0.3) },
        },
        dtype,
      );
      check(
        {
          B: 2,
          Hq: 2,
          Hkv: 1,
          Lq: 70,
          Lk: 600,
          D: 65,
          Dv: 17,
          causal: true,
          extras: { kvLengths: [600, 71], alibiSlopes: Float32Array.of(0.1, 0.3) },
        },
        dtype,
      );
    });

    it(`${dtype}: async gives the same bits as sync`, async () => {
      for (const spec of [
        { B: 1, Hq: 4, Hkv: 4, Lq: 1, Lk: 1000, D: 64, Dv: 64 },
        { B: 2, Hq: 4, Hkv: 2, Lq: 33, Lk: 100, D: 17, Dv: 17, causal: true },
      ] as CaseSpec[]) {
        const c = halfCase(spec, dtype);
        const sync = scaledDotProductAttention(c.q, c.k, c.v, c.options);
        const later = await scaledDotProductAttentionAsync(c.q, c.k, c.v, c.options);
        expect(Array.from(later.data)).toEqual(Array.from(sync.data));
      }
    });
  }

  it('the error against a float32 cache on random data is that of rounding K/V (decode and prefill, D = 128)', () => {
    // N(0, 1) q, k, v: the output moves by about the rounding of v (2^-11 relative for float16, 2^-8 for bfloat16).
    const bounds = { float16: 1e-3, bfloat16: 1e-2 };
    for (const spec of [
      { B: 1, Hq: 8, Hkv: 8, Lq: 1, Lk: 2048, D: 128, Dv: 128, seed: 3 },
      { B: 1, Hq: 4, Hkv: 2, Lq: 128, Lk: 512, D: 128, Dv: 128, causal: true, seed: 4 },
    ] as CaseSpec[]) {
      const c = buildCase(spec);
      const full = scaledDotProductAttention(c.q, c.k, c.v, c.options).data;
      for (const dtype of DTYPES) {
        const h = halfCase(spec, dtype);
        const err = maxAbsDiff(scaledDotProductAttention(h.q, h.k, h.v, h.options).data, full);
        console.log(
          `[${level}] ${dtype} K/V vs float32 K/V, Lq ${spec.Lq} Lk ${spec.Lk} D 128: max abs error ${err.toExponential(2)}`,
        );
        expect(err).toBeLessThan(bounds[dtype]);
        expect(err).toBeGreaterThan(0);
      }
    }
  });

  describe('bad input: a coded error before any work, out untouched', () => {
    const op = 'scaledDotProductAttention';
    const q = tensor(randn(2 * 4 * 3, rng(1)), [1, 2, 3, 4]);
    const k16 = tensor(toFloat16(randn(2 * 5 * 4, rng(2))), [1, 2, 5, 4], 'float16');
    const v16 = tensor(toFloat16(randn(2 * 5 * 4, rng(3))), [1, 2, 5, 4], 'float16');
    const kf = tensor(randn(2 * 5 * 4, rng(2)), [1, 2, 5, 4]);

    it('a float16 tensor whose data is not a Uint16Array', () => {
      const out = tensor(new Float32Array(2 * 3 * 4).fill(7), [1, 2, 3, 4]);
      expectError(
        () =>
          scaledDotProductAttention(
            q,
            { data: kf.data, shape: kf.shape, dtype: 'float16' } as unknown as HalfTensor,
            v16,
            { out },
          ),
        AttnkitTypeError,
        ErrorCode.TYPE,
        `${op}: k.data must be a Uint16Array (the float16 bits, see toFloat16) for dtype 'float16', got Float32Array(40)`,
      );
      expectError(
        () =>
          scaledDotProductAttention(
            q,
            k16,
            { data: new Int16Array(40), shape: [1, 2, 5, 4], dtype: 'bfloat16' } as unknown as HalfTensor,
            { out },
          ),
        AttnkitTypeError,
        ErrorCode.TYPE,
        /v\.data must be a Uint16Array \(the bfloat16 bits, see toBFloat16\) for dtype 'bfloat16', got Int16Array\(40\)/,
      );
      expect(out.data.every((x) => x === 7)).toBe(true);
    });

    it('a Uint16Array without a dtype, an unknown dtype', () => {
      expectError(
        () => scaledDotProductAttention(q, { data: k16.data, shape: k16.shape } as unknown as Tensor, v16),
        AttnkitTypeError,
        ErrorCode.TYPE,
        /k\.data must be a Float32Array, got Uint16Array\(40\)/,
      );
      expectError(
        () => scaledDotProductAttention(q, { ...k16, dtype: 'float8' } as unknown as HalfTensor, v16),
        AttnkitRangeError,
        ErrorCode.VALUE,
        `${op}: k.dtype must be 'float32', 'float16' or 'bfloat16', got 'float8'`,
      );
      expectError(
        () => scaledDotProductAttention(q, { ...k16, dtype: 16 } as unknown as HalfTensor, v16),
        AttnkitTypeError,
        ErrorCode.TYPE,
        /k\.dtype must be 'float32', 'float16' or 'bfloat16', got number 16/,
      );
    });

    it('k and v of different dtypes', () => {
      expectError(
        () => scaledDotProductAttention(q, k16, tensor(randn(40, rng(4)), [1, 2, 5, 4])),
        AttnkitTypeError,
        ErrorCode.TYPE,
        `${op}: v.dtype must be 'float16' as k's (k and v share one dtype), got string 'float32'`,
      );
      expectError(
        () => scaledDotProductAttention(q, k16, { ...v16, dtype: 'bfloat16' }),
        AttnkitTypeError,
        ErrorCode.TYPE,
        /v\.dtype must be 'float16' as k's/,
      );
    });

    it('the shape checks apply to half tensors as to float32 ones', () => {
      expectError(
        () => scaledDotProductAttention(q, tensor(new Uint16Array(2 * 5 * 3), [1, 2, 5, 3], 'float16'), v16),
        AttnkitRangeError,
        ErrorCode.SHAPE,
        /k must be \[batch, kvHeads, seqK, dHead\]/,
      );
      expectError(
        () => scaledDotProductAttention(q, { data: new Uint16Array(39), shape: [1, 2, 5, 4], dtype: 'float16' }, v16),
        AttnkitRangeError,
        ErrorCode.SHAPE,
        /k\.data must be of length product\(shape\) = 40/,
      );
    });

    it('tensor() with a dtype', () => {
      const t = tensor(new Uint16Array(6), [2, 3], 'bfloat16');
      expect(t.dtype).toBe('bfloat16');
      expect(t.shape).toEqual([2, 3]);
      expectError(
        () => tensor(new Float32Array(6) as unknown as Uint16Array, [2, 3], 'float16'),
        AttnkitTypeError,
        ErrorCode.TYPE,
        "tensor: data must be a Uint16Array (the float16 bits) for dtype 'float16', got Float32Array(6)",
      );
      expectError(
        () => tensor(new Uint16Array(6) as unknown as Float32Array, [2, 3]),
        AttnkitTypeError,
        ErrorCode.TYPE,
        "tensor: dtype must be 'float16' or 'bfloat16' for a Uint16Array, got undefined",
      );
      expectError(
        () => tensor(new Uint16Array(6), [2, 3], 'half' as HalfDtype),
        AttnkitRangeError,
        ErrorCode.VALUE,
        "tensor: dtype must be 'float16' or 'bfloat16', got 'half'",
      );
      expectError(
        () => tensor(new Uint16Array(5), [2, 3], 'float16'),
        AttnkitRangeError,
        ErrorCode.SHAPE,
        /tensor: data must be of length product\(shape\) = 6/,
      );
    });
  });
});
