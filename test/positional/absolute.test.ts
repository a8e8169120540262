// Sinusoidal and learned absolute positions against float64 formulas written here.
import { describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  ErrorCode,
  LearnedPositionalEmbedding,
  addPositional,
  sinusoidalTable,
} from '../../src/index';
import { randn, rng } from '../helpers/random';

describe('sinusoidalTable', () => {
  for (const [maxLen, d, base] of [
    [50, 16, 10000],
    [7, 9, 10000],
    [33, 6, 500],
  ]) {
    it(`[${maxLen}, ${d}] base ${base}: PE(pos, 2i) = sin(pos/base^(2i/d)), PE(pos, 2i+1) = cos(...)`, () => {
      const pe = sinusoidalTable(maxLen, d, { base });
      expect(pe.shape).toEqual([maxLen, d]);
      let worst = 0;
      for (let pos = 0; pos < maxLen; pos++)
        for (let i = 0; 2 * i < d; i++) {
          const angle = pos / base ** ((2 * i) / d);
          worst = Math.max(worst, Math.abs(pe.data[pos * d + 2 * i] - Math.sin(angle)));
          if (2 * i + 1 < d) worst = Math.max(worst, Math.abs(pe.data[pos * d + 2 * i + 1] - Math.cos(angle)));
        }
      expect(worst).toBeLessThan(1e-6);
    });
  }
  it('addPositional adds table rows offset.. to every batch', () => {
    const rand = rng(3);
    const x = { data: randn(2 * 4 * 6, rand), shape: [2, 4, 6] };
    const pe = sinusoidalTable(10, 6);
    const y = addPositional(x, pe, { offset: 5 });
    for (let b = 0; b < 2; b++)
      for (let l = 0; l < 4; l++)
        for (let c = 0; c < 6; c++) {
          const i = (b * 4 + l) * 6 + c;
          const angle = (5 + l) / 10000 ** ((c - (c % 2)) / 6);
          const ref = x.data[i] + (c % 2 === 0 ? Math.sin(angle) : Math.cos(angle));
          expect(Math.abs(y.data[i] - ref)).toBeLessThan(1e-6);
        }
  });
  it('addPositional past the table -> RangeError', () => {
    const x = { data: new Float32Array(8 * 6), shape: [8, 6] };
    expect(() => addPositional(x, sinusoidalTable(10, 6), { offset: 3 })).toThrow(AttnkitRangeError);
    expect(() => addPositional(x, sinusoidalTable(10, 6), { offset: 3 })).toThrow(
      'addPositional: x must be positions < maxLen = 10, got positions 3..10',
    );
  });
  it('a table of another width -> RangeError naming table', () =>
    expect(() => addPositional({ data: new Float32Array(12), shape: [2, 6] }, sinusoidalTable(4, 5))).toThrow(
      'addPositional: table must be [maxLen, dim] = [*, 6], got [4, 5]',
    ));
});

describe('LearnedPositionalEmbedding', () => {
  const w = Float32Array.from({ length: 5 * 3 }, (_, i) => i * 0.5 - 2);
  const emb = new LearnedPositionalEmbedding({ maxLen: 5, dim: 3, weight: { data: w, shape: [5, 3] } });
  it('lookup returns rows offset..offset+len-1', () => {
    const rows = emb.lookup(2, 3);
    expect(rows.shape).toEqual([2, 3]);
    expect(Array.from(rows.data)).toEqual(Array.from(w.slice(9, 15)));
  });
  it('addTo adds W[offset + l]', () => {
    const y = emb.addTo({ data: new Float32Array([1, 1, 1, 2, 2, 2]), shape: [1, 2, 3] }, 1);
    expect(Array.from(y.data)).toEqual([1 + w[3], 1 + w[4], 1 + w[5], 2 + w[6], 2 + w[7], 2 + w[8]]);
  });
  it('copies the weight', () => expect(emb.weight.data).not.toBe(w));
  it('past maxLen -> RangeError with code and text', () => {
    try {
      emb.lookup(3, 3);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AttnkitRangeError);
      expect((e as AttnkitRangeError).code).toBe(ErrorCode.VALUE);
      expect((e as Error).message).toBe(
        'LearnedPositionalEmbedding.lookup: offset + len must be positions < maxLen = 5, got positions 3..5',
      );
    }
  });
  it('a weight of the wrong shape -> RangeError', () =>
    expect(() => new LearnedPositionalEmbedding({ maxLen: 4, dim: 3, weight: { data: w, shape: [3, 5] } })).toThrow(
      'LearnedPositionalEmbedding: options.weight must be [maxLen, dim] = [4, 3], got [3, 5]',
    ));
  it('seeded default init is reproducible with std about 0.02', () => {
    const a = new LearnedPositionalEmbedding({ maxLen: 100, dim: 50, seed: 7 });
    const b = new LearnedPositionalEmbedding({ maxLen: 100, dim: 50, seed: 7 });
    expect(Array.from(a.weight.data)).toEqual(Array.from(b.weight.data));
    const sd = Math.sqrt(a.weight.data.reduce((s, x) => s + x * x, 0) / a.weight.data.length);
    expect(sd).toBeGreaterThan(0.019);
    expect(sd).toBeLessThan(0.021);
  });
});
