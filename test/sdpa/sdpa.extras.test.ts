// The score options (softcap, window, alibiSlopes, relativeBias, sinks) against the float64 reference,
// alone and combined, on odd shapes with GQA, bshd, 3-D inputs, both alignments, Lq < Lk and Lq > Lk.
// checkCase runs each case with weightsOut (the row path) and without (the fast path).
import { afterAll, describe, expect, it } from 'vitest';
import {
  alibiBias,
  alibiSlopes,
  backendInfo,
  scaledDotProductAttention,
  scaledDotProductAttentionAsync,
  type Tensor,
} from '../../src/index';
import { randn, rng } from '../helpers/random';
import { maxAbsDiff, referenceSdpa } from '../helpers/reference';
import {
  buildCase,
  checkAsyncMatchesSync,
  checkCase,
  describeSpec,
  TOLERANCE,
  worst,
  type CaseExtras,
  type CaseSpec,
} from '../helpers/sdpa-case';

afterAll(() => {
  console.log(
    `[${backendInfo().backend}/${backendInfo().simd}] extras: largest abs error vs float64 reference: ${worst.err.toExponential(2)} (${worst.label})`,
  );
});

/** Every length of {1, 3, 17, 65, 257} as Lq and as Lk, each D of {1, 7, 64}: Lq < Lk, Lq = Lk, Lq > Lk. */
const SHAPES: [Lq: number, Lk: number, D: number][] = [
  [1, 1, 7],
  [1, 257, 64],
  [3, 17, 1],
  [3, 3, 64],
  [17, 65, 7],
  [17, 3, 64],
  [65, 65, 1],
  [65, 17, 7],
  [257, 65, 7],
  [257, 257, 1],
  [17, 1, 64],
]; // prettier-ignore

/** Head and layout variations taken in turn: GQA, bshd, 3-D, and both causal alignments. */
const FLAVOURS: Partial<CaseSpec>[] = [
  { B: 1, Hq: 2, Hkv: 1, causal: true },
  { B: 2, Hq: 4, Hkv: 2, layout: 'bshd' },
  { B: 2, Hq: 1, Hkv: 1, rank3: true, causal: true, topLeft: true },
  { B: 1, Hq: 3, Hkv: 1, topLeft: true }, // positions top-left without causal
  { B: 1, Hq: 2, Hkv: 2, layout: 'bshd', causal: true },
];

/** The odd shapes, each with the flavour `shift` steps along, and Dv a little off D. */
function oddCases(shift: number): CaseSpec[] {
  return SHAPES.map(([Lq, Lk, D], n) => ({
    B: 1,
    Hq: 1,
    Hkv: 1,
    ...FLAVOURS[(n + shift) % FLAVOURS.length],
    Lq,
    Lk,
    D,
    Dv: D === 1 ? 3 : D - 2,
    seed: 31 * n + shift,
  }));
}

const name = (s: CaseSpec) =>
  `Lq = ${s.Lq}, Lk = ${s.Lk}, D = ${s.D}, ${s.rank3 ? '3-D' : `${s.Hq}/${s.Hkv} heads ${s.layout ?? 'bhsd'}`}${s.causal ? ' causal' : ''}${s.topLeft ? ' top-left' : ''}`;

function uniform(n: number, seed: number, lo: number, hi: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

const slopesFor = (H: number, seed: number) => uniform(H, seed, 0.01, 0.5);
const sinksFor = (H: number, seed: number) => uniform(H, seed, -2, 3);
const relBiasFor = (heads: number, s: CaseSpec, seed: number) => ({
  data: uniform(heads * (s.Lq + s.Lk - 1), seed, -3, 3),
  heads,
});

function boolMask(shape: number[], seed: number, density = 0.7): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (r() < density ? 1 : 0));
}

function additiveMask(shape: number[], seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () =>
    r() < 0.2 ? -Infinity : (r() - 0.5) * 4,
  );
}

/** Runs with weightsOut and returns out and weights beside the reference's. */
function runWithWeights(spec: CaseSpec) {
  const c = buildCase(spec);
  const weights: Tensor = {
    data: new Float32Array(spec.B * spec.Hq * spec.Lq * spec.Lk),
    shape: spec.rank3 ? [spec.B, spec.Lq, spec.Lk] : [spec.B, spec.Hq, spec.Lq, spec.Lk],
  };
  const out = scaledDotProductAttention(c.q, c.k, c.v, { ...c.options, weightsOut: weights });
  return { c, out: out.data, weights: weights.data, ref: referenceSdpa(c.ref) };
}

