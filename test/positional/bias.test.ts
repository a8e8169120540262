// ALiBi slopes and T5 buckets against values derived here, and both biases through the SDPA mask.
import { describe, expect, it } from 'vitest';
import {
  alibiBias,
  alibiSlopes,
  relativePositionBias,
  scaledDotProductAttention,
  t5RelativeBucket,
} from '../../src/index';
import { randn, rng } from '../helpers/random';

describe('alibiSlopes', () => {
  it('8 heads: 1/2, 1/4, ..., 1/256 (the paper)', () =>
    expect(Array.from(alibiSlopes(8))).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((k) => 2 ** -k)));
  it('1 head: 2^-8; 2 heads: 2^-4, 2^-8', () => {
    expect(Array.from(alibiSlopes(1))).toEqual([2 ** -8]);
    expect(Array.from(alibiSlopes(2))).toEqual([2 ** -4, 2 ** -8]);
  });
  it('6 heads: 4-head slopes then the odd 8-head ones: 2^-2,-4,-6,-8, 2^-1, 2^-3', () =>
    expect(Array.from(alibiSlopes(6))).toEqual([2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8, 2 ** -1, 2 ** -3]));
  it('12 heads: 8-head slopes then 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5 (16-head slopes at even indices)', () => {
    const ref = [1, 2, 3, 4, 5, 6, 7, 8].map((k) => 2 ** -k).concat([0.5, 1.5, 2.5, 3.5].map((k) => 2 ** -k));
    const got = alibiSlopes(12);
    for (let h = 0; h < 12; h++) expect(Math.abs(got[h] - ref[h])).toBeLessThan(1e-15);
  });
});

/** float64 softmax(q·kᵀ/√D + bias)·v for one head. */
function attendRef(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  bias: (i: number, j: number) => number,
  lq: number,
  lk: number,
  d: number,
): Float64Array {
  const out = new Float64Array(lq * d);
  for (let i = 0; i < lq; i++) {
    const s = Array.from({ length: lk }, (_, j) => {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += q[i * d + c] * k[j * d + c];
      return dot / Math.sqrt(d) + bias(i, j);
    });
    const mx = Math.max(...s);
    const e = s.map((x) => Math.exp(x - mx));
    const z = e.reduce((a, b) => a + b, 0);
    for (let j = 0; j < lk; j++) for (let c = 0; c < d; c++) out[i * d + c] += (e[j] / z) * v[j * d + c];
  }
  return out;
}

describe('alibiBias through scaledDotProductAttention', () => {
  it('matches −m_h·|i + Lk − Lq − j| added to the scores, per head', () => {
    const [H, lq, lk, d] = [3, 4, 6, 5];
    const rand = rng(5);
    const q = randn(H * lq * d, rand);
    const k = randn(H * lk * d, rand);
    const v = randn(H * lk * d, rand);
    const slopes = alibiSlopes(H);
    const mask = alibiBias(slopes, lq, lk);
    expect(mask.shape).toEqual([1, H, lq, lk]);
    const out = scaledDotProductAttention(
      { data: q, shape: [1, H, lq, d] },
      { data: k, shape: [1, H, lk, d] },
      { data: v, shape: [1, H, lk, d] },
      { mask },
    );
    for (let h = 0; h < H; h++) {
      const ref = attendRef(
        q.subarray(h * lq * d),
        k.subarray(h * lk * d),
        v.subarray(h * lk * d),
        (i, j) => -slopes[h] * Math.abs(i + lk - lq - j),
        lq,
        lk,
        d,
      );
      for (let i = 0; i < lq * d; i++) expect(Math.abs(out.data[h * lq * d + i] - ref[i])).toBeLessThan(1e-5);
    }
  });
});

/** T5 buckets re-derived: n buckets (halved if bidirectional), exact below n/2, log-spaced up to maxDistance. */
function bucketRef(rel: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
  const n = bidirectional ? numBuckets / 2 : numBuckets;
  const upper = bidirectional && rel > 0 ? n : 0;
  const dist = bidirectional ? Math.abs(rel) : Math.max(0, -rel);
  const exact = n / 2;
  if (dist < exact) return upper + dist;
  const logBucket = exact + Math.floor((Math.log(dist / exact) / Math.log(maxDistance / exact)) * (n - exact));
  return upper + Math.min(logBucket, n - 1);
}

describe('t5RelativeBucket', () => {
  it('spot values of HF T5 (32 buckets, max distance 128)', () => {
    expect([0, -1, 1, -8, 8, -127, -200, 200].map((r) => t5RelativeBucket(r))).toEqual([0, 1, 17, 8, 24, 15, 15, 31]);
    expect([1, 0, -1, -15, -16, -127, -1000].map((r) => t5RelativeBucket(r, { bidirectional: false }))).toEqual([
      0, 0, 1, 15, 16, 31, 31,
    ]);
  });
  for (const bidirectional of [true, false])
    for (const [nb, md] of [
      [32, 128],
      [8, 20],
    ])
      it(`bidirectional ${bidirectional}, ${nb} buckets, max ${md}: every rel in −300..300`, () => {
        for (let rel = -300; rel <= 300; rel++)
          expect(t5RelativeBucket(rel, { bidirectional, numBuckets: nb, maxDistance: md }), `rel ${rel}`).toBe(
            bucketRef(rel, bidirectional, nb, md),
          );
      });
  it('relativePositionBias reads table[bucket(j − p), h] with p bottom-right aligned', () => {
    const [nb, H, lq, lk] = [8, 2, 3, 7];
    const table = { data: randn(nb * H, rng(9)), shape: [nb, H] };
    const bias = relativePositionBias(table, lq, lk, { numBuckets: nb, maxDistance: 10, bidirectional: false });
    expect(bias.shape).toEqual([1, H, lq, lk]);
    for (let h = 0; h < H; h++)
      for (let i = 0; i < lq; i++)
        for (let j = 0; j < lk; j++)
          expect(bias.data[(h * lq + i) * lk + j]).toBe(
            table.data[bucketRef(j - (i + lk - lq), false, nb, 10) * H + h],
          );
  });
  it('a table with the wrong bucket count -> RangeError', () =>
    expect(() => relativePositionBias({ data: new Float32Array(12), shape: [6, 2] }, 2, 2)).toThrow(
      'relativePositionBias: table must be [numBuckets, heads] = [32, *], got [6, 2]',
    ));
});
