// Every bad backward call throws a coded error naming the argument and the expected shape, before
// anything is written; the forward's arguments and options get the forward's own checks and words.
import { describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  scaledDotProductAttentionBackward as backward,
  scaledDotProductAttentionBackwardAsync as backwardAsync,
  type SdpaBackwardOptions,
  type Tensor,
} from '../../src/index';
import { expectError } from '../helpers/expect-error';

const OP = 'scaledDotProductAttentionBackward';
const z = (shape: number[], fill = 0): Tensor => ({
  data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill),
  shape,
});
// q [2, 4, 3, 8], k [2, 2, 5, 8], v [2, 2, 5, 6]: result and dOut [2, 4, 3, 6], lse [2, 4, 3].
const q = z([2, 4, 3, 8]);
const k = z([2, 2, 5, 8]);
const v = z([2, 2, 5, 6]);
const out = z([2, 4, 3, 6]);
const dOut = z([2, 4, 3, 6]);
const lse = z([2, 4, 3]);
type Args = Partial<Record<'dOut' | 'q' | 'k' | 'v' | 'out' | 'lse', unknown>>;
/** A backward call on the valid arguments above with some replaced (an explicit undefined included). */
function call(o: SdpaBackwardOptions, args: Args = {}): () => unknown {
  const pick = (name: keyof Args, fallback: Tensor) => (name in args ? args[name] : fallback) as Tensor;
  return () =>
    backward(pick('dOut', dOut), pick('q', q), pick('k', k), pick('v', v), pick('out', out), pick('lse', lse), o);
}

