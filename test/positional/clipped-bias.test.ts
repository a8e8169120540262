// clippedRelativeBias: the diagonal form must put table[h, clip(j − p) + maxDistance] at every (h, i, j),
// and SDPA with it must equal SDPA with the same bias materialised as an additive mask.
import { describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  clippedRelativeBias,
  scaledDotProductAttention,
  tensor,
} from '../../src/index';
import { expectError } from '../helpers/expect-error';
import { randn, rng } from '../helpers/random';
import { maxAbsDiff } from '../helpers/reference';

describe('clippedRelativeBias', () => {
  for (const alignment of ['bottom-right', 'top-left'] as const)
    for (const [lq, lk, maxDistance] of [
      [5, 5, 2],
      [3, 17, 4],
      [17, 3, 1],
      [1, 65, 8],
      [9, 1, 0],
    ] as const)
      it(`${alignment}: Lq ${lq}, Lk ${lk}, maxDistance ${maxDistance}`, () => {
        const H = 3;
        const width = 2 * maxDistance + 1;
        const table = tensor(randn(H * width, rng(lq * 100 + lk)), [H, width]);
        const diag = clippedRelativeBias(table, lq, lk, { alignment });
        const n = lq + lk - 1;
        expect(diag.shape).toEqual([H, n]);
        const shift = alignment === 'top-left' ? 0 : lk - lq;
        for (let h = 0; h < H; h++)
          for (let i = 0; i < lq; i++)
            for (let j = 0; j < lk; j++) {
              const r = Math.max(-maxDistance, Math.min(maxDistance, j - (i + shift)));
              expect(diag.data[h * n + (j - i) + lq - 1]).toBe(table.data[h * width + r + maxDistance]);
            }
      });

  it('in SDPA equals the same bias as an additive [1, H, Lq, Lk] mask', () => {
    const [H, lq, lk, D, maxDistance] = [4, 19, 70, 16, 5];
    const r = rng(7);
    const q = tensor(randn(H * lq * D, r), [1, H, lq, D]);
    const k = tensor(randn(H * lk * D, r), [1, H, lk, D]);
    const v = tensor(randn(H * lk * D, r), [1, H, lk, D]);
    const table = tensor(randn(H * (2 * maxDistance + 1), r), [H, 2 * maxDistance + 1]);
    const relativeBias = clippedRelativeBias(table, lq, lk);
    const mask = new Float32Array(H * lq * lk);
    for (let h = 0; h < H; h++)
      for (let i = 0; i < lq; i++)
        for (let j = 0; j < lk; j++) {
          const rel = Math.max(-maxDistance, Math.min(maxDistance, j - (i + lk - lq)));
          mask[(h * lq + i) * lk + j] = table.data[h * (2 * maxDistance + 1) + rel + maxDistance];
        }
    const viaKernel = scaledDotProductAttention(q, k, v, { relativeBias, causal: true });
    const viaMask = scaledDotProductAttention(q, k, v, { mask: tensor(mask, [1, H, lq, lk]), causal: true });
    expect(maxAbsDiff(viaKernel.data, viaMask.data)).toBeLessThan(1e-6);
  });

  it('refuses a table with an even number of columns', () =>
    expectError(
      () => clippedRelativeBias(tensor(new Float32Array(8), [2, 4]), 3, 3),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'clippedRelativeBias: table must be [heads, 2 * maxDistance + 1] (an odd number of columns), got [2, 4]',
    ));
  it('words a bad alignment as t5RelativeBias does: RangeError for another string, TypeError for a non-string', () => {
    const t = tensor(new Float32Array(6), [2, 3]);
    expectError(
      () => clippedRelativeBias(t, 2, 2, { alignment: 'center' as never }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      "clippedRelativeBias: options.alignment must be 'bottom-right' or 'top-left', got 'center'",
    );
    expectError(
      () => clippedRelativeBias(t, 2, 2, { alignment: 1 as never }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      "clippedRelativeBias: options.alignment must be 'bottom-right' or 'top-left', got number 1",
    );
  });
});
