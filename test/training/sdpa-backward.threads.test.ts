// The backward pass on shapes that span several key blocks, row tiles and key chunks of the native
// kernel (kernels/common/flash_bwd.h: 64-key blocks, 64-row tiles, up to 16 tasks), against the float64
// reference, and bit-identical results for 1, 2 and 3 threads. Runs on every backend and SIMD level
// (the JavaScript backend runs one thread whatever the setting, so its results match trivially).
import { afterAll, describe, expect, it } from 'vitest';
import {
  backendInfo,
  getNumThreads,
  scaledDotProductAttentionBackward,
  setNumThreads,
  type SdpaGradients,
} from '../../src/index';
import { rng } from '../helpers/random';
import type { CaseSpec } from '../helpers/sdpa-case';
import { GRAD_TOLERANCE, buildGradCase, expectGradients, worstGrad, type GradCase } from './sdpa-backward-case';

afterAll(() => {
  console.log(
    `[${backendInfo().backend}/${backendInfo().simd}] backward, large shapes: largest error vs float64 reference ${worstGrad.err.toExponential(2)} (tolerance ${GRAD_TOLERANCE}; ${worstGrad.label})`,
  );
});

function boolMask(shape: number[], seed: number, density: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (r() < density ? 1 : 0));
}

const uniform = (n: number, seed: number, lo: number, hi: number) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
};

const CASES: [string, CaseSpec][] = [
  [
    'plain, 1 head, Lq = Lk = 200, D 64 (chunks of key blocks, dq partials)',
    { B: 1, Hq: 1, Hkv: 1, Lq: 200, Lk: 200, D: 64, Dv: 64, seed: 1 },
  ],
  [
    '16 (batch, kv head) groups, Lk 130: one chunk, each task writes its dq',
    { B: 2, Hq: 8, Hkv: 8, Lq: 70, Lk: 130, D: 16, Dv: 24, causal: true, seed: 10 },
  ],
  [
    'causal bottom-right, GQA 4/2 bshd, Lq 130, Lk 257, D 65, Dv 17',
    { B: 1, Hq: 4, Hkv: 2, Lq: 130, Lk: 257, D: 65, Dv: 17, layout: 'bshd', causal: true, seed: 2 },
  ],
  [
    'causal top-left, MQA 3/1, Lq 193, Lk 65, D 17, Dv 3',
    { B: 2, Hq: 3, Hkv: 1, Lq: 193, Lk: 65, D: 17, Dv: 3, causal: true, topLeft: true, seed: 3 },
  ],
  [
    'bool mask [B, 1, Lq, Lk], softcap, window, ALiBi, sinks, Lq 97, Lk 300, D 3',
    {
      B: 2,
      Hq: 2,
      Hkv: 2,
      Lq: 97,
      Lk: 300,
      D: 3,
      Dv: 65,
      seed: 4,
      mask: { data: boolMask([2, 1, 97, 300], 5, 0.8), shape: [2, 1, 97, 300] },
      extras: {
        softcap: 1.5,
        window: { left: 120, right: 40 },
        alibiSlopes: uniform(2, 6, 0.01, 0.2),
        sinks: uniform(2, 7, -1, 2),
      },
    },
  ],
  [
    'additive mask [Lk] with hidden keys, 3-D, Lq 65, Lk 700, D 1',
    {
      B: 3,
      Hq: 1,
      Hkv: 1,
      Lq: 65,
      Lk: 700,
      D: 1,
      Dv: 5,
      rank3: true,
      seed: 8,
      mask: { data: uniform(700, 9, -2, 2).map((x, j) => (j % 7 === 3 ? -Infinity : x)), shape: [700] },
    },
  ],
]; // prettier-ignore

function gradientsAt(threads: number, g: GradCase, lse: 'given' | 'recomputed'): SdpaGradients {
  setNumThreads(threads);
  return scaledDotProductAttentionBackward(
    g.dOut,
    g.c.q,
    g.c.k,
    g.c.v,
    g.out,
    lse === 'given' ? g.lse : null,
    g.c.options,
  );
}

const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('large shapes: reference, and bit-identical for any thread count', () => {
  const initial = getNumThreads();
  afterAll(() => setNumThreads(initial));
  for (const [label, spec] of CASES) {
    it(label, () => {
      const g = buildGradCase(spec);
      for (const lse of ['given', 'recomputed'] as const) {
        const one = gradientsAt(1, g, lse);
        expectGradients(one, g, `${label} (lse ${lse})`);
        for (const threads of [2, 3]) {
          const many = gradientsAt(threads, g, lse);
          for (const name of ['dq', 'dk', 'dv', 'dSinks'] as const) {
            const a = one[name]?.data,
              b = many[name]?.data; // prettier-ignore
            expect(b === undefined, name).toBe(a === undefined);
            if (a && b)
              expect(
                bytes(b).every((x, i) => x === bytes(a)[i]),
                `${name} with ${threads} threads, lse ${lse}`,
              ).toBe(true);
          }
        }
      }
    });
  }
});
