// options.lseOut: each row's log-sum-exp against the float64 reference, on odd shapes (decode, split-K
// and prefill paths), with every score option, fully masked rows (−Infinity, or the sink's logit),
// weightsOut (the row path), async, and fed to the backward; and its argument checks.
import { afterAll, describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  backendInfo,
  scaledDotProductAttention,
  scaledDotProductAttentionAsync,
  scaledDotProductAttentionBackward,
  type Tensor,
} from '../../src/index';
import { expectError } from '../helpers/expect-error';
import { randn, rng } from '../helpers/random';
import { referenceSdpa } from '../helpers/reference';
import { buildCase, describeSpec, type CaseSpec } from '../helpers/sdpa-case';

const OP = 'scaledDotProductAttention';
/** |got − want| / max(1, |want|): the lse is float32, its scores carry the kernel's exp and dot errors. */
const LSE_TOLERANCE = 1e-5;
const worstLse = { err: 0, label: '' };

afterAll(() => {
  console.log(
    `[${backendInfo().backend}/${backendInfo().simd}] lseOut: largest relative error vs float64 reference: ${worstLse.err.toExponential(2)} (${worstLse.label})`,
  );
});

function lseTensor(spec: CaseSpec): Tensor {
  const n = spec.B * spec.Hq * spec.Lq;
  return { data: new Float32Array(n).fill(NaN), shape: spec.rank3 ? [spec.B, spec.Lq] : [spec.B, spec.Hq, spec.Lq] };
}

function expectLse(got: Float32Array, want: Float64Array, label: string): void {
  expect(got.length).toBe(want.length);
  for (let x = 0; x < want.length; x++) {
    if (want[x] === -Infinity) {
      expect(got[x], `${label}: row ${x} sees no key`).toBe(-Infinity);
      continue;
    }
    const err = Math.abs(got[x] - want[x]) / Math.max(1, Math.abs(want[x]));
    if (!(err <= worstLse.err)) Object.assign(worstLse, { err, label });
    expect(err, `${label}: row ${x} (${got[x]} vs ${want[x]})`).toBeLessThanOrEqual(LSE_TOLERANCE);
  }
}

/** The case with lseOut, without and with weightsOut (two kernel paths), and async. */
async function checkLse(spec: CaseSpec): Promise<void> {
  const label = describeSpec(spec);
  const c = buildCase(spec);
  const want = referenceSdpa(c.ref);
  const lse = lseTensor(spec);
  const out = scaledDotProductAttention(c.q, c.k, c.v, { ...c.options, lseOut: lse });
  expectLse(lse.data, want.lse, `${label} fast path`);
  // The result itself is unchanged by asking for the lse.
  expect(Array.from(out.data)).toEqual(Array.from(scaledDotProductAttention(c.q, c.k, c.v, c.options).data));

  const lseW = lseTensor(spec);
  const weights = {
    data: new Float32Array(spec.B * spec.Hq * spec.Lq * spec.Lk),
    shape: spec.rank3 ? [spec.B, spec.Lq, spec.Lk] : [spec.B, spec.Hq, spec.Lq, spec.Lk],
  };
  scaledDotProductAttention(c.q, c.k, c.v, { ...c.options, lseOut: lseW, weightsOut: weights });
  expectLse(lseW.data, want.lse, `${label} with weightsOut`);

  const lseA = lseTensor(spec);
  await scaledDotProductAttentionAsync(c.q, c.k, c.v, { ...c.options, lseOut: lseA });
  expect(Array.from(lseA.data), `${label} async`).toEqual(Array.from(lse.data));
}

const SHAPES: [Lq: number, Lk: number, D: number][] = [
  [1, 1, 7],
  [1, 257, 64],
  [3, 17, 1],
  [17, 65, 7],
  [17, 3, 64],
  [65, 65, 1],
  [65, 17, 7],
  [257, 65, 7],
]; // prettier-ignore

const FLAVOURS: Partial<CaseSpec>[] = [
  { B: 1, Hq: 2, Hkv: 1, causal: true },
  { B: 2, Hq: 4, Hkv: 2, layout: 'bshd' },
  { B: 2, Hq: 1, Hkv: 1, rank3: true, causal: true, topLeft: true },
  { B: 1, Hq: 3, Hkv: 1, topLeft: true },
];

