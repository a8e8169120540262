// Bad score options (softcap, window, alibiSlopes, relativeBias, sinks) throw typed errors before any
// backend runs, naming the argument, what was expected and what came.
import { describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  scaledDotProductAttention,
  scaledDotProductAttentionAsync,
  type SdpaOptions,
} from '../../src/index';
import { expectError } from '../helpers/expect-error';

const z = (shape: number[]) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });
// Hq = 4, Lq = 3, Lk = 5: per-head vectors have length 4, relative bias rows Lq + Lk − 1 = 7.
const q = z([2, 4, 3, 8]);
const k = z([2, 2, 5, 8]);
const v = z([2, 2, 5, 6]);
const sdpa = (options: unknown) => () => scaledDotProductAttention(q, k, v, options as SdpaOptions);
const OP = 'scaledDotProductAttention';

describe('softcap', () => {
  it('not a number -> TypeError', () =>
    expectError(
      sdpa({ softcap: '30' }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: options.softcap must be a finite number >= 0 (0 = off), got string '30'`,
    ));
  // The kernels compute in float32: values that round to 0, a subnormal or Infinity there are refused.
  for (const bad of [-1, NaN, Infinity, -Infinity, 1e-46, 1e-40, 1e39])
    it(`${bad} -> RangeError`, () =>
      expectError(
        sdpa({ softcap: bad }),
        AttnkitRangeError,
        ErrorCode.VALUE,
        `${OP}: options.softcap must be 0 (off) or a finite number >= 2^-126 (a normal float32), got ${bad}`,
      ));
  it('0 is accepted (off)', () => expect(() => sdpa({ softcap: 0 })()).not.toThrow());
});

describe('window', () => {
  for (const [bad, got] of [
    [3, 'number 3'],
    [null, 'null'],
    [[1, 2], 'array [1, 2]'],
    ['left', "string 'left'"],
  ] as const)
    it(`window ${JSON.stringify(bad)} -> TypeError`, () =>
      expectError(
        sdpa({ window: bad }),
        AttnkitTypeError,
        ErrorCode.TYPE,
        `${OP}: options.window must be an object { left?, right? }, got ${got}`,
      ));
  it('an unknown key is named', () =>
    expectError(
      sdpa({ window: { left: 2, size: 4 } }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: options.window.size must be one of the known options (left, right), got string 'size'`,
    ));
  it('a side that is not a number -> TypeError', () =>
    expectError(
      sdpa({ window: { right: '2' } }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: options.window.right must be a non-negative integer (keys) or undefined for unbounded, got string '2'`,
    ));
  it('null for a side is not "unbounded" (leave it out)', () =>
    expectError(
      sdpa({ window: { left: null } }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.window\.left must be a non-negative integer .*got null/,
    ));
  for (const [side, bad] of [
    ['left', -1],
    ['right', -3],
    ['left', 1.5],
    ['right', 0.25],
    ['left', NaN],
    ['right', Infinity],
  ] as const)
    it(`${side} ${bad} -> RangeError`, () =>
      expectError(
        sdpa({ window: { [side]: bad } }),
        AttnkitRangeError,
        ErrorCode.VALUE,
        `${OP}: options.window.${side} must be a non-negative integer, got ${bad}`,
      ));
  it('an empty window and zero sides are accepted', () => {
    expect(() => sdpa({ window: {} })()).not.toThrow();
    expect(() => sdpa({ window: { left: 0, right: 0 } })()).not.toThrow();
  });
});

describe('alibiSlopes and sinks (one number per query head)', () => {
  for (const arg of ['alibiSlopes', 'sinks'] as const) {
    it(`${arg} of the wrong type -> TypeError`, () => {
      const expected = `${OP}: options.${arg} must be a Float32Array, Float64Array or array of 4 numbers (one per query head)`;
      expectError(sdpa({ [arg]: 0.5 }), AttnkitTypeError, ErrorCode.TYPE, `${expected}, got number 0.5`);
      expectError(
        sdpa({ [arg]: new Int32Array(4) }),
        AttnkitTypeError,
        ErrorCode.TYPE,
        `${expected}, got Int32Array(4)`,
      );
    });
    for (const n of [3, 5, 0])
      it(`${arg} of length ${n} -> RangeError naming expected and got`, () =>
        expectError(
          sdpa({ [arg]: new Float32Array(n) }),
          AttnkitRangeError,
          ErrorCode.SHAPE,
          `${OP}: options.${arg} must be one number per query head: length 4, got length ${n}`,
        ));
    it(`${arg} with a non-number entry -> TypeError naming the index`, () =>
      expectError(
        sdpa({ [arg]: [0.1, 0.2, '0.3', 0.4] }),
        AttnkitTypeError,
        ErrorCode.TYPE,
        `${OP}: options.${arg}[2] must be a finite number, got string '0.3'`,
      ));
    for (const bad of [NaN, Infinity, 1e39])
      it(`${arg} with ${bad} -> RangeError naming the index`, () =>
        expectError(
          sdpa({ [arg]: Float64Array.of(0.1, bad, 0.3, 0.4) }),
          AttnkitRangeError,
          ErrorCode.VALUE,
          `${OP}: options.${arg}[1] must be a finite float32 number, got ${bad}`,
        ));
  }
  it('3-D inputs have one head', () =>
    expectError(
      () => scaledDotProductAttention(z([2, 3, 8]), z([2, 5, 8]), z([2, 5, 6]), { sinks: [1, 2] }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: options.sinks must be one number per query head: length 1, got length 2`,
    ));
});

describe('relativeBias', () => {
  const expected = `${OP}: options.relativeBias must be [heads, seqQ + seqK - 1] = [4 or 1, 7]`;
  for (const shape of [[4, 8], [2, 7], [4, 7, 1], [28]])
    it(`shape ${JSON.stringify(shape)} -> RangeError`, () =>
      expectError(
        sdpa({ relativeBias: z(shape) }),
        AttnkitRangeError,
        ErrorCode.SHAPE,
        `${expected}, got [${shape.join(', ')}]`,
      ));
  it('not a tensor -> TypeError', () =>
    expectError(
      sdpa({ relativeBias: new Float32Array(28) }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.relativeBias must be a tensor \{ data: Float32Array, shape: number\[\] \}, got Float32Array\(28\)/,
    ));
  it('Float64Array data -> TypeError', () =>
    expectError(
      sdpa({ relativeBias: { data: new Float64Array(28), shape: [4, 7] } }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: options.relativeBias.data must be a Float32Array, got Float64Array(28)`,
    ));
  it('data length not matching its shape -> RangeError', () =>
    expectError(
      sdpa({ relativeBias: { data: new Float32Array(27), shape: [4, 7] } }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /options\.relativeBias\.data must be of length product\(shape\) = 28 for shape \[4, 7\], got length 27/,
    ));
  for (const [bad, at] of [
    [NaN, 5],
    [Infinity, 0],
    [-Infinity, 27],
  ] as const)
    it(`${bad} at index ${at} -> RangeError naming the value and index`, () => {
      const t = z([4, 7]);
      t.data[at] = bad;
      expectError(
        sdpa({ relativeBias: t }),
        AttnkitRangeError,
        ErrorCode.VALUE,
        `${OP}: options.relativeBias must be finite values (mask keys with options.mask), got ${bad} at index ${at}`,
      );
    });
  it('out overlapping the relative bias -> RangeError', () => {
    const buf = new Float32Array(200);
    expectError(
      sdpa({
        relativeBias: { data: buf.subarray(0, 28), shape: [4, 7] },
        out: { data: buf.subarray(20, 164), shape: [2, 4, 3, 6] },
      }),
      AttnkitRangeError,
      ErrorCode.OVERLAP,
      /options\.out must be memory separate from options\.relativeBias/,
    );
  });
  it('[4, 7] and [1, 7] are accepted', () => {
    expect(() => sdpa({ relativeBias: z([4, 7]) })()).not.toThrow();
    expect(() => sdpa({ relativeBias: z([1, 7]) })()).not.toThrow();
  });
});

describe('async', () => {
  it('rejects with the same errors', async () => {
    const p = scaledDotProductAttentionAsync(q, k, v, { sinks: [1, 2, 3] });
    await expect(p).rejects.toThrow(AttnkitRangeError);
    await expect(p).rejects.toThrow(
      `${OP}Async: options.sinks must be one number per query head: length 4, got length 3`,
    );
  });
});
