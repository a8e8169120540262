import { describe, expect, it } from 'vitest';
import { AttnkitRangeError, AttnkitTypeError, ErrorCode, scaleStudy, type ScaleStudyRow } from '../../src/index';
import { studyDimension } from '../../src/explain';
import { drawChunks, rngForDimension } from '../../src/explain/draw';
import { lcgNormals, referenceStats } from './reference';

const SCALE_NAMES = ['none', '1/sqrt(d_k)', '1/(2 sqrt(d_k))', '1/(3 sqrt(d_k))'];
const factor = (name: string, d: number) =>
  [1, 1 / Math.sqrt(d), 1 / (2 * Math.sqrt(d)), 1 / (3 * Math.sqrt(d))][SCALE_NAMES.indexOf(name)];

describe('scaleStudy: score variance', () => {
  // Enough rows that the variance estimate's relative error (about sqrt(2/d_k)/sqrt(rows) from the
  // shared q of a row) is well under 5%: 20000 rows at d_k = 4 gives about 0.5%.
  const cases: [number, number][] = [
    [4, 20000],
    [16, 8000],
    [64, 3000],
    [256, 1000],
    [1024, 500],
  ];
  for (const [dK, samples] of cases) {
    it(`d_k = ${dK}: var ≈ d_k unscaled, ≈ 1, 1/4, 1/9 scaled (within 5%)`, () => {
      const rows = scaleStudy({ dims: [dK], samples, seed: 11 });
      const expected = [dK, 1, 1 / 4, 1 / 9];
      expect(rows.map((r) => r.scaleName)).toEqual(SCALE_NAMES);
      rows.forEach((r, i) => {
        expect(Math.abs(r.variance / expected[i] - 1)).toBeLessThan(0.05);
        expect(r.expectedVariance).toBeCloseTo(expected[i], 12);
        expect(r.scale).toBeCloseTo(factor(r.scaleName, dK), 15);
      });
    });
  }
});

function expectMatchesReference(row: ScaleStudyRow, ref: ReturnType<typeof referenceStats>): void {
  // The library's softmax is the float32 kernel; the reference is float64 throughout.
  expect(row.variance).toBeCloseTo(ref.variance, 9);
  expect(row.mean).toBeCloseTo(ref.mean, 9);
  expect(row.std).toBeCloseTo(ref.std, 9);
  row.ranges.forEach((g, i) => {
    expect(Math.abs(g.inside - ref.inside[i])).toBeLessThanOrEqual(2 / (row.samples * row.keys));
    expect(g.high - g.low).toBeCloseTo(2 * (i + 1) * ref.std, 9);
  });
  expect(Math.abs(row.meanMaxProb - ref.meanMaxProb)).toBeLessThan(2e-5);
  expect(Math.abs(row.meanEntropy - ref.meanEntropy)).toBeLessThan(2e-4);
  expect(Math.abs(row.meanJacobianNorm - ref.meanJacobianNorm)).toBeLessThan(2e-5);
  expect(Math.abs(row.saturatedShare - ref.saturatedShare)).toBeLessThanOrEqual(ref.nearThreshold / row.samples);
  expect(row.uniformEntropy).toBeCloseTo(Math.log(row.keys), 14);
}

