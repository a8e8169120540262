// Builds a random attention case, runs attnkit on it, and compares with the float64 reference.
import { expect } from 'vitest';
import {
  scaledDotProductAttention,
  scaledDotProductAttentionAsync,
  type MaskTensor,
  type SdpaOptions,
  type SdpaWindow,
  type Tensor,
} from '../../src/index';
import { randn, rng } from './random';
import { maxAbsDiff, referenceSdpa, type RefInput, type SdpaDims } from './reference';

export const TOLERANCE = 1e-5;

/** The largest error seen across the whole run, printed by the suites that use it. */
export const worst = { err: 0, label: '' };

export interface CaseSpec extends SdpaDims {
  layout?: 'bhsd' | 'bshd';
  rank3?: boolean;
  scale?: number;
  causal?: boolean;
  topLeft?: boolean;
  mask?: { data: Uint8Array | Float32Array; shape: number[] };
  extras?: CaseExtras;
  seed?: number;
}

/** Score options given as is to both attnkit and the reference. */
export interface CaseExtras {
  softcap?: number;
  window?: SdpaWindow;
  alibiSlopes?: Float32Array;
  /** [heads, Lq + Lk − 1], heads = Hq or 1. */
  relativeBias?: { data: Float32Array; heads: number };
  sinks?: Float32Array;
  /** [B] valid key counts per batch entry. */
  kvLengths?: Int32Array | number[];
}

export interface BuiltCase {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  options: SdpaOptions;
  ref: RefInput;
}

function shape(spec: CaseSpec, H: number, L: number, Dm: number): number[] {
  if (spec.rank3) return [spec.B, L, Dm];
  return spec.layout === 'bshd' ? [spec.B, L, H, Dm] : [spec.B, H, L, Dm];
}

/** Reads a broadcast mask at logical (b, h, i, j) the way NumPy broadcasting defines it. */
export function maskReader(mask: CaseSpec['mask'], target: number[]): RefInput['mask'] {
  if (!mask) return undefined;
  const { data, shape: ms } = mask;
  return (b, h, i, j) => {
    const full = target.length === 3 ? [b, i, j] : [b, h, i, j];
    let idx = 0;
    let stride = 1;
    for (let m = ms.length - 1, t = full.length - 1; m >= 0; m--, t--) {
      idx += (ms[m] === 1 ? 0 : full[t]) * stride;
      stride *= ms[m];
    }
    const x = data[idx];
    return data instanceof Uint8Array ? x !== 0 : x;
  };
}

export function buildCase(spec: CaseSpec): BuiltCase {
  const rand = rng(spec.seed ?? 1234);
  const { B, Hq, Hkv, Lq, Lk, D, Dv } = spec;
  const q = randn(B * Hq * Lq * D, rand);
  const k = randn(B * Hkv * Lk * D, rand);
  const v = randn(B * Hkv * Lk * Dv, rand);
  const options: SdpaOptions = {};
  if (spec.layout) options.layout = spec.layout;
  if (spec.scale !== undefined) options.scale = spec.scale;
  if (spec.causal) options.causal = true;
  if (spec.topLeft) options.causalAlignment = 'top-left';
  if (spec.mask) options.mask = spec.mask as MaskTensor;
  const x = spec.extras ?? {};
  if (x.softcap !== undefined) options.softcap = x.softcap;
  if (x.window) options.window = x.window;
  if (x.alibiSlopes) options.alibiSlopes = x.alibiSlopes;
  if (x.relativeBias) options.relativeBias = { data: x.relativeBias.data, shape: [x.relativeBias.heads, Lq + Lk - 1] };
  if (x.sinks) options.sinks = x.sinks;
  if (x.kvLengths) options.kvLengths = x.kvLengths;
  const target = spec.rank3 ? [B, Lq, Lk] : [B, Hq, Lq, Lk];
  return {
    q: { data: q, shape: shape(spec, Hq, Lq, D) },
    k: { data: k, shape: shape(spec, Hkv, Lk, D) },
    v: { data: v, shape: shape(spec, Hkv, Lk, Dv) },
    options,
    ref: {
      q,
      k,
      v,
      B,
      Hq,
      Hkv,
      Lq,
      Lk,
      D,
      Dv,
      layout: spec.rank3 ? 'bhsd' : spec.layout,
      scale: spec.scale,
      causal: spec.causal,
      topLeft: spec.topLeft,
      mask: maskReader(spec.mask, target),
      ...x,
    },
  };
}

function record(err: number, label: string): void {
  if (err > worst.err) {
    worst.err = err;
    worst.label = label;
  }
}

/** Runs the case synchronously with weightsOut and checks out and weights against the reference. */
/** The spec in one line: mask by its shape, per-head arrays by their names. */
export function describeSpec(spec: CaseSpec): string {
  const x = spec.extras;
  const extras = x && {
    ...x,
    alibiSlopes: x.alibiSlopes && 'slopes',
    relativeBias: x.relativeBias && `[${x.relativeBias.heads}, Lq+Lk-1]`,
    sinks: x.sinks && 'sinks',
    kvLengths: x.kvLengths && Array.from(x.kvLengths),
  };
  return JSON.stringify({ ...spec, mask: spec.mask?.shape, extras });
}

export function checkCase(spec: CaseSpec, label = describeSpec(spec)): void {
  const c = buildCase(spec);
  const weights: Tensor = {
    data: new Float32Array(spec.B * spec.Hq * spec.Lq * spec.Lk),
    shape: spec.rank3 ? [spec.B, spec.Lq, spec.Lk] : [spec.B, spec.Hq, spec.Lq, spec.Lk],
  };
  const got = scaledDotProductAttention(c.q, c.k, c.v, { ...c.options, weightsOut: weights });
  const want = referenceSdpa(c.ref);
  const errOut = maxAbsDiff(got.data, want.out);
  const errW = maxAbsDiff(weights.data, want.weights);
  record(errOut, `out ${label}`);
  record(errW, `weights ${label}`);
  expect(errOut, `out ${label}`).toBeLessThanOrEqual(TOLERANCE);
  expect(errW, `weights ${label}`).toBeLessThanOrEqual(TOLERANCE);
  // Without weightsOut the kernel may take another path: it must agree too.
  const plain = scaledDotProductAttention(c.q, c.k, c.v, c.options);
  const errPlain = maxAbsDiff(plain.data, want.out);
  record(errPlain, `out(no weights) ${label}`);
  expect(errPlain, `out without weightsOut ${label}`).toBeLessThanOrEqual(TOLERANCE);
}

export async function checkAsyncMatchesSync(spec: CaseSpec): Promise<void> {
  const c = buildCase(spec);
  const sync = scaledDotProductAttention(c.q, c.k, c.v, c.options);
  const asyncOut = await scaledDotProductAttentionAsync(c.q, c.k, c.v, c.options);
  expect(Array.from(asyncOut.data)).toEqual(Array.from(sync.data));
  expect(asyncOut.shape).toEqual(sync.shape);
}
