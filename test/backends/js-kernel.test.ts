// The blocked JS kernel (tiles of 4 rows × blocks of 64 keys) at its tails: lengths around the key
// block (63, 64, 65, 129), odd head sizes (1, 7, 33), row counts that leave a partial tile, GQA, causal
// and masks, checked against the float64 reference. Called directly with a plan, whatever
// ATTNKIT_BACKEND selects: it runs in the js project only (vitest.config.ts).
import { describe, expect, it } from 'vitest';
import { sdpaJsBlocked } from '../../src/backends/js/sdpa-js-blocked';
import type { MaskPlan, SdpaPlan } from '../../src/backends/types';
import { rng, randn } from '../helpers/random';
import { referenceSdpa } from '../helpers/reference';

interface Shape {
  Hq: number;
  Hkv: number;
  Lq: number;
  Lk: number;
  D: number;
  causal?: boolean;
  mask?: 'bool' | 'additive';
}

/** The plan fields of the score options none of these cases uses. */
const NO_EXTRAS = {
  windowLeft: null,
  windowRight: null,
  softcap: 0,
  alibiSlopes: null,
  relativeBias: null,
  sinks: null,
  kvLengths: null,
  kvLengthsShift: false,
} as const;

const view = (data: Float32Array, H: number, L: number, Dm: number) => ({
  data,
  strideB: H * L * Dm,
  strideH: L * Dm,
  strideL: Dm,
});

function run(s: Shape, seed: number): number {
  const rand = rng(seed);
  const { Hq, Hkv, Lq, Lk, D } = s;
  const q = randn(Hq * Lq * D, rand);
  const k = randn(Hkv * Lk * D, rand);
  const v = randn(Hkv * Lk * D, rand);
  // Per-(h, i, j) mask; every 5th row of a bool mask is fully masked, so the zero-row rule is hit.
  let mask: MaskPlan | null = null;
  let maskAt: ((b: number, h: number, i: number, j: number) => boolean | number) | undefined;
  if (s.mask === 'bool') {
    const m = new Uint8Array(Hq * Lq * Lk);
    for (let x = 0; x < m.length; x++) m[x] = Math.floor(x / Lk) % 5 === 4 ? 0 : rand() < 0.7 ? 1 : 0;
    mask = { kind: 'bool', data: m, strideB: 0, strideH: Lq * Lk, strideQ: Lk, strideK: 1 };
    maskAt = (_b, h, i, j) => m[(h * Lq + i) * Lk + j] === 1;
  } else if (s.mask === 'additive') {
    const m = new Float32Array(Hq * Lq * Lk);
    for (let x = 0; x < m.length; x++) m[x] = rand() < 0.2 ? -Infinity : (rand() - 0.5) * 4;
    mask = { kind: 'additive', data: m, strideB: 0, strideH: Lq * Lk, strideQ: Lk, strideK: 1 };
    maskAt = (_b, h, i, j) => m[(h * Lq + i) * Lk + j];
  }
  const ref = referenceSdpa({ q, k, v, B: 1, Hq, Hkv, Lq, Lk, D, Dv: D, causal: s.causal, mask: maskAt });
  const out = new Float32Array(Hq * Lq * D).fill(Number.NaN);
  const plan: SdpaPlan = {
    batch: 1,
    headsQ: Hq,
    headsKv: Hkv,
    lenQ: Lq,
    lenK: Lk,
    dimQk: D,
    dimV: D,
    q: view(q, Hq, Lq, D),
    k: view(k, Hkv, Lk, D),
    v: view(v, Hkv, Lk, D),
    out: view(out, Hq, Lq, D),
    weights: null,
    mask,
    scale: 1 / Math.sqrt(D),
    causalOffset: s.causal ? Lk - Lq : null,
    positionOffset: Lk - Lq,
    ...NO_EXTRAS,
  };
  sdpaJsBlocked(plan);
  let err = 0;
  for (let x = 0; x < out.length; x++) err = Math.max(err, Math.abs(out[x] - ref.out[x]));
  return err;
}

describe('blocked JS kernel tails', () => {
  const cases: Shape[] = [];
  for (const L of [63, 64, 65, 129])
    for (const D of [1, 7, 33]) {
      cases.push({ Hq: 1, Hkv: 1, Lq: L, Lk: L, D });
      cases.push({ Hq: 3, Hkv: 1, Lq: L, Lk: 130 - L, D, causal: true });
    }
  cases.push({ Hq: 6, Hkv: 2, Lq: 65, Lk: 129, D: 7, mask: 'bool' });
  cases.push({ Hq: 2, Hkv: 2, Lq: 63, Lk: 65, D: 33, mask: 'additive', causal: true });
  cases.push({ Hq: 4, Hkv: 1, Lq: 1, Lk: 129, D: 33 }); // decode: a single partial tile of GQA rows
  cases.push({ Hq: 1, Hkv: 1, Lq: 129, Lk: 63, D: 1, causal: true }); // Lq > Lk: leading rows see nothing

  for (const [n, s] of cases.entries())
    it(`matches the float64 reference: ${JSON.stringify(s)}`, () => {
      expect(run(s, 1000 + n)).toBeLessThan(1e-5);
    });

  it('never reads k or v of keys hidden by the causal rule or the mask', () => {
    const Lq = 65;
    const Lk = 65;
    const D = 7;
    const rand = rng(7);
    const q = randn(Lq * D, rand);
    const k = randn(Lk * D, rand);
    const v = randn(Lk * D, rand);
    // Key 64 is masked for every row, and causal hides key j > i: poison both.
    const m = new Uint8Array(Lq * Lk).fill(1);
    for (let i = 0; i < Lq; i++) m[i * Lk + 64] = 0;
    for (let d = 0; d < D; d++) {
      k[64 * D + d] = Number.NaN;
      v[64 * D + d] = Number.NaN;
    }
    const ref = referenceSdpa({
      q,
      k,
      v,
      B: 1,
      Hq: 1,
      Hkv: 1,
      Lq,
      Lk,
      D,
      Dv: D,
      causal: true,
      mask: (_b, _h, i, j) => m[i * Lk + j] === 1,
    });
    const out = new Float32Array(Lq * D);
    sdpaJsBlocked({
      batch: 1,
      headsQ: 1,
      headsKv: 1,
      lenQ: Lq,
      lenK: Lk,
      dimQk: D,
      dimV: D,
      q: view(q, 1, Lq, D),
      k: view(k, 1, Lk, D),
      v: view(v, 1, Lk, D),
      out: view(out, 1, Lq, D),
      weights: null,
      scale: 1 / Math.sqrt(D),
      causalOffset: 0,
      positionOffset: 0,
      ...NO_EXTRAS,
      mask: { kind: 'bool', data: m, strideB: 0, strideH: 0, strideQ: Lk, strideK: 1 },
    });
    for (let x = 0; x < out.length; x++) {
      expect(Number.isNaN(out[x])).toBe(false);
      expect(Math.abs(out[x] - ref.out[x])).toBeLessThan(1e-5);
    }
  });
});
