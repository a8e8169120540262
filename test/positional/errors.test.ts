// Bad input to the positional encodings: TypeError/RangeError subclasses with a code and a message naming
// the argument, what was expected and what was given.
import { describe, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  LearnedPositionalEmbedding,
  addPositional,
  alibiBias,
  applyRope,
  relativePositionBias,
  sinusoidalTable,
  t5RelativeBucket,
} from '../../src/index';
import { expectError } from '../helpers/expect-error';

const x4 = { data: new Float32Array(2 * 3 * 2 * 6), shape: [2, 3, 2, 6] };

describe('positional errors', () => {
  it('sinusoidalTable: negative maxLen', () =>
    expectError(
      () => sinusoidalTable(-1, 4),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'sinusoidalTable: maxLen must be an integer >= 0, got -1',
    ));
  it('t5RelativeBucket: a maxDistance inside the exact buckets (would give NaN buckets)', () =>
    expectError(
      () => t5RelativeBucket(3, { numBuckets: 32, maxDistance: 8 }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      't5RelativeBucket: options.maxDistance must be an integer >= 9, got 8',
    ));
  it('sinusoidalTable: base 0', () =>
    expectError(
      () => sinusoidalTable(4, 4, { base: 0 }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'sinusoidalTable: options.base must be a finite number > 0, got 0',
    ));
  it('sinusoidalTable: misspelled option', () =>
    expectError(
      () => sinusoidalTable(4, 4, { bsae: 10 } as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      "sinusoidalTable: options.bsae must be one of the known options (base), got string 'bsae'; did you mean 'base'?",
    ));
  it('addPositional: x of rank 4', () =>
    expectError(
      () => addPositional(x4, sinusoidalTable(4, 6)),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'addPositional: x must be [seq, dim] or [batch, seq, dim], got [2, 3, 2, 6]',
    ));
  it('addPositional: not a tensor', () =>
    expectError(
      () => addPositional([1, 2] as never, sinusoidalTable(4, 6)),
      AttnkitTypeError,
      ErrorCode.TYPE,
      'addPositional: x must be a tensor { data: Float32Array, shape: number[] }, got array [1, 2]',
    ));
  it('LearnedPositionalEmbedding: lookup(len, offset) past maxLen', () =>
    expectError(
      () => new LearnedPositionalEmbedding({ maxLen: 3, dim: 2 }).lookup(2, 2),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'LearnedPositionalEmbedding.lookup: offset + len must be positions < maxLen = 3, got positions 2..3',
    ));
  it('applyRope: 3-D x', () =>
    expectError(
      () => applyRope({ data: new Float32Array(6), shape: [1, 1, 6] }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'applyRope: x must be [batch, seq, heads, headDim], got [1, 1, 6]',
    ));
  it('applyRope: odd head dim names headDim', () =>
    expectError(
      () => applyRope({ data: new Float32Array(5), shape: [1, 1, 1, 5] }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'applyRope: headDim must be even for RoPE (or pass options.rotaryDim, even and < headDim), got 5',
    ));
  it('applyRope: rotaryDim past headDim', () =>
    expectError(
      () => applyRope(x4, { rotaryDim: 8 }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'applyRope: options.rotaryDim must be an even number <= headDim = 6, got 8',
    ));
  it('applyRope: negative offset', () =>
    expectError(
      () => applyRope(x4, { offset: -1 }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'applyRope: options.offset must be an integer >= 0, got -1',
    ));
  it('applyRope: unknown layout', () =>
    expectError(
      () => applyRope(x4, { layout: 'bhds' as never }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      "applyRope: options.layout must be 'bshd' or 'bhsd', got 'bhds'",
    ));
  it('alibiBias: negative lq', () =>
    expectError(
      () => alibiBias([0.5], -2, 3),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'alibiBias: lq must be an integer >= 0, got -2',
    ));
  it('relativePositionBias: a 1-D table', () =>
    expectError(
      () => relativePositionBias({ data: new Float32Array(32), shape: [32] }, 2, 2),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'relativePositionBias: table must be [numBuckets, heads] = [32, *], got [32]',
    ));
});

it('alibiBias: slopes not an array', () =>
  expectError(
    () => alibiBias(8 as never, 2, 2),
    AttnkitTypeError,
    ErrorCode.TYPE,
    'alibiBias: slopes must be an array or Float64Array of per-head slopes (alibiSlopes(numHeads)), got number 8',
  ));

describe('LearnedPositionalEmbedding.addTo and apply name themselves', () => {
  const emb = new LearnedPositionalEmbedding({ maxLen: 3, dim: 2 });
  const x = { data: new Float32Array(4), shape: [2, 2] };
  it('addTo: offset past maxLen', () =>
    expectError(
      () => emb.addTo(x, 2),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'LearnedPositionalEmbedding.addTo: x must be positions < maxLen = 3, got positions 2..3',
    ));
  it('addTo: a negative offset names the offset argument', () =>
    expectError(
      () => emb.addTo(x, -1),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'LearnedPositionalEmbedding.addTo: offset must be an integer >= 0, got -1',
    ));
  it('addTo: x of the wrong width', () =>
    expectError(
      () => emb.addTo({ data: new Float32Array(6), shape: [2, 3] }, 0),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /^LearnedPositionalEmbedding\.addTo: /,
    ));
  it('addTo: not a tensor', () =>
    expectError(
      () => emb.addTo([1, 2] as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /^LearnedPositionalEmbedding\.addTo: x must be a tensor/,
    ));
  it('apply: offset past maxLen', () =>
    expectError(
      () => emb.apply(x, { offset: 2 }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'LearnedPositionalEmbedding.apply: x must be positions < maxLen = 3, got positions 2..3',
    ));
});