describe('the arguments the forward does not have', () => {
  it('dOut that is not a tensor', () =>
    expectError(
      call({}, { dOut: 3 }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: dOut must be a tensor { data: Float32Array, shape: number[] }, got number 3`,
    ));
  it('dOut of another dtype', () =>
    expectError(
      call({}, { dOut: { data: new Float64Array(144), shape: [2, 4, 3, 6] } }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: dOut.data must be a Float32Array, got Float64Array(144)`,
    ));
  it("dOut of another shape than the forward's result", () =>
    expectError(
      call({}, { dOut: z([2, 4, 3, 8]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: dOut must be [batch, heads, seqQ, dV] = [2, 4, 3, 6] (the forward result's shape), got [2, 4, 3, 8]`,
    ));
  it('dOut in bshd names its axes in bshd order', () =>
    expectError(
      call({ layout: 'bshd' }, { q: z([2, 3, 4, 8]), k: z([2, 5, 2, 8]), v: z([2, 5, 2, 6]), out: z([2, 3, 4, 6]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /dOut must be \[batch, seqQ, heads, dV\] = \[2, 3, 4, 6\]/,
    ));
  it('out null', () =>
    expectError(
      call({}, { out: null }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: out must be a tensor { data: Float32Array, shape: number[] }, got null`,
    ));
  it('out missing', () =>
    expectError(
      call({}, { out: undefined as never }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: out must be a tensor { data: Float32Array, shape: number[] }, got undefined`,
    ));
  it('out of another dtype', () =>
    expectError(
      call({}, { out: { data: new Uint8Array(144), shape: [2, 4, 3, 6] } }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: out.data must be a Float32Array, got Uint8Array(144)`,
    ));
  it("out of another shape than the forward's result", () =>
    expectError(
      call({}, { out: z([2, 4, 6, 3]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: out must be [batch, heads, seqQ, dV] = [2, 4, 3, 6], got [2, 4, 6, 3]`,
    ));
  it('out whose length disagrees with its shape', () =>
    expectError(
      call({}, { out: { data: new Float32Array(5), shape: [2, 4, 3, 6] } }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: out.data must be of length product(shape) = 144 for shape [2, 4, 3, 6], got length 5`,
    ));
  it('lse of the wrong shape', () =>
    expectError(
      call({}, { lse: z([2, 4, 3, 1]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: lse must be [batch, heads, seqQ] = [2, 4, 3], got [2, 4, 3, 1]`,
    ));
  it('lse of bshd inputs is still [batch, heads, seqQ]', () =>
    expectError(
      call(
        { layout: 'bshd' },
        {
          q: z([2, 3, 4, 8]),
          k: z([2, 5, 2, 8]),
          v: z([2, 5, 2, 6]),
          out: z([2, 3, 4, 6]),
          dOut: z([2, 3, 4, 6]),
          lse: z([2, 3, 4]),
        },
      ),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /lse must be \[batch, heads, seqQ\] = \[2, 4, 3\], got \[2, 3, 4\]/,
    ));
  it('lse of 3-D inputs is [batch, seqQ]', () =>
    expectError(
      call(
        {},
        { q: z([2, 3, 8]), k: z([2, 5, 8]), v: z([2, 5, 6]), out: z([2, 3, 6]), dOut: z([2, 3, 6]), lse: z([2, 1, 3]) },
      ),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: lse must be [batch, seqQ] = [2, 3], got [2, 1, 3]`,
    ));
  it('lse of another dtype', () =>
    expectError(
      call({}, { lse: { data: new Float64Array(24), shape: [2, 4, 3] } }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: lse.data must be a Float32Array, got Float64Array(24)`,
    ));
});

describe("the forward's arguments and options: the forward's checks", () => {
  it('q that is not a tensor', () =>
    expectError(
      call({}, { q: null }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /^scaledDotProductAttentionBackward: q must be a tensor/,
    ));
  it('k with another D', () =>
    expectError(
      call({}, { k: z([2, 2, 5, 7]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: k must be [batch, kvHeads, seqK, dHead] = [2, *, *, 8], got [2, 2, 5, 7]`,
    ));
  it('v with another Lk', () =>
    expectError(
      call({}, { v: z([2, 2, 4, 6]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /v must be \[batch, kvHeads, seqK, dV\] = \[2, 2, 5, \*\], got \[2, 2, 4, 6\]/,
    ));
  it('Hq not a multiple of Hkv', () =>
    expectError(
      call({}, { q: z([2, 3, 3, 8]), out: z([2, 3, 3, 6]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /k must be a head count dividing q's 3 heads/,
    ));
  it('a misspelled option', () =>
    expectError(
      call({ casual: true } as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /^scaledDotProductAttentionBackward: options\.casual must be one of the known options \(scale, causal, .*dRelativeBiasOut\)/,
    ));
  it('a forward option the backward does not support yet is refused, not ignored', () =>
    expectError(
      call({ kvLengths: [5, 5] } as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.kvLengths must be one of the known options/,
    ));
  it('scale not finite', () =>
    expectError(call({ scale: NaN }), AttnkitRangeError, ErrorCode.VALUE, /options\.scale must be a finite number/));
  it('causal not a boolean', () =>
    expectError(
      call({ causal: 1 as never }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: options.causal must be a boolean, got number 1`,
    ));
  it('unknown alignment', () =>
    expectError(
      call({ causalAlignment: 'left' as never }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /options\.causalAlignment must be one of 'bottom-right', 'top-left', got 'left'/,
    ));
  it('unknown layout', () =>
    expectError(
      call({ layout: 'bhds' as never }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /options\.layout must be one of 'bhsd', 'bshd', got 'bhds'/,
    ));
  it('unknown compute', () =>
    expectError(
      call({ compute: 'fp16' as never }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /options\.compute must be one of 'fp32', 'bf16'/,
    ));
  it('non-broadcastable mask', () =>
    expectError(
      call({ mask: { data: new Uint8Array(12), shape: [3, 4] } }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /options\.mask must be broadcastable to \[batch, heads, seqQ, seqK\] = \[2, 4, 3, 5\], got \[3, 4\]/,
    ));
  it('negative softcap', () =>
    expectError(
      call({ softcap: -1 }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /options\.softcap must be 0 \(off\) or a finite number/,
    ));
  it('fractional window', () =>
    expectError(
      call({ window: { left: 1.5 } }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /options\.window\.left must be a non-negative integer, got 1\.5/,
    ));
  it('ALiBi slopes of the wrong length', () =>
    expectError(
      call({ alibiSlopes: [1, 2] }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /options\.alibiSlopes must be one number per query head: length 4, got length 2/,
    ));
  it('sinks of the wrong length', () =>
    expectError(
      call({ sinks: [1] }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /options\.sinks must be one number per query head: length 4, got length 1/,
    ));
  it('relativeBias of the wrong shape', () =>
    expectError(
      call({ relativeBias: z([4, 8]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /options\.relativeBias must be \[heads, seqQ \+ seqK - 1\] = \[4 or 1, 7\], got \[4, 8\]/,
    ));
  it('relativeBias of another dtype', () =>
    expectError(
      call({ relativeBias: { data: new Float64Array(28), shape: [4, 7] } as never }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.relativeBias\.data must be a Float32Array, got Float64Array\(28\)/,
    ));
  it('options that is not an object', () =>
    expectError(call(5 as never), AttnkitTypeError, ErrorCode.TYPE, `${OP}: options must be an object, got number 5`));
});

describe('gradient buffers', () => {
  it('dqOut of the wrong shape', () =>
    expectError(
      call({ dqOut: z([2, 4, 3, 6]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: options.dqOut must be q's shape [2, 4, 3, 8], got [2, 4, 3, 6]`,
    ));
  it('dkOut of another dtype', () =>
    expectError(
      call({ dkOut: { data: new Float64Array(160), shape: [2, 2, 5, 8] } as never }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: options.dkOut.data must be a Float32Array, got Float64Array(160)`,
    ));
  it('dvOut of the wrong shape', () =>
    expectError(
      call({ dvOut: z([2, 4, 5, 6]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: options.dvOut must be v's shape [2, 2, 5, 6], got [2, 4, 5, 6]`,
    ));
  it('dSinksOut without sinks', () =>
    expectError(
      call({ dSinksOut: z([4]) }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: options.dSinksOut must be undefined without options.sinks, got object`,
    ));
  it('dSinksOut of the wrong shape', () =>
    expectError(
      call({ sinks: [0, 0, 0, 0], dSinksOut: z([1, 4]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: options.dSinksOut must be [heads] [4], got [1, 4]`,
    ));
  it('dRelativeBiasOut without relativeBias', () =>
    expectError(
      call({ dRelativeBiasOut: z([4, 7]) }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: options.dRelativeBiasOut must be undefined without options.relativeBias, got object`,
    ));
  it("dRelativeBiasOut of another shape than the table's (a shared [1, …] table)", () =>
    expectError(
      call({ relativeBias: z([1, 7]), dRelativeBiasOut: z([4, 7]) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: options.dRelativeBiasOut must be options.relativeBias's shape [1, 7], got [4, 7]`,
    ));
});

describe('overlap -> RangeError', () => {
  const buf = new Float32Array(1000);
  const at = (offset: number, shape: number[]): Tensor => ({
    data: buf.subarray(offset, offset + shape.reduce((a, b) => a * b, 1)),
    shape,
  });
  it('dqOut overlapping q', () => {
    const qq = at(0, [2, 4, 3, 8]);
    expectError(
      call({ dqOut: at(100, [2, 4, 3, 8]) }, { q: qq }),
      AttnkitRangeError,
      ErrorCode.OVERLAP,
      `${OP}: options.dqOut must be memory separate from q, got a view overlapping q`,
    );
  });
  it('dvOut overlapping dOut', () =>
    expectError(
      call({ dvOut: at(0, [2, 2, 5, 6]) }, { dOut: at(100, [2, 4, 3, 6]) }),
      AttnkitRangeError,
      ErrorCode.OVERLAP,
      /options\.dvOut must be memory separate from dOut/,
    ));
  it('dkOut overlapping lse', () =>
    expectError(
      call({ dkOut: at(0, [2, 2, 5, 8]) }, { lse: at(10, [2, 4, 3]) }),
      AttnkitRangeError,
      ErrorCode.OVERLAP,
      /options\.dkOut must be memory separate from lse/,
    ));
  it('dkOut overlapping dqOut', () =>
    expectError(
      call({ dqOut: at(0, [2, 4, 3, 8]), dkOut: at(190, [2, 2, 5, 8]) }),
      AttnkitRangeError,
      ErrorCode.OVERLAP,
      `${OP}: options.dkOut must be memory separate from options.dqOut, got a view overlapping options.dqOut`,
    ));
  it('dRelativeBiasOut overlapping relativeBias', () =>
    expectError(
      call({ relativeBias: at(0, [4, 7]), dRelativeBiasOut: at(20, [4, 7]) }),
      AttnkitRangeError,
      ErrorCode.OVERLAP,
      /options\.dRelativeBiasOut must be memory separate from options\.relativeBias/,
    ));
  it('out overlapping q (the forward never produces one)', () =>
    expectError(
      call({}, { q: at(0, [2, 4, 3, 8]), out: at(150, [2, 4, 3, 6]) }),
      AttnkitRangeError,
      ErrorCode.OVERLAP,
      `${OP}: out must be memory separate from q, got a view overlapping q`,
    ));
  it('inputs may share memory with each other (dOut = out)', () =>
    expect(() => call({}, { dOut: out })()).not.toThrow());
});

describe('nothing is written on a bad call', () => {
  it('buffers given before the failing argument keep their contents', () => {
    const dqOut = z([2, 4, 3, 8], 7);
    const dkOut = z([2, 2, 5, 8], 7);
    expectError(call({ dqOut, dkOut, dvOut: z([1]) }), AttnkitRangeError, ErrorCode.SHAPE, /options\.dvOut must be/);
    expect(dqOut.data.every((x) => x === 7) && dkOut.data.every((x) => x === 7)).toBe(true);
  });
});

describe('async', () => {
  it('rejects with the same errors, named by the async call', async () => {
    await expect(backwardAsync(dOut, q, k, v, z([2, 4, 3, 8]), lse)).rejects.toThrow(
      /^scaledDotProductAttentionBackwardAsync: out must be \[batch, heads, seqQ, dV\] = \[2, 4, 3, 6\]/,
    );
    await expect(backwardAsync(dOut, q, k, v, out, lse, { dqOut: z([1]) })).rejects.toMatchObject({
      code: ErrorCode.SHAPE,
    });
  });
  it('refuses a view of a resizable ArrayBuffer', async () => {
    const Resizable = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
    let resizable: ArrayBuffer;
    try {
      resizable = new Resizable(4 * 192, { maxByteLength: 4 * 400 });
    } catch {
      return; // Node without resizable ArrayBuffers
    }
    if ((resizable as { resizable?: boolean }).resizable !== true) return;
    const dqOut = { data: new Float32Array(resizable, 0, 192), shape: [2, 4, 3, 8] };
    await expect(backwardAsync(dOut, q, k, v, out, lse, { dqOut })).rejects.toMatchObject({
      code: ErrorCode.TYPE,
      message: expect.stringMatching(/options\.dqOut\.data is a view of a resizable ArrayBuffer/),
    });
  });
});
