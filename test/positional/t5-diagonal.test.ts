// t5RelativeBias (the [H, Lq + Lk − 1] diagonals for SDPA's relativeBias) against the materialised
// relativePositionBias [1, H, Lq, Lk]: entry [h, (j − i) + Lq − 1] must equal bias[h, i, j] at every (h, i, j).
import { describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  relativePositionBias,
  scaledDotProductAttention,
  t5RelativeBias,
  type Tensor,
} from '../../src/index';
import { expectError } from '../helpers/expect-error';
import { randn, rng } from '../helpers/random';

function expectSameBias(table: Tensor, lq: number, lk: number, options: Parameters<typeof t5RelativeBias>[3]): void {
  const H = table.shape[1];
  const diag = t5RelativeBias(table, lq, lk, options);
  const full = relativePositionBias(table, lq, lk, options);
  const n = Math.max(lq + lk - 1, 0);
  expect(diag.shape).toEqual([H, n]);
  expect(diag.data).toBeInstanceOf(Float32Array);
  for (let h = 0; h < H; h++)
    for (let i = 0; i < lq; i++)
      for (let j = 0; j < lk; j++) {
        const got = diag.data[h * n + (j - i) + lq - 1];
        const want = full.data[(h * lq + i) * lk + j];
        if (got !== want) expect(got, `h ${h}, i ${i}, j ${j}`).toBe(want);
      }
}

describe('t5RelativeBias equals relativePositionBias by diagonal', () => {
  const shapes: [number, number][] = [
    [5, 5],
    [3, 7], // Lq < Lk: decoding with a cache
    [7, 3], // Lq > Lk
    [1, 9], // one query
    [9, 1],
    [1, 1],
    [40, 200], // distances past the log-spaced buckets and maxDistance
  ];
  const bucketSets = [
    { numBuckets: 32, maxDistance: 128 },
    { numBuckets: 8, maxDistance: 20 },
  ];
  for (const alignment of ['bottom-right', 'top-left'] as const)
    for (const bidirectional of [true, false])
      for (const b of bucketSets)
        it(`${alignment}, bidirectional ${bidirectional}, ${b.numBuckets} buckets / max ${b.maxDistance}`, () => {
          const H = 3;
          const table = {
            data: randn(b.numBuckets * H, rng(b.numBuckets + (bidirectional ? 1 : 0))),
            shape: [b.numBuckets, H],
          };
          for (const [lq, lk] of shapes) expectSameBias(table, lq, lk, { ...b, bidirectional, alignment });
        });

  it('defaults: bottom-right, bidirectional, 32 buckets, max distance 128', () => {
    const table = { data: randn(32 * 2, rng(4)), shape: [32, 2] };
    expectSameBias(table, 4, 6, undefined);
    expect(Array.from(t5RelativeBias(table, 4, 6).data)).toEqual(
      Array.from(
        t5RelativeBias(table, 4, 6, {
          alignment: 'bottom-right',
          bidirectional: true,
          numBuckets: 32,
          maxDistance: 128,
        }).data,
      ),
    );
  });

  it('the alignments differ by the shift Lk − Lq: top-left diagonal d is bottom-right diagonal d + Lk − Lq', () => {
    const table = { data: randn(16 * 2, rng(6)), shape: [16, 2] };
    const [lq, lk] = [3, 8];
    const n = lq + lk - 1;
    const br = t5RelativeBias(table, lq, lk, { numBuckets: 16 });
    const tl = t5RelativeBias(table, lq, lk, { numBuckets: 16, alignment: 'top-left' });
    // Top-left relative position r = d − (Lq − 1); bottom-right r = d − (Lq − 1) − (Lk − Lq).
    for (let h = 0; h < 2; h++)
      for (let d = 0; d + (lk - lq) < n; d++) expect(tl.data[h * n + d]).toBe(br.data[h * n + d + (lk - lq)]);
  });

  it('empty lengths: [H, Lq + Lk − 1], never negative', () => {
    const table = { data: randn(32 * 2, rng(7)), shape: [32, 2] };
    expect(t5RelativeBias(table, 0, 0).shape).toEqual([2, 0]);
    expect(t5RelativeBias(table, 0, 3).shape).toEqual([2, 2]);
    expect(t5RelativeBias(table, 3, 0).shape).toEqual([2, 2]);
  });

  it('as scaledDotProductAttention relativeBias it gives the output of the materialised mask', () => {
    const [H, lq, lk, d, nb] = [2, 3, 6, 4, 8];
    const rand = rng(8);
    const table = { data: randn(nb * H, rand), shape: [nb, H] };
    const q = { data: randn(H * lq * d, rand), shape: [1, H, lq, d] };
    const k = { data: randn(H * lk * d, rand), shape: [1, H, lk, d] };
    const v = { data: randn(H * lk * d, rand), shape: [1, H, lk, d] };
    for (const causal of [false, true]) {
      const opts = { numBuckets: nb, maxDistance: 16, bidirectional: !causal };
      const inKernel = scaledDotProductAttention(q, k, v, {
        scale: 1,
        causal,
        relativeBias: t5RelativeBias(table, lq, lk, opts),
      });
      const masked = scaledDotProductAttention(q, k, v, {
        scale: 1,
        causal,
        mask: relativePositionBias(table, lq, lk, opts),
      });
      for (let x = 0; x < masked.data.length; x++)
        expect(Math.abs(inKernel.data[x] - masked.data[x]), `causal ${causal}, ${x}`).toBeLessThan(1e-5);
    }
  });
});

