// The blocked online-softmax JS kernel against the float64 reference in test/helpers, called directly
// (not through the backend selection) so both vitest projects exercise it.
import { describe, expect, it } from 'vitest';
import { sdpaJsBlocked } from '../../src/backends/js/sdpa-js-blocked';
import { planSdpa } from '../../src/validation/sdpa-plan';
import type { SdpaOptions } from '../../src/index';
import { randn, rng } from '../helpers/random';
import { maxAbsDiff, referenceSdpa, type SdpaDims } from '../helpers/reference';

const TOL = 1e-6;

interface Spec extends SdpaDims {
  bshd?: boolean;
  causal?: boolean;
  topLeft?: boolean;
  /** Full [B, Hq, Lq, Lk] mask: boolean (true = attend) or additive. */
  mask?: (b: number, h: number, i: number, j: number) => boolean | number;
  seed?: number;
}

/** The shared float64 reference (test/helpers/reference.ts) on this spec's inputs. */
function reference(s: Spec, q: Float32Array, k: Float32Array, v: Float32Array): Float64Array {
  return referenceSdpa({ ...s, q, k, v, layout: s.bshd ? 'bshd' : 'bhsd' }).out;
}

function shapeOf(s: Spec, H: number, L: number, Dm: number): number[] {
  return s.bshd ? [s.B, L, H, Dm] : [s.B, H, L, Dm];
}

function inputs(s: Spec): { q: Float32Array; k: Float32Array; v: Float32Array } {
  const r = rng(s.seed ?? 7);
  return {
    q: randn(s.B * s.Hq * s.Lq * s.D, r),
    k: randn(s.B * s.Hkv * s.Lk * s.D, r),
    v: randn(s.B * s.Hkv * s.Lk * s.Dv, r),
  };
}

function maskTensor(s: Spec, kind: 'bool' | 'additive') {
  if (!s.mask) return undefined;
  const n = s.B * s.Hq * s.Lq * s.Lk;
  const data = kind === 'bool' ? new Uint8Array(n) : new Float32Array(n);
  for (let b = 0, x = 0; b < s.B; b++)
    for (let h = 0; h < s.Hq; h++)
      for (let i = 0; i < s.Lq; i++)
        for (let j = 0; j < s.Lk; j++, x++) {
          const m = s.mask(b, h, i, j);
          data[x] = typeof m === 'boolean' ? (m ? 1 : 0) : m;
        }
  return { data, shape: [s.B, s.Hq, s.Lq, s.Lk] };
}

function run(
  s: Spec,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  kind: 'bool' | 'additive' = 'bool',
): Float32Array {
  const options: SdpaOptions = { layout: s.bshd ? 'bshd' : 'bhsd', causal: !!s.causal };
  if (s.topLeft) options.causalAlignment = 'top-left';
  const mask = maskTensor(s, kind);
  if (mask) options.mask = mask;
  const { plan } = planSdpa(
    'test',
    { data: q, shape: shapeOf(s, s.Hq, s.Lq, s.D) },
    { data: k, shape: shapeOf(s, s.Hkv, s.Lk, s.D) },
    { data: v, shape: shapeOf(s, s.Hkv, s.Lk, s.Dv) },
    options,
  );
  plan.out.data.fill(NaN); // every element must be written
  sdpaJsBlocked(plan);
  return plan.out.data;
}

function check(s: Spec, kind: 'bool' | 'additive' = 'bool'): void {
  const { q, k, v } = inputs(s);
  const err = maxAbsDiff(run(s, q, k, v, kind), reference(s, q, k, v));
  expect(err, JSON.stringify({ ...s, mask: !!s.mask })).toBeLessThanOrEqual(TOL);
}