describe('scaleStudy: numbers come from the library and match a float64 reference', () => {
  it('studyDimension on independent inputs matches the reference for every scale', () => {
    const [rows, keys, d] = [150, 40, 96];
    const q = lcgNormals(5, rows * d);
    const k = lcgNormals(6, rows * keys * d);
    const out = studyDimension([{ rows, q, k }], rows, keys, d);
    for (const row of out) expectMatchesReference(row, referenceStats(q, k, rows, keys, d, factor(row.scaleName, d)));
  });

  it('handles inputs split across chunks (last chunk short)', () => {
    const [keys, d] = [16, 8];
    const q = lcgNormals(7, 10 * d);
    const k = lcgNormals(8, 10 * keys * d);
    const chunks = [
      { rows: 7, q: q.subarray(0, 7 * d), k: k.subarray(0, 7 * keys * d) },
      { rows: 3, q: q.subarray(7 * d), k: k.subarray(7 * keys * d) },
    ];
    const out = studyDimension(chunks, 10, keys, d);
    for (const row of out) expectMatchesReference(row, referenceStats(q, k, 10, keys, d, factor(row.scaleName, d)));
  });

  it('scaleStudy rows are the statistics of its seeded draws (d_k = 1024 saturates unscaled)', () => {
    const [dK, samples, keys, seed] = [1024, 60, 32, 3];
    const rows = scaleStudy({ dims: [dK], samples, keys, seed });
    const chunk = [...drawChunks(rngForDimension(seed, dK), samples, keys, dK)];
    expect(chunk).toHaveLength(1);
    const { q, k } = chunk[0];
    for (const row of rows)
      expectMatchesReference(row, referenceStats(q, k, samples, keys, dK, factor(row.scaleName, dK)));
    const [none, sqrt, , third] = rows;
    expect(none.meanMaxProb).toBeGreaterThan(0.85);
    expect(none.saturatedShare).toBeGreaterThan(0.4);
    expect(third.meanEntropy).toBeGreaterThan(sqrt.meanEntropy);
    expect(sqrt.meanJacobianNorm).toBeGreaterThan(2 * none.meanJacobianNorm);
  });
});

describe('scaleStudy: reproducibility and options', () => {
  it('is reproducible for a seed, differs across seeds, and a d_k block does not depend on the other dims', () => {
    const a = scaleStudy({ dims: [16, 64], samples: 50, keys: 8, seed: 9 });
    const b = scaleStudy({ dims: [16, 64], samples: 50, keys: 8, seed: 9 });
    const c = scaleStudy({ dims: [16, 64], samples: 50, keys: 8, seed: 10 });
    const only64 = scaleStudy({ dims: [64], samples: 50, keys: 8, seed: 9 });
    expect(b).toEqual(a);
    expect(c[0].variance).not.toBe(a[0].variance);
    expect(only64).toEqual(a.slice(4));
  });

  it('uses the documented defaults', () => {
    const rows = scaleStudy({ dims: [4], samples: 10 });
    expect(rows[0]).toMatchObject({ dK: 4, samples: 10, keys: 64 });
    expect(scaleStudy({ dims: [4], samples: 10, seed: 1 })).toEqual(rows);
  });

  it('rejects bad options naming the option, expected and got', () => {
    expect(() => scaleStudy({ samples: 1.5 })).toThrow(AttnkitRangeError);
    expect(() => scaleStudy({ samples: 1.5 })).toThrow(
      'scaleStudy: options.samples must be an integer in [2, 10000000], got 1.5',
    );
    expect(() => scaleStudy({ dims: [] })).toThrow(AttnkitTypeError);
    expect(() => scaleStudy({ dims: [4, 0] })).toThrow('options.dims[1] must be an integer');
    expect(() => scaleStudy({ seed: -1 })).toThrow('options.seed');
    expect(() => scaleStudy({ keys: '8' as unknown as number })).toThrow(AttnkitTypeError);
    expect(() => scaleStudy({ dims: [65536], keys: 1024 })).toThrow(
      /keys · d_k must be at most 16777216, got 1024 · 65536/,
    );
    expect(() => scaleStudy({ samples: 1_000_000, keys: 64 })).toThrow(
      'options.samples · options.keys must be at most 16777216, got 1000000 · 64 = 64000000',
    );
    expect(() => scaleStudy({ sample: 3 } as never)).toThrow("unknown option 'sample'");
    try {
      scaleStudy({ samples: 0 });
    } catch (e) {
      expect((e as AttnkitRangeError).code).toBe(ErrorCode.VALUE);
    }
  });
});
