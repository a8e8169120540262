// More positional checks: T5 buckets vs PyTorch (HF's code run by make_t5_buckets.py), ALiBi slopes for
// any head count vs the paper's closed form, learned lookups by list, and their errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  LearnedPositionalEmbedding,
  addPositional,
  alibiBias,
  alibiSlopes,
  applyRope,
  sinusoidalTable,
  t5RelativeBucket,
} from '../../src/index';
import { randn, rng } from '../helpers/random';

describe('t5RelativeBucket vs HF T5 in torch', () => {
  const fixture = JSON.parse(readFileSync(join(__dirname, 't5-buckets.torch.json'), 'utf8')) as {
    from: number;
    cases: { bidirectional: boolean; numBuckets: number; maxDistance: number; buckets: number[] }[];
  };
  for (const c of fixture.cases)
    it(`bidirectional ${c.bidirectional}, ${c.numBuckets} buckets, max distance ${c.maxDistance}`, () => {
      const opts = { bidirectional: c.bidirectional, numBuckets: c.numBuckets, maxDistance: c.maxDistance };
      const got = c.buckets.map((_, i) => t5RelativeBucket(fixture.from + i, opts));
      expect(got).toEqual(c.buckets);
    });
});

/** Closed form: n = 2^k -> m_h = 2^(-8(h+1)/n); other n: those of 2^floor(log2 n), then 2^(-4(2t+1)/2^floor(log2 n)). */
function slopesRef(n: number): number[] {
  const p = 2 ** Math.floor(Math.log2(n));
  const out: number[] = [];
  for (let h = 0; h < p; h++) out.push(2 ** ((-8 * (h + 1)) / p));
  for (let t = 0; out.length < n; t++) out.push(2 ** ((-8 * (2 * t + 1)) / (2 * p)));
  return out;
}

describe('alibiSlopes for any head count', () => {
  for (const n of [1, 3, 5, 7, 12, 16, 24, 40, 64, 96])
    it(`${n} heads`, () => {
      const got = alibiSlopes(n);
      const ref = slopesRef(n);
      expect(got.length).toBe(n);
      for (let h = 0; h < n; h++) expect(Math.abs(got[h] - ref[h]) / ref[h]).toBeLessThan(1e-12);
    });
  it('numHeads 0 -> RangeError naming numHeads', () =>
    expect(() => alibiSlopes(0)).toThrow('alibiSlopes: numHeads must be an integer >= 1, got 0'));
  it('alibiBias with queryOffset: -m·|i + offset - j|', () => {
    const slopes = [0.5, 0.25];
    const b = alibiBias(slopes, 2, 5, { queryOffset: 1 });
    expect(b.shape).toEqual([1, 2, 2, 5]);
    for (let h = 0; h < 2; h++)
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 5; j++) expect(b.data[(h * 2 + i) * 5 + j]).toBe(-slopes[h] * Math.abs(i + 1 - j));
  });
});

describe('learned table and absolute positions, more', () => {
  const emb = new LearnedPositionalEmbedding({ maxLen: 6, dim: 2, seed: 3, std: 1 });
  it('lookup by a list of positions', () => {
    const rows = emb.lookup([5, 0, 2]);
    expect(rows.shape).toEqual([3, 2]);
    for (const [r, p] of [5, 0, 2].entries())
      for (let c = 0; c < 2; c++) expect(rows.data[r * 2 + c]).toBe(emb.weight.data[p * 2 + c]);
  });
  it('a listed position past maxLen -> RangeError naming it', () => {
    try {
      emb.lookup([1, 6]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AttnkitRangeError);
      expect((e as AttnkitRangeError).code).toBe(ErrorCode.VALUE);
      expect((e as Error).message).toBe(
        'LearnedPositionalEmbedding.lookup: positions[1] must be an integer in [0, maxLen = 6), got 6',
      );
    }
  });
  it('addPositional in place through options.out, rank 2, against float64 sin/cos', () => {
    const x = { data: randn(4 * 5, rng(11)), shape: [4, 5] };
    const before = Float64Array.from(x.data);
    const y = addPositional(x, sinusoidalTable(9, 5, { base: 100 }), { offset: 5, out: x });
    expect(y).toBe(x);
    for (let l = 0; l < 4; l++)
      for (let c = 0; c < 5; c++) {
        const angle = (5 + l) / 100 ** ((c - (c % 2)) / 5);
        const pe = c % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
        expect(Math.abs(x.data[l * 5 + c] - (before[l * 5 + c] + pe))).toBeLessThan(1e-6);
      }
  });
  it('a non-object option bag -> TypeError', () =>
    expect(() => sinusoidalTable(2, 2, 5 as never)).toThrow(AttnkitTypeError));
  it('applyRope inPlace rotates the given data and returns the same tensor', () => {
    const x = { data: randn(1 * 2 * 1 * 4, rng(4)), shape: [1, 2, 1, 4] };
    const copy = applyRope(x, { offset: 1 });
    const same = applyRope(x, { offset: 1, inPlace: true });
    expect(same).toBe(x);
    expect(Array.from(x.data)).toEqual(Array.from(copy.data));
  });
});
