// compute: 'bf16' on every backend: within bfloat16's error of the float64 reference on prefill shapes
// with every option, fp32 bits where the kernel keeps fp32 (decode-sized calls, machines without
// AVX512_BF16, the JS backend), results independent of the thread count, and no NaN from behind a mask.
import { afterAll, describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  backendInfo,
  getNumThreads,
  scaledDotProductAttention,
  setNumThreads,
} from '../../src/index';
import { expectError } from '../helpers/expect-error';
import { rng } from '../helpers/random';
import { maxAbsDiff, referenceSdpa } from '../helpers/reference';
import { buildCase, describeSpec, type CaseSpec } from '../helpers/sdpa-case';

// bf16 keeps 8 significant bits (relative rounding 2^-9) of q, k, v and p; with unit-variance inputs the
// output error stays near 1e-2 of the output (largest seen on these cases: printed below).
const BF16_TOLERANCE = 3e-2;
const initialThreads = getNumThreads();
afterAll(() => setNumThreads(initialThreads));

const alibi = Float32Array.from({ length: 4 }, (_, h) => 2 ** -(h + 1));
const PREFILL: CaseSpec[] = [
  { B: 1, Hq: 2, Hkv: 1, Lq: 300, Lk: 513, D: 64, Dv: 64, seed: 1 },
  { B: 2, Hq: 4, Hkv: 2, Lq: 129, Lk: 200, D: 33, Dv: 17, causal: true, seed: 2 },
  { B: 1, Hq: 1, Hkv: 1, Lq: 100, Lk: 1000, D: 128, Dv: 128, seed: 3 },
  { B: 1, Hq: 2, Hkv: 2, Lq: 40, Lk: 77, D: 1, Dv: 3, seed: 4 },
  { B: 1, Hq: 4, Hkv: 4, Lq: 65, Lk: 65, D: 64, Dv: 64, layout: 'bshd', causal: true, topLeft: true, seed: 5 },
  {
    B: 1,
    Hq: 4,
    Hkv: 1,
    Lq: 50,
    Lk: 300,
    D: 32,
    Dv: 48,
    extras: { softcap: 5, window: { left: 40 }, alibiSlopes: alibi, sinks: Float32Array.of(0.5, -1, 0, 2) },
    seed: 6,
  },
  {
    B: 1,
    Hq: 2,
    Hkv: 1,
    Lq: 30,
    Lk: 70,
    D: 16,
    Dv: 16,
    mask: {
      data: Float32Array.from({ length: 30 * 70 }, (_, i) => (i % 5 === 0 ? -Infinity : (i % 3) * 0.5)),
      shape: [30, 70],
    },
    seed: 7,
  },
];

function run(spec: CaseSpec, compute: 'fp32' | 'bf16') {
  const c = buildCase(spec);
  return { got: scaledDotProductAttention(c.q, c.k, c.v, { ...c.options, compute }).data, c };
}

describe(`compute: 'bf16' [${backendInfo().backend}/${backendInfo().simd}, bf16 kernel: ${backendInfo().bf16}]`, () => {
  it('prefill with every option stays within bfloat16 error of the float64 reference', () => {
    let worst = 0;
    for (const spec of PREFILL) {
      const { got, c } = run(spec, 'bf16');
      const err = maxAbsDiff(got, referenceSdpa(c.ref).out);
      worst = Math.max(worst, err);
      expect(err, describeSpec(spec)).toBeLessThanOrEqual(BF16_TOLERANCE);
    }
    console.log(`compute bf16 [${backendInfo().simd}]: largest error ${worst.toExponential(2)}`);
  });

  it('rounds the products where the kernel has bf16, and gives the fp32 bits everywhere else', () => {
    const spec = PREFILL[0];
    const diff = maxAbsDiff(run(spec, 'bf16').got, run(spec, 'fp32').got);
    if (backendInfo().bf16) expect(diff).toBeGreaterThan(1e-5);
    else expect(diff).toBe(0);
  });

  it('decode-sized calls (at most 8 query rows per kv head) compute in fp32', () => {
    for (const spec of [
      { B: 1, Hq: 8, Hkv: 1, Lq: 1, Lk: 700, D: 64, Dv: 64, seed: 11 },
      { B: 2, Hq: 4, Hkv: 4, Lq: 1, Lk: 300, D: 128, Dv: 128, seed: 12 },
    ] as CaseSpec[])
      expect(Array.from(run(spec, 'bf16').got)).toEqual(Array.from(run(spec, 'fp32').got));
  });

  it('gives the same bits on 1 and 2 threads', () => {
    for (const spec of PREFILL.slice(0, 3)) {
      setNumThreads(1);
      const one = run(spec, 'bf16').got;
      setNumThreads(2);
      const two = run(spec, 'bf16').got;
      expect(Array.from(two), describeSpec(spec)).toEqual(Array.from(one));
    }
  });

  it('a NaN or Infinity in v behind a mask never reaches the output', () => {
    const Lq = 40,
      Lk = 100,
      D = 32;
    const r = rng(21);
    const rand = (n: number) => Float32Array.from({ length: n }, () => r() * 2 - 1);
    const q = { data: rand(Lq * D), shape: [1, 1, Lq, D] };
    const k = { data: rand(Lk * D), shape: [1, 1, Lk, D] };
    const v = { data: rand(Lk * D), shape: [1, 1, Lk, D] };
    const mask = { data: Uint8Array.from({ length: Lk }, (_, j) => (j % 7 === 3 ? 0 : 1)), shape: [Lk] };
    for (let j = 3; j < Lk; j += 7) v.data.fill(j % 2 ? NaN : Infinity, j * D, (j + 1) * D);
    const got = scaledDotProductAttention(q, k, v, { mask, compute: 'bf16' }).data;
    expect(got.every(Number.isFinite)).toBe(true);
    const want = referenceSdpa({
      q: q.data,
      k: k.data,
      v: v.data,
      B: 1,
      Hq: 1,
      Hkv: 1,
      Lq,
      Lk,
      D,
      Dv: D,
      mask: (_b, _h, _i, j) => j % 7 !== 3,
    }).out;
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(BF16_TOLERANCE);
  });

  it('a bad compute value is a TypeError or RangeError naming the option', () => {
    const t = { data: new Float32Array(8), shape: [1, 1, 2, 4] };
    expectError(
      () => scaledDotProductAttention(t, t, t, { compute: 'fp16' as never }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /options\.compute must be one of 'fp32', 'bf16', got 'fp16'/,
    );
    expectError(
      () => scaledDotProductAttention(t, t, t, { compute: 16 as never }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.compute must be one of 'fp32', 'bf16'/,
    );
  });
});
