// toFloat16 / toBFloat16 / toFloat32 against an independent oracle: the float16 (bfloat16) values are
// enumerated from their definition (sign, exponent, mantissa as real numbers), and the right answer for
// x is the nearest one, ties to the even mantissa, Infinity past the largest finite value's half ulp.
import { describe, expect, it } from 'vitest';
import { AttnkitRangeError, AttnkitTypeError, ErrorCode, toBFloat16, toFloat16, toFloat32 } from '../../src/index';
import { expectError } from '../helpers/expect-error';
import { rng } from '../helpers/random';

/** The value of 16-bit pattern h in a format with `mbits` mantissa bits and exponent bias `bias`. */
function decode(h: number, mbits: number, bias: number): number {
  const ebits = 15 - mbits;
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> mbits) & ((1 << ebits) - 1);
  const mant = h & ((1 << mbits) - 1);
  if (exp === (1 << ebits) - 1) return mant ? NaN : sign * Infinity;
  if (exp === 0) return sign * mant * 2 ** (1 - bias - mbits);
  return sign * (1 + mant / 2 ** mbits) * 2 ** (exp - bias);
}

/** expect(got, label).toBe(want), reached only when they differ: an expect per value (some 300 000 here) took seconds. */
function is(got: unknown, want: unknown, label?: string): void {
  if (!Object.is(got, want)) expect(got, label).toBe(want);
}

const F16 = { mbits: 10, bias: 15 };
const BF16 = { mbits: 7, bias: 127 };

/** The nearest pattern to x among the finite non-negative patterns, by bisection on the ordered values. */
function nearest(x: number, fmt: { mbits: number; bias: number }): number {
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  const maxFinite = (((1 << (15 - fmt.mbits)) - 2) << fmt.mbits) | ((1 << fmt.mbits) - 1);
  const top = decode(maxFinite, fmt.mbits, fmt.bias);
  const ulpTop = top - decode(maxFinite - 1, fmt.mbits, fmt.bias);
  if (a >= top + ulpTop / 2) return sign | ((maxFinite + 1) & 0x7fff); // Infinity
  let lo = 0,
    hi = maxFinite; // prettier-ignore
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (decode(mid, fmt.mbits, fmt.bias) <= a) lo = mid;
    else hi = mid;
  }
  const dl = a - decode(lo, fmt.mbits, fmt.bias);
  const dh = decode(hi, fmt.mbits, fmt.bias) - a;
  const pick = dl < dh ? lo : dh < dl ? hi : lo % 2 === 0 ? lo : hi;
  return sign | pick;
}

function randomFloats(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) bits[i] = Math.floor(r() * 2 ** 32) >>> 0;
  const xs = new Float32Array(bits.buffer);
  // Also plain numbers around float16's range: subnormals, ties and overflow are there.
  for (let i = 0; i < n / 2; i++) xs[i] = (r() - 0.5) * 2 ** (Math.floor(r() * 50) - 30);
  return xs;
}

describe('toFloat16', () => {
  it('rounds 20 000 float32 values to the nearest float16, ties to even', () => {
    const xs = randomFloats(20_000, 1);
    const got = toFloat16(xs);
    for (let i = 0; i < xs.length; i++) {
      if (Number.isNaN(xs[i])) is(Number.isNaN(decode(got[i], 10, 15)), true);
      else is(got[i], nearest(xs[i], F16), `x = ${xs[i]}`);
    }
  });
  it('ties, the subnormal edge and overflow', () => {
    const cases = [
      1 + 2 ** -11,
      1 + 3 * 2 ** -11,
      2 ** -25,
      3 * 2 ** -26,
      2 ** -24,
      65504,
      65519.99,
      65520,
      1e6,
      -0,
      0,
      Infinity,
      -Infinity,
    ];
    const got = toFloat16(cases);
    cases.forEach((x, i) => is(got[i], nearest(x, F16), `x = ${x}`));
  });
  it('every float16 value survives the round trip through float32 exactly', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = toFloat16(toFloat32(all, 'float16'));
    for (let h = 0; h < 65536; h++) {
      if (Number.isNaN(decode(h, 10, 15))) is(Number.isNaN(decode(back[h], 10, 15)), true);
      else is(back[h], h);
    }
  });
});

describe('toBFloat16', () => {
  it('rounds 20 000 float32 values to the nearest bfloat16, ties to even', () => {
    const xs = randomFloats(20_000, 2);
    const got = toBFloat16(xs);
    for (let i = 0; i < xs.length; i++) {
      if (Number.isNaN(xs[i])) is(Number.isNaN(decode(got[i], 7, 127)), true);
      else is(got[i], nearest(xs[i], BF16), `x = ${xs[i]}`);
    }
  });
  it('every bfloat16 value survives the round trip through float32 exactly', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const values = toFloat32(all, 'bfloat16');
    for (let h = 0; h < 65536; h++) {
      const want = decode(h, 7, 127);
      if (Number.isNaN(want)) is(Number.isNaN(values[h]), true);
      else is(values[h], want);
    }
    const back = toBFloat16(values);
    for (let h = 0; h < 65536; h++) if (!Number.isNaN(values[h])) is(back[h], h);
  });
});

describe('toFloat32', () => {
  it('decodes float16 patterns to their exact values', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const values = toFloat32(all, 'float16');
    for (let h = 0; h < 65536; h++) {
      const want = decode(h, 10, 15);
      if (Number.isNaN(want)) is(Number.isNaN(values[h]), true);
      else is(values[h], want);
    }
  });
  it('writes into out (a view with an offset) and returns it', () => {
    const backing = new Float32Array(10);
    const out = backing.subarray(3, 6);
    expect(toFloat32(new Uint16Array([0x3c00, 0xc000, 0x7c00]), 'float16', out)).toBe(out);
    expect(Array.from(backing)).toEqual([0, 0, 0, 1, -2, Infinity, 0, 0, 0, 0]);
  });
});

describe('argument errors', () => {
  it('a wrong input type', () =>
    expectError(
      () => toFloat16('x' as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      "toFloat16: x must be a Float32Array, Float64Array or array of numbers, got string 'x'",
    ));
  it('an out of the wrong length', () =>
    expectError(
      () => toBFloat16(new Float32Array(4), new Uint16Array(3)),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'toBFloat16: out must be of length 4 (one entry per input), got length 3',
    ));
  it('an unknown dtype', () =>
    expectError(
      () => toFloat32(new Uint16Array(2), 'half' as never),
      AttnkitRangeError,
      ErrorCode.VALUE,
      "toFloat32: dtype must be 'float16' or 'bfloat16', got 'half'",
    ));
  it('an out overlapping the input', () => {
    const buf = new ArrayBuffer(64);
    expectError(
      () => toFloat32(new Uint16Array(buf, 0, 8), 'float16', new Float32Array(buf, 0, 8)),
      AttnkitRangeError,
      ErrorCode.OVERLAP,
      /toFloat32: out must be memory separate from x/,
    );
  });
  it('a Uint16Array posing as a Float32Array is refused', () => {
    const spoof = new Uint16Array(4);
    Object.setPrototypeOf(spoof, Float32Array.prototype);
    expectError(
      () => toFloat16(spoof as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /toFloat16: x must be a Float32Array/,
    );
  });
});
