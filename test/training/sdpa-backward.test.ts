// scaledDotProductAttentionBackward against the float64 reference gradient (sdpa-backward-reference.ts)
// on odd shapes with every forward option, both layouts, 3-D inputs, GQA and MQA, both causal
// alignments and fully masked rows. Each case runs with the reference's lse and with lse recomputed;
// the forward's `out` comes from the live backend, as a caller's would.
import { afterAll, describe, it } from 'vitest';
import { backendInfo } from '../../src/index';
import { rng } from '../helpers/random';
import type { CaseExtras, CaseSpec } from '../helpers/sdpa-case';
import { GRAD_TOLERANCE, checkGradCase, worstGrad } from './sdpa-backward-case';

afterAll(() => {
  console.log(
    `[${backendInfo().backend}/${backendInfo().simd}] backward: largest error vs float64 reference, relative to each gradient's largest entry: ${worstGrad.err.toExponential(2)} (tolerance ${GRAD_TOLERANCE}; ${worstGrad.label})`,
  );
});

/** Lengths of {1, 3, 17, 65} as Lq and Lk, D of {1, 3, 17, 65}: Lq < Lk, Lq = Lk, Lq > Lk. */
const SHAPES: [Lq: number, Lk: number, D: number][] = [
  [1, 1, 3],
  [1, 65, 17],
  [3, 17, 1],
  [3, 3, 65],
  [17, 65, 3],
  [17, 3, 17],
  [65, 65, 1],
  [65, 17, 3],
  [17, 1, 65],
]; // prettier-ignore

/** Heads, layout and causal variations taken in turn. */
const FLAVOURS: Partial<CaseSpec>[] = [
  { B: 1, Hq: 2, Hkv: 1, causal: true }, // MQA, bottom-right
  { B: 2, Hq: 4, Hkv: 2, layout: 'bshd' }, // GQA, bshd
  { B: 2, Hq: 1, Hkv: 1, rank3: true, causal: true, topLeft: true },
  { B: 1, Hq: 3, Hkv: 3, topLeft: true, causal: true, layout: 'bshd' },
  { B: 1, Hq: 6, Hkv: 2 },
];

function oddCases(shift: number): CaseSpec[] {
  return SHAPES.map(([Lq, Lk, D], n) => ({
    B: 1,
    Hq: 1,
    Hkv: 1,
    ...FLAVOURS[(n + shift) % FLAVOURS.length],
    Lq,
    Lk,
    D,
    Dv: D === 1 ? 3 : D + 2,
    seed: 41 * n + shift,
  }));
}

const name = (s: CaseSpec) =>
  `Lq ${s.Lq}, Lk ${s.Lk}, D ${s.D}, ${s.rank3 ? '3-D' : `${s.Hq}/${s.Hkv} heads ${s.layout ?? 'bhsd'}`}${s.causal ? (s.topLeft ? ' causal top-left' : ' causal') : ''}`;

function uniform(n: number, seed: number, lo: number, hi: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}
const slopesFor = (H: number, seed: number) => uniform(H, seed, 0.01, 0.5);
const sinksFor = (H: number, seed: number) => uniform(H, seed, -2, 3);
const relBiasFor = (heads: number, s: CaseSpec, seed: number) => ({
  data: uniform(heads * (s.Lq + s.Lk - 1), seed, -2, 2),
  heads,
});
const heads = (s: CaseSpec) => (s.rank3 ? 1 : s.Hq);

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

describe('plain attention', () => {
  for (const s of oddCases(0)) it(name(s), () => checkGradCase(s));
  it('scale given', () => checkGradCase({ B: 1, Hq: 2, Hkv: 2, Lq: 17, Lk: 17, D: 8, Dv: 8, scale: 0.9 }));
  it('several key blocks, causal (Lq = Lk = 150)', () =>
    checkGradCase({ B: 1, Hq: 2, Hkv: 1, Lq: 150, Lk: 150, D: 8, Dv: 6, causal: true }));
  it('Lq > Lk bottom-right: the first rows see no key', () =>
    checkGradCase({ B: 1, Hq: 2, Hkv: 1, Lq: 17, Lk: 5, D: 4, Dv: 3, causal: true }));
  it("compute: 'bf16' (computed in fp32)", () =>
    checkGradCase({ B: 1, Hq: 2, Hkv: 1, Lq: 17, Lk: 65, D: 8, Dv: 8, causal: true }, 'bf16', { compute: 'bf16' }));
});

