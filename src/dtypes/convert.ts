// toFloat16 / toBFloat16 / toFloat32: the public conversions between float32 numbers and the 16-bit
// formats a half-precision KV cache stores, with the argument checks every attnkit function has.
import { ErrorCode } from '../errors';
import { shapeError, typeError, valueError } from '../validation/error-factory';
import { checkNoOverlap } from '../validation/overlap';
import { copyArray, isArray, plainView, typedArrayKind, typedArrayLength } from '../validation/snapshot';
import { MAX_ELEMENTS } from '../validation/tensor-checks';
import { bfloat16ArrayToFloat32, bfloat16Bits, float16ArrayToFloat32, float16Bits } from './half';

/** The 16-bit floating-point formats: IEEE binary16, and bfloat16 (float32's exponent, 7 mantissa bits). */
export type HalfDtype = 'float16' | 'bfloat16';

type Numbers = Float32Array | Float64Array | readonly number[];

function numbersOf(op: string, x: unknown): ArrayLike<number> {
  const kind = typedArrayKind(x);
  if (kind === 'Float32Array') return plainView(op, 'x', x as Float32Array);
  if (kind === 'Float64Array') return plainView(op, 'x', x as Float64Array);
  if (typeof x === 'object' && x !== null && isArray(op, 'x', x)) {
    const xs = copyArray(op, 'x', x, MAX_ELEMENTS, 'an array of numbers');
    for (let i = 0; i < xs.length; i++)
      if (typeof xs[i] !== 'number') throw typeError(op, `x[${i}]`, 'a number', xs[i]);
    return xs as number[];
  }
  throw typeError(op, 'x', 'a Float32Array, Float64Array or array of numbers', x);
}

function outputOf<T extends Uint16Array | Float32Array>(
  op: string,
  out: unknown,
  n: number,
  kind: 'Uint16Array' | 'Float32Array',
  input: ArrayLike<number>,
): T {
  if (out === undefined) return (kind === 'Uint16Array' ? new Uint16Array(n) : new Float32Array(n)) as T;
  if (typedArrayKind(out) !== kind) throw typeError(op, 'out', `a ${kind}`, out);
  const length = typedArrayLength(out as T);
  if (length !== n) throw shapeError(op, 'out', `of length ${n} (one entry per input)`, `length ${length}`);
  const view = plainView(op, 'out', out as T);
  if (ArrayBuffer.isView(input)) checkNoOverlap(op, 'out', view, { x: input as unknown as ArrayBufferView });
  return view;
}

function convert(op: string, x: unknown, out: unknown, bits: (v: number) => number): Uint16Array {
  const xs = numbersOf(op, x);
  const dst = outputOf<Uint16Array>(op, out, xs.length, 'Uint16Array', xs);
  for (let i = 0; i < xs.length; i++) dst[i] = bits(xs[i]);
  return out === undefined ? dst : (out as Uint16Array);
}

/**
 * The float16 (IEEE binary16) bits of each number, rounded to nearest even; |x| >= 65520 becomes ±Infinity.
 * @example const k16 = toFloat16(k.data); // a Uint16Array for a float16 KV cache
 */
export function toFloat16(x: Numbers, out?: Uint16Array): Uint16Array {
  return convert('toFloat16', x, out, float16Bits);
}

/**
 * The bfloat16 bits of each number, rounded to nearest even (float32's range, 8 significant bits).
 * @example const k16 = toBFloat16(k.data);
 */
export function toBFloat16(x: Numbers, out?: Uint16Array): Uint16Array {
  return convert('toBFloat16', x, out, bfloat16Bits);
}

/**
 * The float32 values of 16-bit floats (exact: every float16 and bfloat16 value is a float32).
 * @example const back = toFloat32(toFloat16(x), 'float16');
 */
export function toFloat32(x: Uint16Array, dtype: HalfDtype, out?: Float32Array): Float32Array {
  const op = 'toFloat32';
  if (typedArrayKind(x) !== 'Uint16Array') throw typeError(op, 'x', 'a Uint16Array of float16 or bfloat16 bits', x);
  const src = plainView(op, 'x', x);
  if (dtype !== 'float16' && dtype !== 'bfloat16')
    throw typeof dtype === 'string'
      ? valueError(op, 'dtype', "'float16' or 'bfloat16'", `'${dtype}'`, ErrorCode.VALUE)
      : typeError(op, 'dtype', "'float16' or 'bfloat16'", dtype);
  const dst = outputOf<Float32Array>(op, out, src.length, 'Float32Array', src);
  if (dtype === 'float16') float16ArrayToFloat32(src, dst);
  else bfloat16ArrayToFloat32(src, dst);
  return out === undefined ? dst : out;
}
