// Checks that a value is a tensor of the expected element type, with a valid shape and matching length.
import { AttnkitRangeError, ErrorCode } from '../errors';
import { formatShape, shapeError, typeError, describe } from './error-factory';

/** Tensors above this many elements are refused: indices must stay in int32 range on every backend. */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** Validates a shape: an array of non-negative safe integers whose product fits MAX_ELEMENTS. */
export function checkShape(op: string, arg: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) throw typeError(op, arg, 'an array of non-negative integers', shape);
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number') throw typeError(op, `${arg}[${i}]`, 'a non-negative integer', d);
    if (!Number.isInteger(d) || d < 0)
      throw new AttnkitRangeError(`${op}: ${arg}[${i}] must be a non-negative integer, got ${d} in ${formatShape(shape)}`, ErrorCode.SHAPE);
    size *= d;
  }
  if (size > MAX_ELEMENTS)
    throw new AttnkitRangeError(`${op}: ${arg} ${formatShape(shape)} has ${size} elements, more than the 2^31 - 1 supported`, ErrorCode.SHAPE);
  return shape.slice();
}

export function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

type ArrayCtor = typeof Float32Array | typeof Uint8Array;

export interface CheckedTensor<T extends Float32Array | Uint8Array> {
  data: T;
  shape: number[];
}

/** Checks `{ data, shape }` with data an instance of one of `types`, and data.length === product(shape). */
export function checkTensor<T extends Float32Array | Uint8Array>(
  op: string,
  arg: string,
  value: unknown,
  types: readonly ArrayCtor[],
  typeText: string,
): CheckedTensor<T> {
  if (typeof value !== 'object' || value === null || !('data' in value) || !('shape' in value))
    throw typeError(op, arg, `a tensor { data: ${typeText}, shape: number[] }`, value);
  const { data, shape } = value as { data: unknown; shape: unknown };
  if (!types.some((t) => data instanceof t)) throw typeError(op, `${arg}.data`, `a ${typeText}`, data);
  const dims = checkShape(op, `${arg}.shape`, shape);
  const size = product(dims);
  const length = (data as T).length;
  if (length !== size)
    throw shapeError(op, `${arg}.data`, `of length product(shape) = ${size} for shape ${formatShape(dims)}`, `length ${length}`);
  return { data: data as T, shape: dims };
}

export { describe };