describe('masks', () => {
  const cases: [string, (s: CaseSpec) => number[], boolean][] = [
    ['bool [Lq, Lk]', (s) => [s.Lq, s.Lk], true],
    ['bool key padding [B, 1, 1, Lk]', (s) => (s.rank3 ? [s.B, 1, s.Lk] : [s.B, 1, 1, s.Lk]), true],
    ['additive [Lk]', (s) => [s.Lk], false],
    ['additive full', (s) => (s.rank3 ? [s.B, s.Lq, s.Lk] : [s.B, s.Hq, s.Lq, s.Lk]), false],
    ['additive per head [1, Hq, 1, 1]', (s) => (s.rank3 ? [1, 1, 1] : [1, s.Hq, 1, 1]), false],
  ];
  cases.forEach(([label, shapeOf, bool], n) => {
    for (const s of oddCases(n + 1).slice(0, 5)) {
      const shape = shapeOf(s);
      it(`${label}: ${name(s)}`, () =>
        checkGradCase({
          ...s,
          mask: { data: bool ? boolMask(shape, s.seed ?? 0) : additiveMask(shape, s.seed ?? 0), shape },
        }));
    }
  });
  it('fully masked rows (a bool mask with all-zero rows), sinks or not', () => {
    const [Lq, Lk] = [9, 13];
    const data = boolMask([Lq, Lk], 3);
    for (const i of [0, 4, 8]) data.fill(0, i * Lk, (i + 1) * Lk);
    for (const sinks of [undefined, Float32Array.of(0.5, -1)])
      checkGradCase({ B: 2, Hq: 2, Hkv: 1, Lq, Lk, D: 5, Dv: 4, mask: { data, shape: [Lq, Lk] }, extras: { sinks } });
  });
});

describe('score options', () => {
  for (const s of oddCases(2)) {
    it(`softcap: ${name(s)}`, () => checkGradCase({ ...s, scale: 1, extras: { softcap: 0.8 } }));
    it(`window {left, right}: ${name(s)}`, () =>
      checkGradCase({ ...s, extras: { window: { left: Math.floor(s.Lk / 4) + 1, right: 2 } } }));
    it(`alibiSlopes: ${name(s)}`, () => checkGradCase({ ...s, extras: { alibiSlopes: slopesFor(heads(s), 3) } }));
    it(`relativeBias [Hq, Lq+Lk-1]: ${name(s)}`, () =>
      checkGradCase({ ...s, extras: { relativeBias: relBiasFor(heads(s), s, 4) } }));
    it(`relativeBias [1, Lq+Lk-1]: ${name(s)}`, () =>
      checkGradCase({ ...s, extras: { relativeBias: relBiasFor(1, s, 5) } }));
    it(`sinks: ${name(s)}`, () => checkGradCase({ ...s, extras: { sinks: sinksFor(heads(s), 6) } }));
  }
  it('window {left: 0, right: 0} with Lq > Lk: rows with no key, sinks', () =>
    checkGradCase({
      B: 1,
      Hq: 2,
      Hkv: 1,
      Lq: 6,
      Lk: 3,
      D: 4,
      Dv: 5,
      extras: { window: { left: 0, right: 0 }, sinks: sinksFor(2, 7) },
    }));
  it('a large softcap on large scores (tanh near saturation)', () =>
    checkGradCase({ B: 1, Hq: 2, Hkv: 2, Lq: 17, Lk: 17, D: 16, Dv: 4, scale: 3, extras: { softcap: 2 } }));
});

describe('every option at once', () => {
  const all = (s: CaseSpec, n: number): CaseExtras => ({
    softcap: 1.5,
    window: { left: Math.floor(s.Lk / 3) + 1, right: 3 },
    alibiSlopes: slopesFor(heads(s), n),
    relativeBias: relBiasFor(n % 2 ? 1 : heads(s), s, n + 1),
    sinks: sinksFor(heads(s), n + 2),
  });
  oddCases(3).forEach((s, n) => {
    const shape = s.rank3 ? [s.B, s.Lq, s.Lk] : [s.B, 1, s.Lq, s.Lk];
    const mask = n % 2 ? { data: boolMask(shape, n, 0.8), shape } : { data: additiveMask(shape, n), shape };
    it(name(s), () => checkGradCase({ ...s, mask, extras: all(s, n) }));
  });
  it('GQA 8/2, bshd, causal top-left, Lq 33, Lk 129', () => {
    const s: CaseSpec = {
      B: 2,
      Hq: 8,
      Hkv: 2,
      Lq: 33,
      Lk: 129,
      D: 16,
      Dv: 12,
      layout: 'bshd',
      causal: true,
      topLeft: true,
      seed: 5,
    };
    checkGradCase({ ...s, mask: { data: boolMask([2, 1, 1, 129], 8, 0.9), shape: [2, 1, 1, 129] }, extras: all(s, 9) });
  });
});
