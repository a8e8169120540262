// scaledDotProductAttention against the float64 reference on random shapes, every option.
import { afterAll, describe, it } from 'vitest';
import { backendInfo } from '../../src/index';
import { rng } from '../helpers/random';
import { checkCase, worst, type CaseSpec } from '../helpers/sdpa-case';

afterAll(() => {
  console.log(
    `[${backendInfo().backend}/${backendInfo().simd}] largest abs error vs float64 reference: ${worst.err.toExponential(2)} (${worst.label})`,
  );
});

const base: CaseSpec = { B: 2, Hq: 4, Hkv: 2, Lq: 5, Lk: 7, D: 8, Dv: 6 };

describe('odd sizes along L and D', () => {
  for (const L of [1, 3, 17, 65, 1000])
    it(`Lq = Lk = ${L}, D = 16`, () => checkCase({ B: 1, Hq: 2, Hkv: 1, Lq: L, Lk: L, D: 16, Dv: 16, seed: L }));
  for (const D of [1, 3, 7, 17, 33, 65, 1000])
    it(`D = Dv = ${D}`, () => checkCase({ B: 1, Hq: 2, Hkv: 2, Lq: 9, Lk: 13, D, Dv: D, seed: D }));
  it('Lk = 1000, Lq = 3', () => checkCase({ B: 1, Hq: 1, Hkv: 1, Lq: 3, Lk: 1000, D: 64, Dv: 64 }));
  it('Dv differs from D', () => checkCase({ B: 2, Hq: 2, Hkv: 2, Lq: 17, Lk: 17, D: 33, Dv: 7 }));
  it('random shapes', () => {
    const r = rng(99);
    const pick = (xs: number[]) => xs[Math.floor(r() * xs.length)];
    for (let t = 0; t < 25; t++) {
      const Hkv = pick([1, 2, 3]);
      checkCase({
        B: pick([1, 2, 3]),
        Hq: Hkv * pick([1, 2, 4]),
        Hkv,
        Lq: pick([1, 2, 3, 5, 17, 31]),
        Lk: pick([1, 3, 8, 17, 65]),
        D: pick([1, 3, 7, 16, 33, 64]),
        Dv: pick([1, 5, 8, 17, 64]),
        layout: pick(['bhsd', 'bshd']) as 'bhsd' | 'bshd',
        causal: r() < 0.5,
        seed: t,
      });
    }
  });
});

describe('grouped-query, multi-query, layouts', () => {
  it('GQA 8 query heads over 2 kv heads', () => checkCase({ B: 2, Hq: 8, Hkv: 2, Lq: 11, Lk: 13, D: 16, Dv: 16 }));
  it('MQA 6 query heads over 1 kv head', () => checkCase({ B: 1, Hq: 6, Hkv: 1, Lq: 7, Lk: 19, D: 8, Dv: 8 }));
  it("layout 'bshd'", () => checkCase({ ...base, layout: 'bshd' }));
  it("layout 'bshd' with GQA and causal", () =>
    checkCase({ B: 2, Hq: 6, Hkv: 3, Lq: 9, Lk: 9, D: 17, Dv: 5, layout: 'bshd', causal: true }));
  it('3-D inputs [N, L, D]', () => checkCase({ B: 3, Hq: 1, Hkv: 1, Lq: 5, Lk: 9, D: 7, Dv: 3, rank3: true }));
  it('custom scale', () => checkCase({ ...base, scale: 0.05 }));
});

describe('causal', () => {
  for (const [Lq, Lk] of [
    [5, 9],
    [9, 9],
    [9, 5],
    [1, 17],
    [17, 1],
  ])
    for (const topLeft of [false, true])
      it(`Lq = ${Lq}, Lk = ${Lk}, ${topLeft ? 'top-left' : 'bottom-right'}`, () =>
        checkCase({ B: 1, Hq: 2, Hkv: 1, Lq, Lk, D: 8, Dv: 8, causal: true, topLeft }));
  it('bottom-right: the last query sees every key', () => {
    // Lq > Lk: the first Lq - Lk rows see nothing and are zeros; the reference says so independently.
    checkCase({ B: 1, Hq: 1, Hkv: 1, Lq: 6, Lk: 3, D: 4, Dv: 4, causal: true });
  });
});

function boolMask(shape: number[], seed: number, density = 0.7): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (r() < density ? 1 : 0));
}

function additiveMask(shape: number[], seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => {
    const u = r();
    return u < 0.2 ? -Infinity : (u - 0.5) * 4;
  });
}

describe('masks of every broadcast form', () => {
  const { B, Hq, Lq, Lk } = base;
  const forms: number[][] = [
    [B, Hq, Lq, Lk],
    [Lq, Lk],
    [B, 1, 1, Lk],
    [1, Hq, 1, 1],
    [B, 1, Lq, Lk],
    [Lk],
    [Lq, 1],
    [1, 1, 1, 1],
    [Hq, Lq, Lk],
    [B, Hq, 1, Lk],
  ];
  for (const shape of forms) {
    it(`bool ${JSON.stringify(shape)}`, () =>
      checkCase({ ...base, mask: { data: boolMask(shape, shape.length), shape } }));
    it(`additive ${JSON.stringify(shape)}`, () =>
      checkCase({ ...base, mask: { data: additiveMask(shape, shape.length), shape } }));
  }
  it('bool mask combined with causal', () =>
    checkCase({ ...base, Lq: 7, causal: true, mask: { data: boolMask([7, 7], 3), shape: [7, 7] } }));
  it('additive mask combined with causal, top-left', () =>
    checkCase({ ...base, causal: true, topLeft: true, mask: { data: additiveMask([Lq, Lk], 4), shape: [Lq, Lk] } }));
  it('mask on 3-D inputs broadcasts to [N, Lq, Lk]', () =>
    checkCase({
      B: 3,
      Hq: 1,
      Hkv: 1,
      Lq: 4,
      Lk: 6,
      D: 5,
      Dv: 5,
      rank3: true,
      mask: { data: boolMask([3, 1, 6], 8), shape: [3, 1, 6] },
    }));
  it('mask with bshd layout stays [B, Hq, Lq, Lk]', () =>
    checkCase({ ...base, layout: 'bshd', mask: { data: additiveMask([B, Hq, Lq, Lk], 5), shape: [B, Hq, Lq, Lk] } }));
  it('key padding for variable-length sequences', () => {
    const lengths = [7, 3];
    const data = Uint8Array.from({ length: B * Lk }, (_, x) => (x % Lk < lengths[Math.floor(x / Lk)] ? 1 : 0));
    checkCase({ ...base, mask: { data, shape: [B, 1, 1, Lk] } });
  });
});
