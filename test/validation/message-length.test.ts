// What an error message quotes from the caller is capped: a 1M-element array, a 1M-character string or key,
// or a getter's huge error gives a message under 500 characters that still names the argument.
import { describe, expect, it } from 'vitest';
import { AttnkitTypeError, MultiHeadAttention, linear, scaledDotProductAttention, tensor } from '../../src/index';
import { clip } from '../../src/validation/quote';

const MILLION = 1_000_000;
const bigArray = () => new Array<number>(MILLION).fill(0.123456789);
const bigString = () => 'x'.repeat(MILLION);
const t = (shape: number[]) => tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
const q = () => t([1, 2, 3, 4]);

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a throw');
}

describe('error messages stay short whatever the caller passed', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['a plain array as tensor data', () => tensor(bigArray() as never, [1000, 1000]), /^tensor: data must be/],
    [
      'a plain array as q.data',
      () => scaledDotProductAttention({ data: bigArray(), shape: [1, 1, 1000, 1000] } as never, q(), q()),
      /q\.data must be a Float32Array/,
    ],
    ['a plain array as linear x', () => linear(bigArray() as never, t([2, 2])), /^linear: x must be/],
    [
      'a plain array as an attention mask',
      () => scaledDotProductAttention(q(), q(), q(), { mask: bigArray() as never }),
      /options\.mask/,
    ],
    [
      'a huge string as layout',
      () => scaledDotProductAttention(q(), q(), q(), { layout: bigString() as never }),
      /options\.layout must be one of 'bhsd', 'bshd', got 'x+…x+ \(1000000 characters\)'$/,
    ],
    [
      'a huge string as causalAlignment',
      () => scaledDotProductAttention(q(), q(), q(), { causalAlignment: bigString() as never }),
      /options\.causalAlignment/,
    ],
    [
      'a huge unknown option key',
      () => scaledDotProductAttention(q(), q(), q(), { [bigString()]: 1 } as never),
      /must be one of the known options/,
    ],
    ['a huge string in a shape', () => tensor(new Float32Array(1), [1, bigString()] as never), /shape\[1\] must be/],
    [
      'a getter that throws a huge error',
      () =>
        scaledDotProductAttention(
          q(),
          q(),
          q(),
          Object.defineProperty({}, 'scale', {
            enumerable: true,
            get: () => {
              throw new Error(bigString());
            },
          }),
        ),
      /options\.scale could not be read/,
    ],
    [
      'a huge string as a layer option',
      () =>
        new MultiHeadAttention({ embedDim: 4, numHeads: 2 }).forward(t([1, 2, 4]), undefined, undefined, {
          causal: bigString() as never,
        }),
      /options\.causal must be/,
    ],
  ];
  for (const [name, fn, pattern] of cases)
    it(name, () => {
      const message = messageOf(fn);
      expect(message.length).toBeLessThan(500);
      expect(message).toMatch(pattern);
    });

  it('a 1M-element array as tensor data is a coded TypeError quoting a few elements', () => {
    let caught: unknown;
    try {
      scaledDotProductAttention({ data: bigArray(), shape: [1, 1, 1000, 1000] } as never, q(), q());
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AttnkitTypeError);
    expect((caught as AttnkitTypeError).code).toBe('ERR_ATTNKIT_TYPE');
    expect((caught as Error).message).toBe(
      'scaledDotProductAttention: q.data must be a Float32Array, got array [0.123456789, 0.123456789, 0.123456789, 0.123456789, 0.123456789, 0.123456789, 0.123456789, 0.123456789, …]',
    );
  });
});

describe('clip', () => {
  it('keeps short text as it is', () => expect(clip('causal')).toBe('causal'));
  it('keeps the head and the tail of long text, and says how long it was', () =>
    expect(clip('abcdefghij', 4)).toBe('ab…ij (10 characters)'));
});
