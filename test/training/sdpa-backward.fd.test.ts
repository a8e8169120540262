// Central finite differences of the float64 forward (test/helpers/reference.ts) for a few entries of
// every differentiable input (q, k, v, sinks, relativeBias), against the float64 reference gradient and
// against scaledDotProductAttentionBackward, on cases that together use every option.
//
// Loss L = Σ out ∘ G for a fixed random G. Step 1e-5: the truncation error of a central difference
// (h²/6·|L'''| ≈ 1e-11 here) and the rounding of L (2^-52·|L|/h ≈ 1e-10) both stay below 1e-8, so the
// reference must agree to 1e-7 (relative to max(1, |entry|)); the kernel to GRAD_TOLERANCE, as against
// the reference (relative to max(1, the gradient's largest entry)).
import { describe, expect, it } from 'vitest';
import { scaledDotProductAttentionBackward } from '../../src/index';
import { rng } from '../helpers/random';
import { referenceSdpa, type RefInput } from '../helpers/reference';
import type { CaseSpec } from '../helpers/sdpa-case';
import { GRAD_TOLERANCE, buildGradCase } from './sdpa-backward-case';

const STEP = 1e-5;
const FD_TOLERANCE = 1e-7;
const ENTRIES = 4;

type Param = 'q' | 'k' | 'v' | 'sinks' | 'relativeBias';

/** A float64 copy of the case's reference input, so entries can move by less than a float32 ulp. */
function float64Input(ref: RefInput): RefInput {
  const f64 = (a: ArrayLike<number>) => Float64Array.from(a) as unknown as Float32Array;
  return {
    ...ref,
    q: f64(ref.q),
    k: f64(ref.k),
    v: f64(ref.v),
    sinks: ref.sinks && Float64Array.from(ref.sinks),
    relativeBias: ref.relativeBias && { ...ref.relativeBias, data: Float64Array.from(ref.relativeBias.data) },
  };
}

function paramArray(x: RefInput, p: Param): Float64Array {
  if (p === 'sinks') return x.sinks as Float64Array;
  if (p === 'relativeBias') return x.relativeBias!.data as Float64Array;
  return x[p] as unknown as Float64Array;
}

function loss(x: RefInput, G: ArrayLike<number>): number {
  const out = referenceSdpa(x).out;
  let l = 0;
  for (let n = 0; n < out.length; n++) l += out[n] * G[n];
  return l;
}

function checkFd(spec: CaseSpec): void {
  const g = buildGradCase(spec);
  const got = scaledDotProductAttentionBackward(g.dOut, g.c.q, g.c.k, g.c.v, g.out, g.lse, g.c.options);
  const x = float64Input(g.c.ref);
  const params: [Param, ArrayLike<number> | undefined, ArrayLike<number> | null][] = [
    ['q', got.dq.data, g.ref.dq],
    ['k', got.dk.data, g.ref.dk],
    ['v', got.dv.data, g.ref.dv],
    ['sinks', got.dSinks?.data, g.ref.dSinks],
    ['relativeBias', got.dRelativeBias?.data, g.ref.dRelativeBias],
  ];
  const r = rng((spec.seed ?? 0) + 17);
  for (const [p, kernel, reference] of params) {
    if (reference === null) continue;
    const theta = paramArray(x, p);
    let scale = 1;
    for (let n = 0; n < reference.length; n++) scale = Math.max(scale, Math.abs(reference[n]));
    for (let e = 0; e < Math.min(ENTRIES, theta.length); e++) {
      const n = Math.floor(r() * theta.length);
      const keep = theta[n];
      theta[n] = keep + STEP;
      const up = loss(x, g.dOut.data);
      theta[n] = keep - STEP;
      const down = loss(x, g.dOut.data);
      theta[n] = keep;
      const fd = (up - down) / (2 * STEP);
      const where = `d${p}[${n}]`;
      expect(
        Math.abs(reference[n] - fd),
        `reference ${where}: ${reference[n]} vs finite difference ${fd}`,
      ).toBeLessThanOrEqual(FD_TOLERANCE * Math.max(1, Math.abs(fd)));
      expect(
        Math.abs(kernel![n] - fd) / scale,
        `kernel ${where}: ${kernel![n]} vs finite difference ${fd}`,
      ).toBeLessThanOrEqual(GRAD_TOLERANCE);
    }
  }
}

const uniform = (n: number, seed: number, lo: number, hi: number) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
};
const bool = (n: number, seed: number) => {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => (r() < 0.75 ? 1 : 0));
};

describe('gradients vs central finite differences of the float64 forward', () => {
  it('plain, bhsd, 2 heads, Lq 3, Lk 17, D 1, Dv 3', () =>
    checkFd({ B: 1, Hq: 2, Hkv: 2, Lq: 3, Lk: 17, D: 1, Dv: 3, seed: 1 }));
  it('GQA 4/2 bshd, causal, key padding mask, Lq 17, Lk 65', () =>
    checkFd({
      B: 2,
      Hq: 4,
      Hkv: 2,
      Lq: 17,
      Lk: 65,
      D: 7,
      Dv: 5,
      layout: 'bshd',
      causal: true,
      mask: { data: bool(2 * 65, 2), shape: [2, 1, 1, 65] },
      seed: 2,
    }));
  it('3-D, causal top-left, additive mask, scale 0.7', () =>
    checkFd({
      B: 3,
      Hq: 1,
      Hkv: 1,
      Lq: 17,
      Lk: 17,
      D: 3,
      Dv: 3,
      rank3: true,
      causal: true,
      topLeft: true,
      scale: 0.7,
      mask: { data: uniform(17 * 17, 3, -2, 2), shape: [17, 17] },
      seed: 3,
    }));
  it('softcap, window, ALiBi, relativeBias [Hq], sinks; MQA 3/1; Lq > Lk (rows with no key)', () =>
    checkFd({
      B: 1,
      Hq: 3,
      Hkv: 1,
      Lq: 17,
      Lk: 3,
      D: 5,
      Dv: 4,
      causal: true,
      seed: 4,
      extras: {
        softcap: 1.2,
        window: { left: 1 },
        alibiSlopes: uniform(3, 5, 0.1, 0.5),
        relativeBias: { data: uniform(3 * 19, 6, -1, 1), heads: 3 },
        sinks: uniform(3, 7, -1, 2),
      },
    })); // prettier-ignore
  it('relativeBias [1, Lq+Lk-1] and sinks, GQA 6/3, bshd, window both sides, bool mask', () =>
    checkFd({
      B: 1,
      Hq: 6,
      Hkv: 3,
      Lq: 9,
      Lk: 13,
      D: 4,
      Dv: 6,
      layout: 'bshd',
      seed: 8,
      mask: { data: bool(9 * 13, 9), shape: [9, 13] },
      extras: {
        window: { left: 3, right: 2 },
        relativeBias: { data: uniform(21, 10, -1, 1), heads: 1 },
        sinks: uniform(6, 11, -2, 2),
        softcap: 3,
      },
    })); // prettier-ignore
});