const rowSums = (w: ArrayLike<number>, Lk: number) =>
  Array.from({ length: w.length / Lk }, (_, r) =>
    Array.from({ length: Lk }, (_, j) => w[r * Lk + j]).reduce((a, b) => a + b, 0),
  );

describe('softcap', () => {
  for (const s of oddCases(0)) it(`alone: ${name(s)}`, () => checkCase({ ...s, scale: 1, extras: { softcap: 0.7 } }));
  it('with a bool mask', () =>
    checkCase({
      B: 2,
      Hq: 4,
      Hkv: 2,
      Lq: 17,
      Lk: 65,
      D: 7,
      Dv: 7,
      scale: 1,
      mask: { data: boolMask([17, 65], 1), shape: [17, 65] },
      extras: { softcap: 1.5 },
    }));
  it('with an additive mask: the mask is added after the cap', () =>
    checkCase({
      B: 1,
      Hq: 2,
      Hkv: 1,
      Lq: 17,
      Lk: 65,
      D: 7,
      Dv: 7,
      scale: 1,
      causal: true,
      mask: { data: additiveMask([2, 17, 65], 2), shape: [1, 2, 17, 65] },
      extras: { softcap: 0.5 },
    }));
  it('a key masked with additive -Infinity gets weight exactly 0', () => {
    const mask = additiveMask([9, 70], 3);
    const { weights, ref, out } = runWithWeights({
      B: 1,
      Hq: 2,
      Hkv: 2,
      Lq: 9,
      Lk: 70,
      D: 8,
      Dv: 8,
      scale: 2,
      mask: { data: mask, shape: [9, 70] },
      extras: { softcap: 0.3 },
    });
    for (let h = 0; h < 2; h++)
      for (let x = 0; x < mask.length; x++) if (mask[x] === -Infinity) expect(weights[h * mask.length + x]).toBe(0);
    expect(maxAbsDiff(weights, ref.weights)).toBeLessThanOrEqual(TOLERANCE);
    expect(maxAbsDiff(out, ref.out)).toBeLessThanOrEqual(TOLERANCE);
  });
  it('a very large cap changes nothing (within tolerance)', () => {
    const spec: CaseSpec = { B: 1, Hq: 2, Hkv: 1, Lq: 17, Lk: 65, D: 7, Dv: 7 };
    const c = buildCase(spec);
    const plain = scaledDotProductAttention(c.q, c.k, c.v);
    const capped = scaledDotProductAttention(c.q, c.k, c.v, { softcap: 1e6 });
    expect(maxAbsDiff(capped.data, plain.data)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('window', () => {
  const windows: [string, (Lk: number) => CaseExtras['window']][] = [
    ['{left}', (Lk) => ({ left: Math.floor(Lk / 3) })],
    ['{right}', (Lk) => ({ right: Math.floor(Lk / 4) })],
    ['{left, right}', (Lk) => ({ left: Math.floor(Lk / 5) + 1, right: 2 })],
    ['{left: 0}', () => ({ left: 0 })],
    ['{left: 0, right: 0}', () => ({ left: 0, right: 0 })],
  ];
  windows.forEach(([label, w], n) => {
    for (const s of oddCases(n)) it(`${label}: ${name(s)}`, () => checkCase({ ...s, extras: { window: w(s.Lk) } }));
  });
  it('with causal on both alignments', () => {
    for (const topLeft of [false, true])
      for (const [Lq, Lk] of [
        [17, 65],
        [65, 17],
        [33, 33],
      ])
        checkCase({
          B: 1,
          Hq: 4,
          Hkv: 2,
          Lq,
          Lk,
          D: 8,
          Dv: 8,
          causal: true,
          topLeft,
          extras: { window: { left: 7, right: 3 } },
        });
  });
  it('with a bool mask', () =>
    checkCase({
      B: 2,
      Hq: 2,
      Hkv: 1,
      Lq: 65,
      Lk: 65,
      D: 7,
      Dv: 7,
      mask: { data: boolMask([2, 1, 65, 65], 4, 0.5), shape: [2, 1, 65, 65] },
      extras: { window: { left: 10, right: 10 } },
    }));
  // 2 heads x 300 rows take the packed path, whose tiles start their GEMMs and softmax at the first
  // 16-key panel any of their rows sees (left of it every row's window is closed).
  it('on long rows with softcap, ALiBi, a relative bias and a bool mask', () => {
    const s: CaseSpec = { B: 1, Hq: 2, Hkv: 1, Lq: 300, Lk: 300, D: 16, Dv: 12, seed: 9 };
    checkCase({
      ...s,
      mask: { data: boolMask([300, 300], 11, 0.8), shape: [300, 300] },
      extras: {
        window: { left: 40, right: 3 },
        softcap: 5,
        alibiSlopes: slopesFor(2, 12),
        relativeBias: relBiasFor(2, s, 13),
      },
    });
  });
  it('rows that see no key give zeros (and zero weights), sinks or not', () => {
    // Bottom-right, Lq > Lk: rows 0..2 sit at positions -3..-1 and a zero-width window holds no key.
    for (const sinks of [undefined, Float32Array.of(1, -1)]) {
      const spec: CaseSpec = {
        B: 1,
        Hq: 2,
        Hkv: 1,
        Lq: 6,
        Lk: 3,
        D: 4,
        Dv: 5,
        extras: { window: { left: 0, right: 0 }, sinks },
      };
      const { out, weights, ref } = runWithWeights(spec);
      for (let h = 0; h < 2; h++) {
        expect(Array.from(out.subarray(h * 30, h * 30 + 15))).toEqual(new Array(15).fill(0));
        expect(Array.from(weights.subarray(h * 18, h * 18 + 9))).toEqual(new Array(9).fill(0));
        expect(out.subarray(h * 30 + 15, h * 30 + 30).some((x) => x !== 0)).toBe(true);
      }
      expect(maxAbsDiff(out, ref.out)).toBeLessThanOrEqual(TOLERANCE);
      checkCase(spec);
    }
  });
  it('a window wider than Lk equals no window (within tolerance)', () => {
    const c = buildCase({ B: 1, Hq: 2, Hkv: 2, Lq: 17, Lk: 65, D: 7, Dv: 7 });
    const plain = scaledDotProductAttention(c.q, c.k, c.v, { causal: true });
    const wide = scaledDotProductAttention(c.q, c.k, c.v, { causal: true, window: { left: 1000, right: 1000 } });
    expect(maxAbsDiff(wide.data, plain.data)).toBeLessThanOrEqual(TOLERANCE);
  });
  // Lq = Lk = 150, window {left: 20, right: 0}: row i sees keys i-20..i. Keys 0, 1 and 70 hold NaN, so
  // rows 0..21 and 70..90 see NaN and every other row must be finite and right.
  const [Lq, Lk, D] = [150, 150, 8];
  const seesNaN = (i: number) => i <= 21 || (i >= 70 && i <= 90);
  function poisoned(withWeights: boolean) {
    const c = buildCase({ B: 1, Hq: 2, Hkv: 1, Lq, Lk, D, Dv: D, seed: 9 });
    const clean = referenceSdpa({ ...c.ref, window: { left: 20, right: 0 } });
    for (const j of [0, 1, 70]) {
      c.k.data.fill(NaN, j * D, (j + 1) * D);
      c.v.data.fill(NaN, j * D, (j + 1) * D);
    }
    const options = {
      window: { left: 20, right: 0 },
      ...(withWeights ? { weightsOut: { data: new Float32Array(2 * Lq * Lk), shape: [1, 2, Lq, Lk] } } : {}),
    };
    const out = scaledDotProductAttention(c.q, c.k, c.v, options).data;
    const row = (
      data: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> },
      h: number,
      i: number,
    ) => data.subarray((h * Lq + i) * D, (h * Lq + i + 1) * D);
    return { out, clean: clean.out, row };
  }
  for (const withWeights of [false, true]) {
    const path = withWeights ? 'weightsOut path' : 'fast path';
    it(`NaN in k and v of keys outside the window never leaks (${path})`, () => {
      const { out, clean, row } = poisoned(withWeights);
      for (let h = 0; h < 2; h++)
        for (let i = 0; i < Lq; i++)
          if (!seesNaN(i))
            expect(maxAbsDiff(row(out, h, i), row(clean, h, i)), `head ${h} row ${i}`).toBeLessThanOrEqual(TOLERANCE);
    });
    it(`a row that sees a NaN key is NaN, even when it is the row's only key (${path})`, () => {
      const { out, row } = poisoned(withWeights);
      for (let h = 0; h < 2; h++)
        for (let i = 0; i < Lq; i++)
          if (seesNaN(i)) expect(Array.from(row(out, h, i)).every(Number.isNaN), `head ${h} row ${i}`).toBe(true);
    });
  }
});

describe('alibiSlopes', () => {
  for (const s of oddCases(1))
    it(`vs reference: ${name(s)}`, () => checkCase({ ...s, extras: { alibiSlopes: slopesFor(s.Hq, s.seed ?? 0) } }));
  for (const topLeft of [false, true])
    it(`equals the materialised alibiBias mask (${topLeft ? 'top-left' : 'bottom-right'})`, () => {
      const [H, Lq, Lk] = [8, 17, 65];
      const c = buildCase({ B: 2, Hq: H, Hkv: 2, Lq, Lk, D: 16, Dv: 16 });
      const slopes = alibiSlopes(H);
      const align = topLeft ? ({ causalAlignment: 'top-left' } as const) : {};
      const viaMask = scaledDotProductAttention(c.q, c.k, c.v, {
        causal: true,
        ...align,
        mask: alibiBias(slopes, Lq, Lk, { queryOffset: topLeft ? 0 : Lk - Lq }),
      });
      const fused = scaledDotProductAttention(c.q, c.k, c.v, { causal: true, ...align, alibiSlopes: slopes });
      // The mask holds float32 roundings of −m·|p − j| (up to 8·64 here); the kernel computes them exactly.
      expect(maxAbsDiff(fused.data, viaMask.data)).toBeLessThanOrEqual(TOLERANCE);
    });
  it('with a window and an additive mask', () =>
    checkCase({
      B: 1,
      Hq: 4,
      Hkv: 1,
      Lq: 65,
      Lk: 257,
      D: 7,
      Dv: 7,
      mask: { data: additiveMask([65, 257], 5), shape: [65, 257] },
      extras: { alibiSlopes: slopesFor(4, 5), window: { left: 30, right: 5 } },
    }));
});

describe('relativeBias', () => {
  for (const s of oddCases(2)) {
    it(`[Hq, Lq+Lk-1]: ${name(s)}`, () => checkCase({ ...s, extras: { relativeBias: relBiasFor(s.Hq, s, 7) } }));
    it(`[1, Lq+Lk-1]: ${name(s)}`, () => checkCase({ ...s, extras: { relativeBias: relBiasFor(1, s, 8) } }));
  }
  it('with causal, a window and softcap', () =>
    checkCase({
      B: 1,
      Hq: 2,
      Hkv: 1,
      Lq: 65,
      Lk: 65,
      D: 8,
      Dv: 8,
      causal: true,
      extras: { relativeBias: relBiasFor(2, { Lq: 65, Lk: 65 } as CaseSpec, 9), window: { left: 16 }, softcap: 2 },
    }));
});

describe('sinks', () => {
  for (const s of oddCases(3))
    it(`vs reference: ${name(s)}`, () => checkCase({ ...s, extras: { sinks: sinksFor(s.Hq, s.seed ?? 0) } }));
  it('weight rows sum to less than 1, as the reference says', () => {
    const spec: CaseSpec = {
      B: 2,
      Hq: 4,
      Hkv: 2,
      Lq: 17,
      Lk: 65,
      D: 7,
      Dv: 7,
      causal: true,
      extras: { sinks: sinksFor(4, 11) },
    };
    const { weights, ref } = runWithWeights(spec);
    const got = rowSums(weights, 65);
    const want = rowSums(ref.weights, 65);
    for (let r = 0; r < got.length; r++) {
      expect(got[r]).toBeLessThan(1);
      expect(got[r]).toBeGreaterThan(0);
      expect(Math.abs(got[r] - want[r])).toBeLessThanOrEqual(TOLERANCE);
    }
  });
  it('a sink of -1e30 is the same as no sink', () => {
    const spec: CaseSpec = { B: 1, Hq: 2, Hkv: 1, Lq: 17, Lk: 65, D: 7, Dv: 7, causal: true };
    const c = buildCase(spec);
    const plain = scaledDotProductAttention(c.q, c.k, c.v, c.options);
    const sunk = scaledDotProductAttention(c.q, c.k, c.v, { ...c.options, sinks: [-1e30, -1e30] });
    expect(maxAbsDiff(sunk.data, plain.data)).toBeLessThanOrEqual(TOLERANCE);
    const { weights } = runWithWeights({ ...spec, extras: { sinks: Float32Array.of(-1e30, -1e30) } });
    for (const sum of rowSums(weights, 65)) expect(Math.abs(sum - 1)).toBeLessThanOrEqual(TOLERANCE);
  });
  it('a sink far above every score takes almost all the weight', () =>
    checkCase({ B: 1, Hq: 2, Hkv: 2, Lq: 5, Lk: 9, D: 4, Dv: 4, extras: { sinks: Float32Array.of(40, 800) } }));
});

describe('all five combined', () => {
  const all = (s: CaseSpec, seed: number): CaseSpec => ({
    ...s,
    scale: 1,
    extras: {
      softcap: 1.5,
      window: { left: Math.floor(s.Lk / 4) + 1, right: 3 },
      alibiSlopes: slopesFor(s.Hq, seed),
      relativeBias: relBiasFor(s.Hq, s, seed),
      sinks: sinksFor(s.Hq, seed),
    },
  });
  for (const s of oddCases(4)) it(`with and without weightsOut: ${name(s)}`, () => checkCase(all(s, s.seed ?? 0)));
  it('with a bool mask and GQA in bshd', () =>
    checkCase(
      all(
        {
          B: 2,
          Hq: 6,
          Hkv: 2,
          Lq: 17,
          Lk: 65,
          D: 7,
          Dv: 5,
          layout: 'bshd',
          causal: true,
          mask: { data: boolMask([2, 1, 17, 65], 6), shape: [2, 1, 17, 65] },
        },
        12,
      ),
    ));
  it('async equals sync bit for bit and the reference', async () => {
    const spec = all({ B: 2, Hq: 4, Hkv: 2, Lq: 33, Lk: 65, D: 16, Dv: 8, causal: true }, 13);
    await checkAsyncMatchesSync(spec);
    const c = buildCase(spec);
    const got = await scaledDotProductAttentionAsync(c.q, c.k, c.v, c.options);
    expect(maxAbsDiff(got.data, referenceSdpa(c.ref).out), describeSpec(spec)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('long rows (block skipping, split-K decode)', () => {
  it('decode: Lq = 1, Lk = 1000, window {left: 100}, GQA', () =>
    checkCase({ B: 2, Hq: 8, Hkv: 2, Lq: 1, Lk: 1000, D: 64, Dv: 64, extras: { window: { left: 100 } } }));
  it('decode with every option: Lq = 1, Lk = 1000', () =>
    checkCase({
      B: 1,
      Hq: 4,
      Hkv: 1,
      Lq: 1,
      Lk: 1000,
      D: 64,
      Dv: 64,
      causal: true,
      extras: { window: { left: 100 }, softcap: 3, alibiSlopes: slopesFor(4, 14), sinks: sinksFor(4, 14) },
    }));
  it('prefill: Lq = Lk = 300, causal, window {left: 50}', () =>
    checkCase({
      B: 1,
      Hq: 2,
      Hkv: 1,
      Lq: 300,
      Lk: 300,
      D: 64,
      Dv: 64,
      causal: true,
      extras: { window: { left: 50 } },
    }));
  it('prefill: Lq = Lk = 300, window {left: 40, right: 40}, bshd, sinks', () =>
    checkCase({
      B: 1,
      Hq: 4,
      Hkv: 2,
      Lq: 300,
      Lk: 300,
      D: 33,
      Dv: 33,
      layout: 'bshd',
      extras: { window: { left: 40, right: 40 }, sinks: sinksFor(4, 15) },
    }));
  it('the output only depends on keys inside the window', () => {
    // Keys 0..898 are random garbage (finite) for a query that only sees 899..999: changing them changes nothing.
    const spec: CaseSpec = { B: 1, Hq: 2, Hkv: 2, Lq: 1, Lk: 1000, D: 16, Dv: 16 };
    const a = buildCase(spec);
    const before = scaledDotProductAttention(a.q, a.k, a.v, { window: { left: 100 } });
    const noise = randn(899 * 16, rng(16));
    for (let h = 0; h < 2; h++) {
      a.k.data.set(noise, h * 1000 * 16);
      a.v.data.set(noise, h * 1000 * 16);
    }
    const after = scaledDotProductAttention(a.q, a.k, a.v, { window: { left: 100 } });
    expect(Array.from(after.data)).toEqual(Array.from(before.data));
  });
});
