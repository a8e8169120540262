// Every bad call throws a typed error, before any backend runs, naming the argument and the shapes.
import { describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  scaledDotProductAttention as sdpa,
  tensor,
} from '../../src/index';
import { expectError } from '../helpers/expect-error';

const z = (shape: number[]) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });
const q = z([2, 4, 3, 8]);
const k = z([2, 2, 5, 8]);
const v = z([2, 2, 5, 6]);

describe('wrong types -> TypeError', () => {
  it('q that is not a tensor', () =>
    expectError(
      () => sdpa(null as never, k, v),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /scaledDotProductAttention: q must be a tensor/,
      /got null/,
    ));
  it('k data that is a Float64Array', () =>
    expectError(
      () => sdpa(q, { data: new Float64Array(160), shape: [2, 2, 5, 8] } as never, v),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /k\.data must be a Float32Array, got Float64Array\(160\)/,
    ));
  it('v data that is a plain array', () =>
    expectError(
      () => sdpa(q, k, { data: [1, 2], shape: [2] } as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /v\.data must be a Float32Array, got array/,
    ));
  it('shape that is not an array', () =>
    expectError(
      () => sdpa({ data: new Float32Array(4), shape: '4' } as never, k, v),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /q\.shape must be an array/,
    ));
  it('mask of another type', () =>
    expectError(
      () => sdpa(q, k, v, { mask: { data: new Int32Array(15), shape: [3, 5] } as never }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.mask\.data must be a Uint8Array .* or Float32Array .*got Int32Array\(15\)/,
    ));
  it('out that is not a Float32Array', () =>
    expectError(
      () => sdpa(q, k, v, { out: { data: new Uint8Array(144), shape: [2, 4, 3, 6] } as never }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.out\.data must be a Float32Array/,
    ));
  it('scale that is a string', () =>
    expectError(
      () => sdpa(q, k, v, { scale: '0.1' as never }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.scale must be a finite number, got string '0\.1'/,
    ));
  it('causal that is not a boolean', () =>
    expectError(
      () => sdpa(q, k, v, { causal: 1 as never }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.causal must be a boolean, got number 1/,
    ));
  it('a misspelled option', () =>
    expectError(
      () => sdpa(q, k, v, { casual: true } as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.casual must be one of the known options/,
    ));
  it('options that is not an object', () =>
    expectError(() => sdpa(q, k, v, 5 as never), AttnkitTypeError, ErrorCode.TYPE, /options must be an object/));
});

describe('wrong shapes and values -> RangeError', () => {
  it('length different from product(shape)', () =>
    expectError(
      () => sdpa({ data: new Float32Array(10), shape: [2, 4, 3, 8] }, k, v),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /q\.data must be of length product\(shape\) = 192 for shape \[2, 4, 3, 8\], got length 10/,
    ));
  it('D mismatch between q and k', () =>
    expectError(
      () => sdpa(q, z([2, 2, 5, 7]), v),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /k must be \[batch, kvHeads, seqK, dHead\] = \[2, \*, \*, 8\], got \[2, 2, 5, 7\]/,
    ));
  it('batch mismatch', () =>
    expectError(
      () => sdpa(q, z([1, 2, 5, 8]), v),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /k must be .* = \[2, \*, \*, 8\], got \[1, 2, 5, 8\]/,
    ));
  it('v with another Lk than k', () =>
    expectError(
      () => sdpa(q, k, z([2, 2, 4, 6])),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /v must be \[batch, kvHeads, seqK, dV\] = \[2, 2, 5, \*\], got \[2, 2, 4, 6\]/,
    ));
  it('Hq not a multiple of Hkv', () =>
    expectError(
      () => sdpa(z([2, 3, 3, 8]), k, v),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /k must be a head count dividing q's 3 heads/,
      /got 2 heads in \[2, 2, 5, 8\]/,
    ));
  it('Hkv = 0 with Hq > 0', () =>
    expectError(
      () => sdpa(q, z([2, 0, 5, 8]), z([2, 0, 5, 6])),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /dividing q's 4 heads/,
    ));
  it('rank 2 q', () =>
    expectError(
      () => sdpa(z([3, 8]), k, v),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /q must be 4-D \[batch, heads, seqQ, dHead\] or 3-D \[batch, seqQ, dHead\], got \[3, 8\]/,
    ));
  it('mixed ranks', () => expectError(() => sdpa(q, z([2, 5, 8]), v), AttnkitRangeError, ErrorCode.SHAPE, /k must be/));
  it('bshd names its axes in bshd order', () =>
    expectError(
      () => sdpa(z([2, 3, 4, 8]), z([2, 5, 2, 7]), z([2, 5, 2, 6]), { layout: 'bshd' }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /k must be \[batch, seqK, kvHeads, dHead\] = \[2, \*, \*, 8\]/,
    ));
  it('non-broadcastable mask', () =>
    expectError(
      () => sdpa(q, k, v, { mask: { data: new Uint8Array(12), shape: [3, 4] } }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /options\.mask must be broadcastable to \[batch, heads, seqQ, seqK\] = \[2, 4, 3, 5\], got \[3, 4\]/,
    ));
  it('mask of rank 5', () =>
    expectError(
      () => sdpa(q, k, v, { mask: { data: new Uint8Array(120), shape: [1, 2, 4, 3, 5] } }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /options\.mask must be broadcastable/,
    ));
  it('out of the wrong shape', () =>
    expectError(
      () => sdpa(q, k, v, { out: z([2, 4, 3, 8]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /options\.out must be \[batch, heads, seqQ, dV\] = \[2, 4, 3, 6\], got \[2, 4, 3, 8\]/,
    ));
  it('weightsOut of the wrong shape', () =>
    expectError(
      () => sdpa(q, k, v, { weightsOut: z([2, 4, 5, 3]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /options\.weightsOut must be \[batch, heads, seqQ, seqK\] = \[2, 4, 3, 5\], got \[2, 4, 5, 3\]/,
    ));
  it('negative dim', () =>
    expectError(
      () => sdpa({ data: new Float32Array(0), shape: [2, -4, 3, 8] }, k, v),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /q\.shape\[1\] must be a non-negative integer, got -4/,
    ));
  it('fractional dim', () =>
    expectError(
      () => sdpa({ data: new Float32Array(0), shape: [2, 4, 1.5, 8] }, k, v),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /q\.shape\[2\] must be a non-negative integer, got 1\.5/,
    ));
  it('NaN dim', () =>
    expectError(
      () => sdpa({ data: new Float32Array(0), shape: [NaN, 4, 3, 8] }, k, v),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /q\.shape\[0\] must be a non-negative integer, got NaN/,
    ));
  it('more than 2^31 elements', () =>
    expectError(
      () => sdpa({ data: new Float32Array(0), shape: [65536, 65536, 1, 1] }, k, v),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /q\.shape \[65536, 65536, 1, 1\] has 4294967296 elements, more than the 2\^31 - 1 supported/,
    ));
  it('scale not finite', () => {
    for (const s of [NaN, Infinity, -Infinity])
      expectError(
        () => sdpa(q, k, v, { scale: s }),
        AttnkitRangeError,
        ErrorCode.VALUE,
        /options\.scale must be a finite number/,
      );
  });
  it('unknown layout', () =>
    expectError(
      () => sdpa(q, k, v, { layout: 'bhds' as never }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /options\.layout must be one of 'bhsd', 'bshd', got 'bhds'/,
    ));
  it('unknown causal alignment', () =>
    expectError(
      () => sdpa(q, k, v, { causal: true, causalAlignment: 'diagonal' as never }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /options\.causalAlignment must be one of/,
    ));
});

describe('overlap -> RangeError', () => {
  it('out overlapping q', () => {
    const buf = new Float32Array(400);
    const qv = { data: buf.subarray(0, 192), shape: [2, 4, 3, 8] };
    expectError(
      () => sdpa(qv, k, v, { out: { data: buf.subarray(100, 244), shape: [2, 4, 3, 6] } }),
      AttnkitRangeError,
      ErrorCode.OVERLAP,
      /options\.out must be memory separate from q, got a view overlapping q/,
    );
  });
  it('out overlapping weightsOut', () => {
    const buf = new Float32Array(400);
    expectError(
      () =>
        sdpa(q, k, v, {
          out: { data: buf.subarray(0, 144), shape: [2, 4, 3, 6] },
          weightsOut: { data: buf.subarray(140, 260), shape: [2, 4, 3, 5] },
        }),
      AttnkitRangeError,
      ErrorCode.OVERLAP,
      /options\.out .*weightsOut/,
    );
  });
  it('weightsOut overlapping the additive mask', () => {
    const buf = new Float32Array(400);
    expectError(
      () =>
        sdpa(q, k, v, {
          mask: { data: buf.subarray(0, 15), shape: [3, 5] },
          weightsOut: { data: buf.subarray(10, 130), shape: [2, 4, 3, 5] },
        }),
      AttnkitRangeError,
      ErrorCode.OVERLAP,
      /options\.weightsOut must be memory separate from options\.mask/,
    );
  });
  it('adjacent, non-overlapping views of one buffer are fine', () => {
    const buf = new Float32Array(192 + 144);
    const got = sdpa({ data: buf.subarray(0, 192), shape: [2, 4, 3, 8] }, k, v, {
      out: { data: buf.subarray(192), shape: [2, 4, 3, 6] },
    });
    expect(got.data.byteOffset).toBe(192 * 4);
  });
});

describe('tensor()', () => {
  it('wraps without copying', () => {
    const d = new Float32Array(6);
    expect(tensor(d, [2, 3]).data).toBe(d);
  });
  it('refuses a length that does not match', () =>
    expectError(
      () => tensor(new Float32Array(5), [2, 3]),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /tensor: data must be of length product\(shape\) = 6 for shape \[2, 3\], got length 5/,
    ));
  it('refuses a non-typed array', () =>
    expectError(
      () => tensor([1, 2] as never, [2]),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /tensor: data must be a Float32Array/,
    ));
});
