// Builds a random attention case (test/helpers/sdpa-case.ts), runs the forward on the live backend
// and the backward on its result, and measures each gradient against the float64 reference.
import { expect } from 'vitest';
import {
  scaledDotProductAttention,
  scaledDotProductAttentionBackward,
  type SdpaBackwardOptions,
  type SdpaGradients,
  type Tensor,
} from '../../src/index';
import { randn, rng } from '../helpers/random';
import { buildCase, describeSpec, type BuiltCase, type CaseSpec } from '../helpers/sdpa-case';
import { referenceSdpaBackward, type RefGradients } from './sdpa-backward-reference';

/**
 * Largest |got − want| / max(1, max |want|) of a gradient. The forward's `out` (float32, from the live
 * backend: up to ~2.5e-6 off on the native SIMD kernels) enters every gradient through D_i = dOut·out,
 * lse and the result are rounded to float32, so errors scale with the tensor's magnitude.
 */
export const GRAD_TOLERANCE = 1e-5;

/** The largest error seen across the run, printed by the suites. */
export const worstGrad = { err: 0, label: '' };

export interface GradCase {
  c: BuiltCase;
  dOut: Tensor;
  out: Tensor;
  ref: RefGradients;
  /** The reference lse rounded to float32, shaped [B, Hq, Lq] ([B, Lq] for 3-D inputs). */
  lse: Tensor;
}

export function buildGradCase(spec: CaseSpec): GradCase {
  const c = buildCase(spec);
  const out = scaledDotProductAttention(c.q, c.k, c.v, c.options);
  const dOut = { data: randn(out.data.length, rng((spec.seed ?? 1234) + 7919)), shape: out.shape };
  const ref = referenceSdpaBackward(c.ref, dOut.data);
  const lse = { data: Float32Array.from(ref.lse), shape: spec.rank3 ? [spec.B, spec.Lq] : [spec.B, spec.Hq, spec.Lq] };
  return { c, dOut, out, ref, lse };
}

export function gradError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let scale = 1;
  for (let x = 0; x < want.length; x++) scale = Math.max(scale, Math.abs(want[x]));
  let err = 0;
  for (let x = 0; x < want.length; x++) {
    const e = Math.abs(got[x] - want[x]);
    if (!(e <= err)) err = e; // NaN sticks
  }
  return err / scale;
}

/** Compares every gradient of `got` with the reference; records and checks the errors. */
export function expectGradients(got: SdpaGradients, g: GradCase, label: string): void {
  const pairs: [string, ArrayLike<number> | undefined, ArrayLike<number> | null][] = [
    ['dq', got.dq.data, g.ref.dq],
    ['dk', got.dk.data, g.ref.dk],
    ['dv', got.dv.data, g.ref.dv],
    ['dSinks', got.dSinks?.data, g.ref.dSinks],
    ['dRelativeBias', got.dRelativeBias?.data, g.ref.dRelativeBias],
  ];
  for (const [name, a, b] of pairs) {
    if (b === null) {
      expect(a, `${name} only with its option`).toBeUndefined();
      continue;
    }
    expect(a, `${name} ${label}`).toBeDefined();
    const err = gradError(a!, b);
    if (err > worstGrad.err) Object.assign(worstGrad, { err, label: `${name} ${label}` });
    expect(err, `${name} ${label}`).toBeLessThanOrEqual(GRAD_TOLERANCE);
  }
  expect(got.dq.shape).toEqual(g.c.q.shape);
  expect(got.dk.shape).toEqual(g.c.k.shape);
  expect(got.dv.shape).toEqual(g.c.v.shape);
}

/** Runs the backward with the reference's lse and without (recomputed), both against the reference. */
export function checkGradCase(spec: CaseSpec, label = describeSpec(spec), extra: SdpaBackwardOptions = {}): GradCase {
  const g = buildGradCase(spec);
  const options = { ...g.c.options, ...extra };
  expectGradients(
    scaledDotProductAttentionBackward(g.dOut, g.c.q, g.c.k, g.c.v, g.out, g.lse, options),
    g,
    `${label} (lse given)`,
  );
  expectGradients(
    scaledDotProductAttentionBackward(g.dOut, g.c.q, g.c.k, g.c.v, g.out, null, options),
    g,
    `${label} (lse recomputed)`,
  );
  return g;
}