describe('blocked JS kernel vs float64 reference', () => {
  for (const L of [1, 3, 17, 65, 130])
    for (const D of [1, 3, 17, 65])
      it(`Lq = Lk = ${L}, D = Dv = ${D}`, () =>
        check({ B: 1, Hq: 2, Hkv: 1, Lq: L, Lk: L, D, Dv: D, seed: L * 100 + D }));
  it('Lq != Lk and Dv != D', () => check({ B: 2, Hq: 3, Hkv: 3, Lq: 17, Lk: 65, D: 17, Dv: 3 }));
  for (const [Lq, Lk] of [
    [17, 65],
    [65, 17],
    [65, 65],
    [1, 130],
  ])
    for (const topLeft of [false, true])
      it(`causal Lq = ${Lq}, Lk = ${Lk}, ${topLeft ? 'top-left' : 'bottom-right'}`, () =>
        check({ B: 1, Hq: 2, Hkv: 2, Lq, Lk, D: 16, Dv: 16, causal: true, topLeft }));
  it('GQA 8 q heads over 2 kv heads, decode (Lq = 1)', () =>
    check({ B: 2, Hq: 8, Hkv: 2, Lq: 1, Lk: 130, D: 32, Dv: 32 }));
  it('GQA 6 over 2, odd Lq so tiles span heads, causal', () =>
    check({ B: 1, Hq: 6, Hkv: 2, Lq: 3, Lk: 17, D: 8, Dv: 8, causal: true }));
  it("layout 'bshd' with GQA", () => check({ B: 2, Hq: 4, Hkv: 2, Lq: 17, Lk: 65, D: 17, Dv: 17, bshd: true }));
  it('random bool mask with causal', () => {
    const r = rng(3);
    const bits = Array.from({ length: 2 * 4 * 17 * 65 }, () => r() < 0.6);
    check({
      B: 2,
      Hq: 4,
      Hkv: 1,
      Lq: 17,
      Lk: 65,
      D: 16,
      Dv: 16,
      causal: true,
      mask: (b, h, i, j) => bits[((b * 4 + h) * 17 + i) * 65 + j],
    });
  });
  it('additive mask with -Infinity entries', () => {
    const r = rng(4);
    const vals = Array.from({ length: 3 * 65 * 65 }, () => (r() < 0.3 ? -Infinity : (r() - 0.5) * 6));
    check(
      { B: 1, Hq: 3, Hkv: 3, Lq: 65, Lk: 65, D: 8, Dv: 8, mask: (_b, h, i, j) => vals[(h * 65 + i) * 65 + j] },
      'additive',
    );
  });
  it('fully masked rows give zeros (mask and causal Lq > Lk)', () => {
    check({ B: 1, Hq: 4, Hkv: 2, Lq: 9, Lk: 5, D: 4, Dv: 4, causal: true });
    check({ B: 1, Hq: 4, Hkv: 4, Lq: 9, Lk: 70, D: 4, Dv: 4, mask: (_b, h, i, j) => i % 3 !== 0 && (j + h) % 2 === 0 });
  });
  it('NaN in masked keys does not leak; NaN in a visible key propagates', () => {
    const s: Spec = { B: 1, Hq: 4, Hkv: 1, Lq: 4, Lk: 70, D: 8, Dv: 8, mask: (_b, h, _i, j) => !(j === 66 && h !== 3) };
    const { q, k, v } = inputs(s);
    for (let d = 0; d < 8; d++) {
      k[66 * 8 + d] = NaN;
      v[66 * 8 + d] = NaN;
    }
    const out = run(s, q, k, v);
    const ref = reference(s, q, k, v);
    // Heads 0..2 never see key 66: finite and equal to the reference; head 3 sees it: all NaN.
    expect(maxAbsDiff(out.subarray(0, 3 * 4 * 8), ref.subarray(0, 3 * 4 * 8))).toBeLessThanOrEqual(TOL);
    expect(Array.from(out.subarray(3 * 4 * 8)).every(Number.isNaN)).toBe(true);
  });
  it("a row whose only visible key has NaN in k is NaN, not zeros (NaN is no 'unseen' row)", () => {
    // Causal row 0 sees key 0 alone; the rest of its block is -Infinity, which must not replace the NaN max.
    const s: Spec = { B: 1, Hq: 1, Hkv: 1, Lq: 9, Lk: 9, D: 4, Dv: 4, causal: true };
    const { q, k, v } = inputs(s);
    k.fill(NaN, 0, 4);
    expect(Array.from(run(s, q, k, v)).every(Number.isNaN)).toBe(true);
  });
  it('repeated calls with changing shapes reuse scratch correctly', () => {
    check({ B: 1, Hq: 1, Hkv: 1, Lq: 5, Lk: 9, D: 65, Dv: 65 });
    check({ B: 1, Hq: 2, Hkv: 1, Lq: 5, Lk: 9, D: 3, Dv: 1 });
    check({ B: 1, Hq: 1, Hkv: 1, Lq: 5, Lk: 9, D: 65, Dv: 65, seed: 2 });
  });
});