function uniform(n: number, seed: number, lo: number, hi: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

describe('options.lseOut matches the float64 log-sum-exp', () => {
  SHAPES.forEach(([Lq, Lk, D], n) => {
    const spec: CaseSpec = {
      B: 1,
      Hq: 1,
      Hkv: 1,
      ...FLAVOURS[n % FLAVOURS.length],
      Lq,
      Lk,
      D,
      Dv: D === 1 ? 3 : D - 2,
      seed: 17 * n + 3,
    };
    it(`Lq = ${Lq}, Lk = ${Lk}, D = ${D}, ${JSON.stringify(FLAVOURS[n % FLAVOURS.length])}`, () => checkLse(spec));
  });

  it('every score option at once: softcap, window, ALiBi, relative bias, sinks (GQA, causal)', () => {
    const [Hq, Lq, Lk] = [4, 17, 33];
    return checkLse({
      B: 2,
      Hq,
      Hkv: 2,
      Lq,
      Lk,
      D: 8,
      Dv: 5,
      causal: true,
      seed: 5,
      extras: {
        softcap: 2.5,
        window: { left: 6, right: 2 },
        alibiSlopes: uniform(Hq, 1, 0.05, 0.5),
        relativeBias: { data: uniform(Hq * (Lq + Lk - 1), 2, -1, 1), heads: Hq },
        sinks: uniform(Hq, 3, -1, 2),
      },
    }); // prettier-ignore
  });

  it('a boolean mask hiding whole rows: −Infinity, or the sink logit with sinks', async () => {
    const [B, Hq, Lq, Lk] = [1, 2, 3, 5];
    const mask = new Uint8Array(B * Hq * Lq * Lk).fill(1);
    mask.fill(0, 0, Lk); // head 0, row 0: nothing visible
    mask.fill(0, (Lq + 2) * Lk, (Lq + 3) * Lk); // head 1, row 2
    const spec: CaseSpec = {
      B,
      Hq,
      Hkv: 1,
      Lq,
      Lk,
      D: 4,
      Dv: 4,
      mask: { data: mask, shape: [B, Hq, Lq, Lk] },
      seed: 9,
    };
    await checkLse(spec);
    const sinks = Float32Array.of(0.5, -1.25);
    await checkLse({ ...spec, extras: { sinks } });
    const c = buildCase({ ...spec, extras: { sinks } });
    const lse = lseTensor(spec);
    scaledDotProductAttention(c.q, c.k, c.v, { ...c.options, lseOut: lse });
    expect(lse.data[0]).toBe(0.5);
    expect(lse.data[Lq + 2]).toBe(-1.25);
  });

  it('an additive mask and kvLengths (an entry with no key)', async () => {
    const [B, Lq, Lk] = [3, 5, 9];
    await checkLse({ B, Hq: 2, Hkv: 1, Lq, Lk, D: 6, Dv: 2, causal: true, extras: { kvLengths: [9, 0, 4] }, seed: 12 });
    await checkLse({
      B,
      Hq: 1,
      Hkv: 1,
      Lq,
      Lk,
      D: 3,
      Dv: 3,
      mask: { data: uniform(Lq * Lk, 4, -2, 2), shape: [Lq, Lk] },
      seed: 13,
    });
  });

  it('Dv = 0 still writes the lse; Lk = 0 writes −Infinity', async () => {
    await checkLse({ B: 1, Hq: 2, Hkv: 2, Lq: 3, Lk: 4, D: 5, Dv: 0, seed: 21 });
    await checkLse({ B: 2, Hq: 1, Hkv: 1, Lq: 3, Lk: 0, D: 2, Dv: 2, seed: 22 });
  });

  it('the forward lse in the backward gives the gradients of the recomputed one', () => {
    const spec: CaseSpec = {
      B: 2,
      Hq: 4,
      Hkv: 2,
      Lq: 17,
      Lk: 17,
      D: 8,
      Dv: 8,
      causal: true,
      layout: 'bshd',
      extras: { sinks: uniform(4, 7, -1, 1) },
      seed: 33,
    };
    const c = buildCase(spec);
    const lse = lseTensor(spec);
    const out = scaledDotProductAttention(c.q, c.k, c.v, { ...c.options, lseOut: lse });
    const dOut = { data: randn(out.data.length, rng(34)), shape: out.shape };
    // The forward's options object as it is (lseOut is accepted and ignored by the backward).
    const options = { ...c.options, lseOut: lse };
    const given = scaledDotProductAttentionBackward(dOut, c.q, c.k, c.v, out, lse, options);
    const recomputed = scaledDotProductAttentionBackward(dOut, c.q, c.k, c.v, out, null, options);
    for (const name of ['dq', 'dk', 'dv', 'dSinks'] as const) {
      const a = given[name]!.data;
      const b = recomputed[name]!.data;
      let err = 0;
      for (let x = 0; x < a.length; x++) err = Math.max(err, Math.abs(a[x] - b[x]));
      expect(err, name).toBeLessThanOrEqual(1e-5);
    }
  });
});

describe('options.lseOut argument checks', () => {
  const q = { data: new Float32Array(2 * 3 * 4), shape: [1, 2, 3, 4] };
  const k = { data: new Float32Array(2 * 5 * 4), shape: [1, 2, 5, 4] };

  it('refuses the wrong shape, type or element type, writing nothing', () => {
    const out = { data: new Float32Array(24).fill(7), shape: [1, 2, 3, 4] };
    const bad = (lseOut: unknown) => () => scaledDotProductAttention(q, k, k, { out, lseOut } as never);
    expectError(
      bad({ data: new Float32Array(6), shape: [1, 3, 2] }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: options.lseOut must be [batch, heads, seqQ] = [1, 2, 3], got [1, 3, 2]`,
    );
    expectError(
      bad({ data: new Float32Array(6), shape: [1, 2, 3, 1] }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /options\.lseOut must be \[batch, heads, seqQ\] = \[1, 2, 3\]/,
    );
    expectError(
      bad({ data: new Float64Array(6), shape: [1, 2, 3] }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.lseOut\.data must be a Float32Array/,
    );
    expectError(bad(new Float32Array(6)), AttnkitTypeError, ErrorCode.TYPE, /options\.lseOut/);
    expect(out.data.every((x) => x === 7)).toBe(true);
  });

  it('3-D inputs take [batch, seqQ]', () => {
    const q3 = { data: new Float32Array(2 * 3 * 4), shape: [2, 3, 4] };
    const k3 = { data: new Float32Array(2 * 5 * 4), shape: [2, 5, 4] };
    expectError(
      () => scaledDotProductAttention(q3, k3, k3, { lseOut: { data: new Float32Array(6), shape: [2, 1, 3] } }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: options.lseOut must be [batch, seqQ] = [2, 3], got [2, 1, 3]`,
    );
    const lse = { data: new Float32Array(6), shape: [2, 3] };
    scaledDotProductAttention(q3, k3, k3, { lseOut: lse });
    expect(Array.from(lse.data)).toEqual(new Array(6).fill(Math.fround(Math.log(5))));
  });

  it('refuses an lseOut sharing memory with an input or the result', () => {
    const buf = new Float32Array(24 + 6);
    const qq = { data: buf.subarray(0, 24), shape: [1, 2, 3, 4] };
    expectError(
      () => scaledDotProductAttention(qq, k, k, { lseOut: { data: buf.subarray(20, 26), shape: [1, 2, 3] } }),
      AttnkitRangeError,
      ErrorCode.OVERLAP,
      /options\.lseOut must be memory separate from q/,
    );
    const out = { data: buf.subarray(0, 24), shape: [1, 2, 3, 4] };
    expectError(
      () => scaledDotProductAttention(q, k, k, { out, lseOut: { data: buf.subarray(23, 29), shape: [1, 2, 3] } }),
      AttnkitRangeError,
      ErrorCode.OVERLAP,
      /options\.lseOut must be memory separate from options\.out/,
    );
  });

  it('async: refuses a view of a resizable ArrayBuffer', async () => {
    const Resizable = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
    const lseOut = { data: new Float32Array(new Resizable(24, { maxByteLength: 48 })), shape: [1, 2, 3] };
    await expect(scaledDotProductAttentionAsync(q, k, k, { lseOut })).rejects.toThrow(
      /options\.lseOut\.data is a view of a resizable ArrayBuffer/,
    );
  });
});
