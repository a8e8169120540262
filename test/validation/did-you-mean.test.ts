// A misspelled option key is still refused by name (a coded TypeError), and the closest known name is
// suggested when it is a likely typo; an unknown key far from every name gets no suggestion.
import { describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  KVCache,
  MultiHeadAttention,
  SelfAttention,
  linear,
  linearBackward,
  scaledDotProductAttention,
  scaledDotProductAttentionBackward,
  tensor,
} from '../../src/index';
import { closestName, editDistance } from '../../src/validation/suggest';
import { expectError } from '../helpers/expect-error';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The key an argument name ends with: options.window.lfet → lfet, stateDict['x'] → x. */
const key = (arg: string) => /\['(.*)'\]$/.exec(arg)?.[1] ?? arg.split('.').pop()!;
const t = (shape: number[]) => tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
const q = () => t([1, 2, 3, 4]);

describe('editDistance and closestName', () => {
  it('counts insertions, deletions, substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('scale', 'scale')).toBe(0);
  });
  it('counts a swap of neighbours as one edit', () => expect(editDistance('casual', 'causal')).toBe(1));
  it('suggests only a close, unique name', () => {
    expect(closestName('casual', ['scale', 'causal', 'mask'])).toBe('causal');
    expect(closestName('Causal', ['scale', 'causal'])).toBe('causal');
    expect(closestName('foo', ['scale', 'causal', 'mask'])).toBeUndefined();
    expect(closestName('ab', ['ax', 'ay'])).toBeUndefined(); // two equally close names
    expect(closestName('x'.repeat(1000), ['causal'])).toBeUndefined();
  });
});

describe('misspelled option keys', () => {
  const cache = () => new KVCache({ batch: 1, kvHeads: 2, headDim: 2, maxLength: 8 });
  const cases: [string, () => unknown, string, string][] = [
    [
      'scaledDotProductAttention',
      () => scaledDotProductAttention(q(), q(), q(), { casual: true } as never),
      'options.casual',
      'causal',
    ],
    [
      'scaledDotProductAttention window',
      () => scaledDotProductAttention(q(), q(), q(), { window: { lfet: 1 } } as never),
      'options.window.lfet',
      'left',
    ],
    [
      'scaledDotProductAttentionBackward',
      () => scaledDotProductAttentionBackward(q(), q(), q(), q(), q(), null, { softCap: 5 } as never),
      'options.softCap',
      'softcap',
    ],
    ['linear', () => linear(t([2, 2]), t([2, 2]), null, { outt: t([2, 2]) } as never), 'options.outt', 'out'],
    [
      'linearBackward',
      () => linearBackward(t([2, 2]), t([2, 2]), t([2, 2]), { dXOut: t([2, 2]) } as never),
      'options.dXOut',
      'dxOut',
    ],
    [
      'MultiHeadAttention constructor',
      () => new MultiHeadAttention({ embedDim: 4, numHeads: 2, numKvHead: 1 } as never),
      'options.numKvHead',
      'numKvHeads',
    ],
    [
      'MultiHeadAttention.forward',
      () =>
        new MultiHeadAttention({ embedDim: 4, numHeads: 2 }).forward(t([1, 2, 4]), undefined, undefined, {
          keyPadingMask: null,
        } as never),
      'options.keyPadingMask',
      'keyPaddingMask',
    ],
    [
      'SelfAttention.forward',
      () => new SelfAttention({ embedDim: 4, numHeads: 2 }).forward(t([1, 2, 4]), { lenghts: [2] } as never),
      'options.lenghts',
      'lengths',
    ],
    [
      'KVCache constructor',
      () => new KVCache({ batch: 1, kvHeads: 2, headDim: 2, maxLenght: 8 } as never),
      'options.maxLenght',
      'maxLength',
    ],
    [
      'MultiHeadAttention.loadPyTorch',
      () => new MultiHeadAttention({ embedDim: 4, numHeads: 2 }).loadPyTorch({ out_proj_weight: t([4, 4]) } as never),
      "stateDict['out_proj_weight']",
      'out_proj.weight',
    ],
    [
      'KVCache.append',
      () => cache().append(t([1, 2, 1, 2]), t([1, 2, 1, 2]), { count: [1] } as never),
      'options.count',
      'counts',
    ],
  ];
  for (const [name, fn, arg, near] of cases)
    it(`${name}: ${arg} suggests '${near}'`, () =>
      expectError(
        fn,
        AttnkitTypeError,
        ErrorCode.TYPE,
        new RegExp(
          `${escapeRegExp(arg)} must be one of the (known options|expected names) \\(.*\\), got string '${escapeRegExp(key(arg))}'; did you mean '${escapeRegExp(near)}'\\?$`,
        ),
      ));

  it('an unknown key far from every option is refused as before, with no suggestion', () => {
    expectError(
      () => scaledDotProductAttention(q(), q(), q(), { foo: 1 } as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.foo must be one of the known options \(scale, causal, .*\), got string 'foo'$/,
    );
  });

  it("a misspelled layout value suggests the layout ('bsdh' → 'bshd')", () =>
    expectError(
      () => scaledDotProductAttention(q(), q(), q(), { layout: 'bsdh' as never }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      "scaledDotProductAttention: options.layout must be one of 'bhsd', 'bshd', got 'bsdh'; did you mean 'bshd'?",
    ));
});