describe('t5RelativeBias errors', () => {
  const table = { data: new Float32Array(32 * 2), shape: [32, 2] };
  it('a table with the wrong bucket count', () =>
    expectError(
      () => t5RelativeBias({ data: new Float32Array(12), shape: [6, 2] }, 2, 2),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      't5RelativeBias: table must be [numBuckets, heads] = [32, *], got [6, 2]',
    ));
  it('a table that is not a Float32 tensor', () =>
    expectError(
      () => t5RelativeBias({ data: new Float64Array(64), shape: [32, 2] } as never, 2, 2),
      AttnkitTypeError,
      ErrorCode.TYPE,
      't5RelativeBias: table.data must be a Float32Array, got Float64Array(64)',
    ));
  it('a negative lenK', () =>
    expectError(
      () => t5RelativeBias(table, 2, -1),
      AttnkitRangeError,
      ErrorCode.VALUE,
      't5RelativeBias: lenK must be an integer >= 0, got -1',
    ));
  it('a fractional lenQ', () =>
    expectError(
      () => t5RelativeBias(table, 1.5, 2),
      AttnkitRangeError,
      ErrorCode.VALUE,
      't5RelativeBias: lenQ must be an integer >= 0, got 1.5',
    ));
  it('an unknown alignment', () =>
    expectError(
      () => t5RelativeBias(table, 2, 2, { alignment: 'center' as never }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      "t5RelativeBias: options.alignment must be 'bottom-right' or 'top-left', got 'center'",
    ));
  it('bidirectional that is not a boolean', () =>
    expectError(
      () => t5RelativeBias(table, 2, 2, { bidirectional: 'yes' as never }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      "t5RelativeBias: options.bidirectional must be a boolean (true: encoder, false: decoder), got string 'yes'",
    ));
  it('too few buckets', () =>
    expectError(
      () => t5RelativeBias(table, 2, 2, { numBuckets: 3 }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      't5RelativeBias: options.numBuckets must be an integer >= 4, got 3',
    ));
  it('a misspelled option', () =>
    expectError(
      () => t5RelativeBias(table, 2, 2, { maxDistnace: 64 } as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      "t5RelativeBias: options.maxDistnace must be one of the known options (alignment, bidirectional, numBuckets, maxDistance), got string 'maxDistnace'; did you mean 'maxDistance'?",
    ));
  it('relativePositionBias words a bad alignment the same way', () =>
    expectError(
      () => relativePositionBias(table, 2, 2, { alignment: 'center' as never }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      "relativePositionBias: options.alignment must be 'bottom-right' or 'top-left', got 'center'",
    ));
});
