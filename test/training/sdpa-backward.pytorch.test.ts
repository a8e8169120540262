// scaledDotProductAttentionBackward against PyTorch's autograd (float64 on float32 inputs): the fixtures
// of test/fixtures/gen_sdpa_grads.py. Runs on every backend and SIMD level.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  backendInfo,
  scaledDotProductAttention,
  scaledDotProductAttentionBackward,
  type SdpaOptions,
} from '../../src/index';
import { gradError } from './sdpa-backward-case';

interface Stored {
  shape: number[];
  data: number[];
}
interface Fixture {
  name: string;
  torch: string;
  options: Record<string, unknown> & { sinks?: number[] };
  mask: { kind: 'bool' | 'additive'; shape: number[]; data: (number | string)[] } | null;
  q: Stored;
  k: Stored;
  v: Stored;
  dOut: Stored;
  dq: Stored;
  dk: Stored;
  dv: Stored;
  dSinks: number[] | null;
}

/** Relative to each gradient's largest entry (at least 1), as the reference suites measure. */
const TOLERANCE = 1e-4;
const fixtures = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '..', 'fixtures', 'sdpa_grads.json'), 'utf8'),
) as Fixture[];
const tensor = (s: Stored) => ({ data: Float32Array.from(s.data), shape: s.shape });
const worst = { err: 0, label: '' };

afterAll(() => {
  console.log(
    `[${backendInfo().backend}/${backendInfo().simd}] backward vs PyTorch ${fixtures[0].torch} autograd: largest error ${worst.err.toExponential(2)} (relative to each gradient's largest entry; tolerance ${TOLERANCE}; ${worst.label})`,
  );
});

describe('backward vs PyTorch autograd fixtures', () => {
  it('has the six fixtures', () => expect(fixtures.length).toBe(6));
  for (const f of fixtures) {
    it(f.name, () => {
      const options: SdpaOptions = { ...(f.options as SdpaOptions) };
      if (f.options.sinks) options.sinks = Float32Array.from(f.options.sinks);
      if (f.mask) {
        const data =
          f.mask.kind === 'bool' ? Uint8Array.from(f.mask.data as number[]) : Float32Array.from(f.mask.data, Number);
        options.mask = { data, shape: f.mask.shape };
      }
      const [q, k, v] = [tensor(f.q), tensor(f.k), tensor(f.v)];
      const out = scaledDotProductAttention(q, k, v, options);
      const g = scaledDotProductAttentionBackward(tensor(f.dOut), q, k, v, out, null, options);
      const pairs: [string, Float32Array | undefined, number[] | null][] = [
        ['dq', g.dq.data, f.dq.data],
        ['dk', g.dk.data, f.dk.data],
        ['dv', g.dv.data, f.dv.data],
        ['dSinks', g.dSinks?.data, f.dSinks],
      ];
      for (const [name, got, want] of pairs) {
        if (want === null) {
          expect(got, name).toBeUndefined();
          continue;
        }
        const err = gradError(got!, want);
        if (err > worst.err) Object.assign(worst, { err, label: `${name} ${f.name} (lse recomputed)` });
        expect(err, `${name} ${f.name}`).toBeLessThanOrEqual(TOLERANCE);
      }
    });
  }
});
