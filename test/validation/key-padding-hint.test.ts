// A [batch, seqK] key-padding mask (PyTorch's key_padding_mask shape) where a broadcastable mask is
// expected: the error says which shape or option takes it, and following the hint works.
import { describe, expect, it } from 'vitest';
import { AttnkitRangeError, ErrorCode, MultiHeadAttention, scaledDotProductAttention, tensor } from '../../src/index';
import { expectError } from '../helpers/expect-error';
import { randn, rng } from '../helpers/random';

const [B, H, LQ, LK, D] = [2, 2, 3, 5, 4];
const randomTensor = (shape: number[], seed: number) =>
  tensor(
    randn(
      shape.reduce((a, b) => a * b, 1),
      rng(seed),
    ),
    shape,
  );

describe('scaledDotProductAttention: a [batch, seqK] mask', () => {
  const q = randomTensor([B, H, LQ, D], 1);
  const k = randomTensor([B, H, LK, D], 2);
  const v = randomTensor([B, H, LK, D], 3);
  const keep = new Uint8Array([1, 1, 1, 0, 0, 1, 1, 1, 1, 0]); // batch 0 sees keys 0-2, batch 1 keys 0-3

  it('is refused with the shape that broadcasts', () =>
    expectError(
      () => scaledDotProductAttention(q, k, v, { mask: tensor(keep, [B, LK]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'scaledDotProductAttention: options.mask must be broadcastable to [batch, heads, seqQ, seqK] = [2, 2, 3, 5], got [2, 5] (a [batch, seqK] key-padding mask broadcasts when shaped [2, 1, 1, 5]: same data, 1 = may attend)',
    ));

  it('shaped as the hint says, hides the padded keys', () => {
    const weights = tensor(new Float32Array(B * H * LQ * LK), [B, H, LQ, LK]);
    scaledDotProductAttention(q, k, v, { mask: tensor(keep, [B, 1, 1, LK]), weightsOut: weights });
    for (let b = 0; b < B; b++)
      for (let h = 0; h < H; h++)
        for (let i = 0; i < LQ; i++)
          for (let j = 0; j < LK; j++) {
            const w = weights.data[((b * H + h) * LQ + i) * LK + j];
            if (keep[b * LK + j]) expect(w).toBeGreaterThan(0);
            else expect(w).toBe(0);
          }
  });
});

describe('MultiHeadAttention.forward: a [batch, seqK] attnMask', () => {
  const mha = new MultiHeadAttention({ embedDim: 4, numHeads: 2, seed: 3 });
  const x = randomTensor([B, LK, 4], 4);
  const padding = new Uint8Array([0, 0, 0, 1, 1, 0, 0, 0, 0, 1]); // PyTorch polarity: 1 = padding

  it('is refused, pointing at keyPaddingMask', () =>
    expectError(
      () => mha.forward(x, undefined, undefined, { attnMask: tensor(padding, [B, LK]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /^MultiHeadAttention\.forward: options\.attnMask must be .*, got \[2, 5\] \(a \[batch, seqK\] key-padding mask goes in options\.keyPaddingMask, 1 = padding\)$/,
    ));

  it('passed as keyPaddingMask, gives padded keys no weight', () => {
    const { weights } = mha.forward(x, undefined, undefined, {
      keyPaddingMask: tensor(padding, [B, LK]),
      needWeights: true,
    });
    for (let b = 0; b < B; b++)
      for (let i = 0; i < LK; i++)
        for (let j = 0; j < LK; j++) if (padding[b * LK + j]) expect(weights!.data[(b * LK + i) * LK + j]).toBe(0);
  });
});
