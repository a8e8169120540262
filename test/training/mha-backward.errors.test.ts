// Bad calls of the layers' backward: no `train: true` forward, a second call, a bad dOut (the saved state
// survives it), `train` with a cache, and LearnedPositionalEmbedding.backward's arguments.
import { describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  KVCache,
  LearnedPositionalEmbedding,
  MultiHeadAttention,
  SelfAttention,
  type Tensor,
} from '../../src/index';
import { expectError } from '../helpers/expect-error';

const x = (B: number, L: number, E: number): Tensor => ({
  data: new Float32Array(B * L * E).map((_, i) => Math.sin(i)),
  shape: [B, L, E],
});
const OP = 'MultiHeadAttention.backward';

describe('MultiHeadAttention.backward refuses', () => {
  it('a call without a train: true forward, and a second call', () => {
    const mha = new MultiHeadAttention({ embedDim: 4, numHeads: 2, seed: 1 });
    const dOut = x(1, 3, 4);
    const noForward = `${OP}: needs a forward with options.train true before it (each such forward serves one backward), got none`;
    expectError(() => mha.backward(dOut), AttnkitTypeError, ErrorCode.STATE, noForward);
    mha.forward(x(1, 3, 4));
    expectError(() => mha.backward(dOut), AttnkitTypeError, ErrorCode.STATE, noForward);
    mha.forward(x(1, 3, 4), undefined, undefined, { train: true });
    const g = mha.backward(dOut);
    expect(g.dQuery.shape).toEqual([1, 3, 4]);
    expectError(() => mha.backward(dOut), AttnkitTypeError, ErrorCode.STATE, noForward);
  });

  it('a dOut of the wrong shape or type, keeping the saved forward for a good call', () => {
    const mha = new MultiHeadAttention({ embedDim: 4, numHeads: 2, seed: 1 });
    mha.forward(x(2, 3, 4), x(2, 5, 4), x(2, 5, 4), { train: true });
    expectError(
      () => mha.backward(x(2, 5, 4)),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: dOut must be [batch, seqQ, embedDim] = [2, 3, 4] (the forward output's shape), got [2, 5, 4]`,
    );
    expectError(
      () => mha.backward({ data: new Float64Array(24), shape: [2, 3, 4] } as unknown as Tensor),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /dOut\.data must be a Float32Array/,
    );
    expectError(() => mha.backward(undefined as unknown as Tensor), AttnkitTypeError, ErrorCode.TYPE, /dOut/);
    const g = mha.backward(x(2, 3, 4));
    expect(g.dKey!.shape).toEqual([2, 5, 4]);
    expect(g.dValue!.shape).toEqual([2, 5, 4]);
  });

  it('train with a cache, and a train that is not a boolean', () => {
    const mha = new MultiHeadAttention({ embedDim: 4, numHeads: 2, seed: 1 });
    const cache = new KVCache({ batch: 1, kvHeads: 2, headDim: 2, maxLength: 8 });
    expectError(
      () => mha.forward(x(1, 3, 4), undefined, undefined, { train: true, cache }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.train must be false or left out with options\.cache/,
    );
    expect(cache.lengths[0]).toBe(0);
    expectError(
      () => mha.forward(x(1, 3, 4), undefined, undefined, { train: 1 as unknown as boolean }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /^MultiHeadAttention\.forward: options\.train must be a boolean, got/,
    );
  });

  it('a scale that is not a finite float32 number (forward)', () => {
    const mha = new MultiHeadAttention({ embedDim: 4, numHeads: 2, seed: 1 });
    expectError(
      () => mha.forward(x(1, 3, 4), undefined, undefined, { scale: '1' as unknown as number }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /^MultiHeadAttention\.forward: options\.scale must be a finite number/,
    );
    expectError(
      () => mha.forward(x(1, 3, 4), undefined, undefined, { scale: 1e39 }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /^MultiHeadAttention\.forward: options\.scale must be a finite number within float32 range/,
    );
  });

  it('the gradients are fresh arrays: the parameters and saved tensors are not aliased', () => {
    const mha = new MultiHeadAttention({ embedDim: 4, numHeads: 2, seed: 1 });
    const before = Object.fromEntries(Object.entries(mha.parameters()).map(([k, v]) => [k, v.slice()]));
    mha.forward(x(1, 3, 4), undefined, undefined, { train: true });
    const { grads } = mha.backward(x(1, 3, 4));
    for (const [name, p] of Object.entries(mha.parameters())) {
      expect(Array.from(p), `${name} unchanged`).toEqual(Array.from(before[name]));
      expect(grads[name].buffer === p.buffer, `${name}'s gradient has its own memory`).toBe(false);
    }
  });
});

describe('SelfAttention.backward refuses', () => {
  it('a call without a train: true forward, under its own name', () => {
    const layer = new SelfAttention({ embedDim: 4, numHeads: 2, seed: 1 });
    expectError(
      () => layer.backward(x(1, 3, 4)),
      AttnkitTypeError,
      ErrorCode.STATE,
      /^SelfAttention\.backward: needs a forward with options\.train true/,
    );
    layer.forward(x(1, 3, 4), { train: true });
    expectError(
      () => layer.backward(x(1, 2, 4)),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /^SelfAttention\.backward: dOut must be/,
    );
    expect(layer.backward(x(1, 3, 4)).dX.shape).toEqual([1, 3, 4]);
  });
});

describe('LearnedPositionalEmbedding.backward refuses', () => {
  const pos = new LearnedPositionalEmbedding({ maxLen: 4, dim: 3 });
  const OPL = 'LearnedPositionalEmbedding.backward';
  it('a dOut of the wrong rank or width, positions past maxLen, a bad offset; nothing accumulated', () => {
    expectError(
      () => pos.backward({ data: new Float32Array(8), shape: [2, 4] }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OPL}: dOut must be [seq, dim] or [batch, seq, dim] with dim = 3, got [2, 4]`,
    );
    expectError(
      () => pos.backward({ data: new Float32Array(15), shape: [5, 3] }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /dOut must be positions < maxLen = 4, got positions 0\.\.4/,
    );
    expectError(
      () => pos.backward({ data: new Float32Array(6), shape: [2, 3] }, 3),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /positions 3\.\.4/,
    );
    expectError(
      () => pos.backward({ data: new Float32Array(6), shape: [2, 3] }, -1),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /offset must be an integer >= 0/,
    );
    expect(pos.grad).toBeNull();
  });
});
