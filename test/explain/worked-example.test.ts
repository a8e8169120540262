import { describe, expect, it } from 'vitest';
import { workedExample } from '../../src/index';
import { entropy64, softmax64 } from './reference';

describe('workedExample', () => {
  const ex = workedExample();

  it('q·k = 0.88 and q·k/√4 = 0.44', () => {
    expect(ex.q).toEqual([1.2, -0.5, 0.3, 0.8]);
    expect(ex.k).toEqual([0.6, -0.1, -1.5, 0.7]);
    expect(ex.dK).toBe(4);
    expect(ex.dot).toBeCloseTo(0.88, 12);
    expect(ex.scale).toBe(0.5);
    expect(ex.scaledDot).toBeCloseTo(0.44, 12);
  });

  it('softmax rows come from the kernel, sum to 1 and match a float64 softmax', () => {
    const expectedScores = [
      [0.88, 2.0, 0.5],
      [0.44, 1.0, 0.25],
    ];
    ex.rows.forEach((row, i) => {
      row.scores.forEach((s, j) => expect(s).toBeCloseTo(expectedScores[i][j], 12));
      const ref = softmax64(expectedScores[i]);
      expect(Math.abs(row.probs.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
      row.probs.forEach((p, j) => expect(Math.abs(p - ref[j])).toBeLessThan(1e-6));
      expect(Math.abs(row.maxProb - Math.max(...ref))).toBeLessThan(1e-6);
      expect(Math.abs(row.entropy - entropy64(ref))).toBeLessThan(1e-6);
      // float32 from the kernel: a hand-typed float64 softmax would not be exactly representable.
      row.probs.forEach((p) => expect(Math.fround(p)).toBe(p));
    });
    expect(ex.uniformEntropy).toBeCloseTo(Math.log(3), 14);
  });

  it('the scaled row is less peaked', () => {
    const [unscaled, scaled] = ex.rows;
    expect(scaled.maxProb).toBeLessThan(unscaled.maxProb);
    expect(scaled.entropy).toBeGreaterThan(unscaled.entropy);
  });
});
