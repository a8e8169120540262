// Bad layer input: typed errors naming the argument, the expected and the actual value.
import { describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  MultiHeadAttention,
  SelfAttention,
  selfAttention,
} from '../../src/index';
import { expectError } from '../helpers/expect-error';

const z = (shape: number[]) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });
const mha = new MultiHeadAttention({ embedDim: 8, numHeads: 2 });

describe('MultiHeadAttention constructor', () => {
  it('embedDim not divisible by numHeads', () =>
    expectError(
      () => new MultiHeadAttention({ embedDim: 10, numHeads: 4 }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'MultiHeadAttention: options.embedDim must be divisible by numHeads = 4 (or pass options.headDim), got 10 (10 % 4 = 2)',
    ));
  it('numHeads not divisible by numKvHeads', () =>
    expectError(
      () => new MultiHeadAttention({ embedDim: 12, numHeads: 6, numKvHeads: 4 }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'MultiHeadAttention: options.numKvHeads must be a divisor of numHeads = 6 (each kv head serves numHeads / numKvHeads query heads), got 4',
    ));
  it('numHeads that is not a positive integer', () =>
    expectError(
      () => new MultiHeadAttention({ embedDim: 8, numHeads: 0 }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'MultiHeadAttention: options.numHeads must be a positive integer, got 0',
    ));
  it('a misspelled option', () =>
    expectError(
      () => new MultiHeadAttention({ embedDim: 8, numHeads: 2, numKVHeads: 1 } as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.numKVHeads must be one of the known options/,
    ));
});

describe('weights', () => {
  it('in_proj_weight of the wrong shape', () =>
    expectError(
      () =>
        mha.loadPyTorch({
          in_proj_weight: z([8, 8]),
          in_proj_bias: z([24]),
          'out_proj.weight': z([8, 8]),
          'out_proj.bias': z([8]),
        }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      "MultiHeadAttention.loadPyTorch: stateDict['in_proj_weight'] must be [24, 8], got [8, 8]",
    ));
  it('a missing out_proj.bias', () =>
    expectError(
      () => mha.loadPyTorch({ in_proj_weight: z([24, 8]), in_proj_bias: z([24]), 'out_proj.weight': z([8, 8]) }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      "MultiHeadAttention.loadPyTorch: stateDict['out_proj.bias'] must be present, got undefined",
    ));
  it('separate q/k/v names when kdim = vdim = E', () =>
    expectError(
      () => mha.loadPyTorch({ q_proj_weight: z([8, 8]) } as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /stateDict\['q_proj_weight'\] must be one of the expected names \(in_proj_weight, out_proj.weight, in_proj_bias, out_proj.bias\)/,
    ));
  it('a plain wk of the transposed shape (kdim 5)', () => {
    const m = new MultiHeadAttention({ embedDim: 8, numHeads: 2, kdim: 5, bias: false });
    expectError(
      () => m.loadWeights({ wq: z([8, 8]), wk: z([5, 8]), wv: z([8, 8]), wo: z([8, 8]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'MultiHeadAttention.loadWeights: weights.wk must be [8, 5], got [5, 8]',
    );
  });
  it('a failed load leaves the old weights in place', () => {
    const before = mha.weights().wq.data.slice();
    expect(() =>
      mha.loadPyTorch({
        in_proj_weight: z([24, 8]),
        in_proj_bias: z([24]),
        'out_proj.weight': z([8, 7]),
        'out_proj.bias': z([8]),
      }),
    ).toThrow(AttnkitRangeError);
    expect(Array.from(mha.weights().wq.data)).toEqual(Array.from(before));
  });
});

describe('forward', () => {
  it('query whose last dim is not embedDim', () =>
    expectError(
      () => mha.forward(z([2, 3, 6])),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'MultiHeadAttention.forward: query must be [batch, seq, embedDim] = [*, *, 8] (batch first), got [2, 3, 6]',
    ));
  it('key with another batch', () =>
    expectError(
      () => mha.forward(z([2, 3, 8]), z([1, 4, 8]), z([1, 4, 8])),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /key must be \[batch, seqK, kdim\] = \[2, \*, 8\], got \[1, 4, 8\]/,
    ));
  it('keyPaddingMask of the wrong shape', () =>
    expectError(
      () =>
        mha.forward(z([2, 3, 8]), undefined, undefined, { keyPaddingMask: { data: new Uint8Array(3), shape: [3] } }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'MultiHeadAttention.forward: options.keyPaddingMask must be [batch, seqK] = [2, 3], got [3]',
    ));
  it('attnMask of the wrong shape', () =>
    expectError(
      () => mha.forward(z([2, 3, 8]), undefined, undefined, { attnMask: { data: new Uint8Array(6), shape: [3, 2] } }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /options\.attnMask must be \[seqQ, seqK\] = \[3, 3\], \[batch·heads, seqQ, seqK\] = \[4, 3, 3\] or \[1\|2, 1\|2, 3, 3\], got \[3, 2\]/,
    ));
  it('attnMask of another type', () =>
    expectError(
      () =>
        mha.forward(z([2, 3, 8]), undefined, undefined, {
          attnMask: { data: new Int8Array(9), shape: [3, 3] } as never,
        }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.attnMask\.data must be a Uint8Array .*got Int8Array\(9\)/,
    ));
  it('positional of an unknown type', () =>
    expectError(
      () => mha.forward(z([2, 3, 8]), undefined, undefined, { positional: { type: 'xpos' } as never }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      "MultiHeadAttention.forward: options.positional.type must be one of 'rope', 'alibi', 't5', got 'xpos'",
    ));
  it('RoPE on an odd head dim', () => {
    const m = new MultiHeadAttention({ embedDim: 6, numHeads: 2 });
    expect(() => m.forward(z([1, 2, 6]), undefined, undefined, { positional: { type: 'rope' } })).toThrow(
      AttnkitRangeError,
    );
  });
  it('key without value', () =>
    expectError(
      () => mha.forward(z([2, 3, 8]), z([2, 3, 8])),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /value must be given together with the other/,
    ));
});

describe('SelfAttention / selfAttention', () => {
  it('lengths longer than the sequence', () =>
    expectError(
      () => selfAttention(z([2, 4, 3]), { lengths: [4, 5] }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'selfAttention: options.lengths[1] must be an integer in [0, 4] (the padded length), got 5',
    ));
  it('one length per sequence', () =>
    expectError(
      () => selfAttention(z([2, 4, 3]), { lengths: [4] }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'selfAttention: options.lengths must be one length per sequence (2), got 1 lengths',
    ));
  it('lengths and paddingValue together', () =>
    expectError(
      () => selfAttention(z([2, 4, 3]), { lengths: [1, 1], paddingValue: 0 }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /either lengths or paddingValue, not both/,
    ));
  it('x whose last dim is not embedDim', () =>
    expectError(
      () => new SelfAttention({ embedDim: 4, numHeads: 2 }).forward(z([1, 2, 3])),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'SelfAttention.forward: x must be [batch, seq, embedDim] = [*, *, 4], got [1, 2, 3]',
    ));
});

describe('MultiHeadAttention.forward options.out', () => {
  const layer = new MultiHeadAttention({ embedDim: 8, numHeads: 2, seed: 3 });
  const x = { data: Float32Array.from({ length: 2 * 5 * 8 }, (_, i) => Math.sin(i)), shape: [2, 5, 8] };

  it('writes the output into out and returns that tensor, with the same values as a fresh result', () => {
    const fresh = layer.forward(x).output;
    const out = { data: new Float32Array(2 * 5 * 8).fill(NaN), shape: [2, 5, 8] };
    const got = layer.forward(x, undefined, undefined, { out }).output;
    expect(got).toBe(out);
    expect(Array.from(out.data)).toEqual(Array.from(fresh.data));
  });

  it('an out of the wrong shape or type is refused before any work, naming options.out', () => {
    expectError(
      () => layer.forward(x, undefined, undefined, { out: z([2, 5, 4]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /MultiHeadAttention\.forward: options\.out must be \[batch, seqQ, embedDim\] = \[2, 5, 8\], got \[2, 5, 4\]/,
    );
    expectError(
      () => layer.forward(x, undefined, undefined, { out: { data: new Float64Array(80), shape: [2, 5, 8] } as never }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.out\.data must be a Float32Array/,
    );
  });
});
