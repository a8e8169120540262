// Attention cases for the concurrency tests: inputs, options and the float64 reference's answer,
// in a form that also crosses to a worker_thread or a child process (plain data and typed arrays).
import { backendInfo, type SdpaOptions } from '../../src/index';
import { buildCase, type CaseSpec } from '../helpers/sdpa-case';
import { maxAbsDiff, referenceSdpa } from '../helpers/reference';

export { TOLERANCE } from '../helpers/sdpa-case';

export interface PlainCase {
  label: string;
  q: { data: Float32Array; shape: number[] };
  k: { data: Float32Array; shape: number[] };
  v: { data: Float32Array; shape: number[] };
  options: SdpaOptions;
  /** The float64 reference's output, in the output's layout. */
  want: Float64Array;
  outShape: number[];
}

export function plainCase(spec: CaseSpec, label: string): PlainCase {
  const c = buildCase(spec);
  const outShape = [...c.q.shape.slice(0, -1), spec.Dv];
  return {
    label,
    q: c.q as PlainCase['q'],
    k: c.k as PlainCase['k'],
    v: c.v as PlainCase['v'],
    options: c.options,
    want: referenceSdpa(c.ref).out,
    outShape,
  };
}

/** Small shapes over the option space: GQA, 'bshd', 3-D, decode over key chunks, masks, extras. */
export function smallCases(): PlainCase[] {
  const mask = new Uint8Array(13 * 21).map((_, i) => (i % 5 === 0 ? 0 : 1));
  const specs: [CaseSpec, string][] = [
    [{ B: 1, Hq: 2, Hkv: 2, Lq: 16, Lk: 16, D: 16, Dv: 16, seed: 1 }, 'plain'],
    [{ B: 2, Hq: 4, Hkv: 2, Lq: 24, Lk: 24, D: 32, Dv: 32, causal: true, seed: 2 }, 'causal GQA'],
    [{ B: 1, Hq: 2, Hkv: 1, Lq: 7, Lk: 33, D: 8, Dv: 12, layout: 'bshd', seed: 3 }, "'bshd' MQA"],
    [{ B: 3, Hq: 1, Hkv: 1, Lq: 9, Lk: 9, D: 5, Dv: 5, rank3: true, seed: 4 }, '3-D'],
    [{ B: 1, Hq: 4, Hkv: 4, Lq: 1, Lk: 600, D: 32, Dv: 32, seed: 5 }, 'decode'],
    [
      { B: 1, Hq: 2, Hkv: 2, Lq: 13, Lk: 21, D: 16, Dv: 16, mask: { data: mask, shape: [1, 1, 13, 21] }, seed: 6 },
      'bool mask',
    ],
    [
      {
        B: 1,
        Hq: 2,
        Hkv: 1,
        Lq: 20,
        Lk: 20,
        D: 16,
        Dv: 8,
        extras: { softcap: 5, window: { left: 6 }, sinks: new Float32Array([0.5, -1]) },
        seed: 7,
      },
      'softcap, window, sinks',
    ],
  ];
  return specs.map(([spec, label]) => plainCase(spec, label));
}

/** Shapes that split into many tasks (query blocks, key chunks), for thread-count changes. */
export function splitCases(): PlainCase[] {
  return [
    plainCase({ B: 1, Hq: 4, Hkv: 2, Lq: 160, Lk: 160, D: 64, Dv: 64, causal: true, seed: 11 }, 'prefill'),
    plainCase({ B: 1, Hq: 8, Hkv: 8, Lq: 1, Lk: 2048, D: 64, Dv: 64, seed: 12 }, 'decode over key chunks'),
  ];
}

export function isNative(): boolean {
  return backendInfo().backend === 'native';
}

/** Largest |got − want|, and whether got equals `same` bit for bit. */
export function compare(
  got: Float32Array,
  want: Float64Array,
  same?: Float32Array,
): { err: number; identical: boolean } {
  return {
    err: maxAbsDiff(got, want),
    identical: same === undefined || (got.length === same.length && got.every((x, i) => Object.is(x, same[i]))),
  };
}
