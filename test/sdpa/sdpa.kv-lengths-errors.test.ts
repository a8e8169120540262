// Bad kvLengths throw typed errors before any backend runs, naming the argument, what was expected and
// what came; the lengths are read once.
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

const z = (shape: number[]) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5), shape });
// B = 2, Lk = 5.
const q = z([2, 4, 3, 8]);
const k = z([2, 2, 5, 8]);
const v = z([2, 2, 5, 6]);
const sdpa = (options: unknown) => () => scaledDotProductAttention(q, k, v, options as SdpaOptions);
const OP = 'scaledDotProductAttention';
const EXPECTED = `${OP}: options.kvLengths must be an Int32Array or array of 2 integers (one key count per batch entry, each in [0, seqK] = [0, 5])`;

describe('kvLengths', () => {
  for (const [bad, got] of [
    [new Float32Array(2), 'Float32Array(2)'],
    [new Float64Array(2), 'Float64Array(2)'],
    [new Uint32Array(2), 'Uint32Array(2)'],
    [new BigInt64Array(2), 'BigInt64Array(2)'],
    [3, 'number 3'],
    ['2,3', "string '2,3'"],
    [null, 'null'],
    [{ 0: 1, 1: 2, length: 2 }, 'object'],
  ] as const)
    it(`${got} -> TypeError`, () =>
      expectError(sdpa({ kvLengths: bad }), AttnkitTypeError, ErrorCode.TYPE, `${EXPECTED}, got ${got}`));

  for (const n of [0, 1, 3])
    for (const make of [(m: number) => new Int32Array(m), (m: number) => new Array<number>(m).fill(1)])
      it(`length ${n} (${make(0) instanceof Int32Array ? 'Int32Array' : 'array'}) -> RangeError naming expected and got`, () =>
        expectError(
          sdpa({ kvLengths: make(n) }),
          AttnkitRangeError,
          ErrorCode.SHAPE,
          `${OP}: options.kvLengths must be one key count per batch entry: length 2, got length ${n}`,
        ));

  for (const bad of ['1', null, undefined, 2n, true])
    it(`an entry ${String(bad)} -> TypeError naming the index`, () =>
      expectError(
        sdpa({ kvLengths: [3, bad] }),
        AttnkitTypeError,
        ErrorCode.TYPE,
        new RegExp(`^${OP}: options\\.kvLengths\\[1\\] must be an integer in \\[0, seqK\\] = \\[0, 5\\], got `),
      ));

  for (const bad of [-1, 6, 1.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 53])
    it(`an entry ${bad} -> RangeError naming the index and the range`, () =>
      expectError(
        sdpa({ kvLengths: [bad, 2] }),
        AttnkitRangeError,
        ErrorCode.VALUE,
        `${OP}: options.kvLengths[0] must be an integer in [0, seqK] = [0, 5], got ${bad}`,
      ));

  it('a negative Int32Array entry -> RangeError', () =>
    expectError(
      sdpa({ kvLengths: Int32Array.of(2, -3) }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      `${OP}: options.kvLengths[1] must be an integer in [0, seqK] = [0, 5], got -3`,
    ));

  it('3-D inputs: one length per batch entry of [N, L, D]', () =>
    expectError(
      () => scaledDotProductAttention(z([3, 2, 8]), z([3, 5, 8]), z([3, 5, 6]), { kvLengths: [1, 2] }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      `${OP}: options.kvLengths must be one key count per batch entry: length 3, got length 2`,
    ));

  it('bshd: Lk is read from dim 1', () => {
    const kb = z([2, 5, 2, 8]);
    expect(() =>
      scaledDotProductAttention(z([2, 3, 4, 8]), kb, z([2, 5, 2, 6]), { layout: 'bshd', kvLengths: [5, 0] }),
    ).not.toThrow();
    expectError(
      () => scaledDotProductAttention(z([2, 3, 4, 8]), kb, z([2, 5, 2, 6]), { layout: 'bshd', kvLengths: [6, 0] }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /kvLengths\[0\] must be an integer in \[0, seqK\] = \[0, 5\], got 6/,
    );
  });

  it('0, Lk, -0, frozen arrays and a Proxy of an array are accepted', () => {
    for (const kvLengths of [[0, 5], [5, 5], [-0, 3], Object.freeze([1, 2]), new Proxy([4, 1], {})])
      expect(() => sdpa({ kvLengths })()).not.toThrow();
  });

  it('a throwing getter or entry is an ERR_ATTNKIT_TYPE error naming the option', () => {
    const options = Object.defineProperty({}, 'kvLengths', {
      enumerable: true,
      get: () => {
        throw new Error('boom');
      },
    }); // prettier-ignore
    expectError(sdpa(options), AttnkitTypeError, ErrorCode.TYPE, `${OP}: options.kvLengths could not be read: boom`);
    const entry = Object.defineProperty([1, 2], 1, {
      get: () => {
        throw new Error('bang');
      },
    }); // prettier-ignore
    expectError(
      sdpa({ kvLengths: entry }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `${OP}: options.kvLengths[1] could not be read: bang`,
    );
  });

  it('each entry is read once: a getter that changes its answer cannot change the call', () => {
    let reads = 0;
    const lengths = Object.defineProperty([5, 0], 1, { get: () => (reads++ === 0 ? 0 : 99) });
    const out = scaledDotProductAttention(q, k, v, { kvLengths: lengths });
    expect(reads).toBe(1);
    // Entry 1 saw no key: zeros.
    expect(Array.from(out.data.subarray(4 * 3 * 6))).toEqual(new Array(4 * 3 * 6).fill(0));
  });

  it('a misspelt option is refused by name', () =>
    expectError(
      sdpa({ kvLength: [1, 2] }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.kvLength must be one of the known options \(.*kvLengths.*\), got string 'kvLength'/,
    ));

  it('the async form rejects with the same errors', async () => {
    const p = scaledDotProductAttentionAsync(q, k, v, { kvLengths: [1, 6] });
    await expect(p).rejects.toThrow(AttnkitRangeError);
    await expect(p).rejects.toThrow(`${OP}Async: options.kvLengths[1] must be an integer in [0, seqK] = [0, 5], got 6`);
  });
});
