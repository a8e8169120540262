// Checks that a value is a tensor of the expected element type, with a valid shape and matching length.
// Fields are read once (see snapshot.ts); the returned data is a plain view of the caller's memory.
import { AttnkitRangeError, ErrorCode } from '../errors';
import { formatShape, shapeError, typeError, describe } from './error-factory';
import { MAX_RANK, copyArray, isArray, plainView, readField, typedArrayKind, typedArrayLength } from './snapshot';

/** Limit on every dimension and on every tensor's element count: indices stay in int32 range on every backend. */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/**
 * Validates a shape: an array of at most MAX_RANK non-negative integers, each and their product at
 * most MAX_ELEMENTS. Returns a copy, each entry read once.
 */
export function checkShape(op: string, arg: string, shape: unknown): number[] {
  if (typeof shape !== 'object' || shape === null || !isArray(op, arg, shape))
    throw typeError(op, arg, 'an array of non-negative integers', shape);
  const dims = copyArray(op, arg, shape, MAX_RANK, 'an array of non-negative integers');
  let size = 1;
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    if (typeof d !== 'number') throw typeError(op, `${arg}[${i}]`, 'a non-negative integer', d);
    if (!Number.isInteger(d) || d < 0)
      throw new AttnkitRangeError(
        `${op}: ${arg}[${i}] must be a non-negative integer, got ${d} in ${formatShape(dims as number[])}`,
        ErrorCode.SHAPE,
      );
    if (d > MAX_ELEMENTS)
      throw new AttnkitRangeError(
        `${op}: ${arg}[${i}] must be at most 2^31 - 1, got ${d} in ${formatShape(dims as number[])}`,
        ErrorCode.SHAPE,
      );
    size *= d;
  }
  if (size > MAX_ELEMENTS)
    throw new AttnkitRangeError(
      `${op}: ${arg} ${formatShape(dims as number[])} has ${size} elements, more than the 2^31 - 1 supported`,
      ErrorCode.SHAPE,
    );
  return dims as number[];
}

export function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

type ArrayCtor = typeof Float32Array | typeof Uint8Array | typeof Uint16Array;

export interface CheckedTensor<T extends Float32Array | Uint8Array | Uint16Array> {
  data: T;
  shape: number[];
}

/** Checks a typed array's real kind (not its prototype) against `types`; returns a plain view of it. */
export function checkTypedArray<T extends Float32Array | Uint8Array | Uint16Array>(
  op: string,
  arg: string,
  value: unknown,
  types: readonly ArrayCtor[],
  typeText: string,
): T {
  const kind = typedArrayKind(value);
  if (kind === undefined || !types.some((t) => t.name === kind)) throw typeError(op, arg, `a ${typeText}`, value);
  return plainView(op, arg, value as T);
}

/**
 * Checks `{ data, shape }` with data a `types` typed array of length product(shape). data and shape
 * are read once each; the result holds a copy of the shape and a plain view of the data.
 */
export function checkTensor<T extends Float32Array | Uint8Array | Uint16Array>(
  op: string,
  arg: string,
  value: unknown,
  types: readonly ArrayCtor[],
  typeText: string,
): CheckedTensor<T> {
  if (typeof value !== 'object' || value === null)
    throw typeError(op, arg, `a tensor { data: ${typeText}, shape: number[] }`, value);
  const dataIn = readField(op, `${arg}.data`, value, 'data');
  const shapeIn = readField(op, `${arg}.shape`, value, 'shape');
  if (dataIn === undefined || shapeIn === undefined)
    throw typeError(op, arg, `a tensor { data: ${typeText}, shape: number[] }`, value);
  const dims = checkShape(op, `${arg}.shape`, shapeIn);
  const kind = typedArrayKind(dataIn);
  if (kind === undefined || !types.some((t) => t.name === kind))
    throw typeError(op, `${arg}.data`, `a ${typeText}`, dataIn);
  const size = product(dims);
  const length = typedArrayLength(dataIn as T);
  if (length !== size)
    throw shapeError(
      op,
      `${arg}.data`,
      `of length product(shape) = ${size} for shape ${formatShape(dims)}`,
      `length ${length}`,
    );
  return { data: plainView(op, `${arg}.data`, dataIn as T), shape: dims };
}

export { describe };

/** A fresh zeroed Float32Array for a result; a failed allocation is a coded RangeError. */
export function allocateF32(op: string, arg: string, n: number): Float32Array {
  try {
    return new Float32Array(n);
  } catch (e) {
    throw new AttnkitRangeError(
      `${op}: could not allocate ${arg} (${n} floats): ${e instanceof Error ? e.message : String(e)}`,
      ErrorCode.RESOURCE,
    );
  }
}

/** checkTensor for a Float32Array tensor. */
export function checkF32(op: string, arg: string, value: unknown): CheckedTensor<Float32Array> {
  return checkTensor<Float32Array>(op, arg, value, [Float32Array], 'Float32Array');
}

/**
 * A result's buffer: the caller's tensor `given` (argument `arg`) checked to have `shape` (`what` names it
 * in the error), or, when not given, a fresh zeroed array named `name`.
 */
export function resultBuffer(
  op: string,
  arg: string,
  name: string,
  given: unknown,
  shape: readonly number[],
  what: string,
): Float32Array {
  if (given === undefined) return allocateF32(op, name, product(shape));
  const t = checkF32(op, arg, given);
  if (formatShape(t.shape) !== formatShape(shape))
    throw shapeError(op, arg, `${what} ${formatShape(shape)}`, formatShape(t.shape));
  return t.data;
}
