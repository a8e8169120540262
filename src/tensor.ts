import { checkShape } from './validation/tensor-checks';
import { formatShape, shapeError, typeError, valueError } from './validation/error-factory';
import { typedArrayKind, typedArrayLength } from './validation/snapshot';
import type { HalfDtype } from './dtypes/convert';

/** A dense row-major float32 tensor: any object of this form is accepted. */
export interface Tensor {
  data: Float32Array;
  shape: readonly number[];
}

/**
 * A dense row-major tensor of 16-bit floats (the bits in a Uint16Array, see toFloat16 / toBFloat16):
 * attention takes k and v in this form (q and the output stay float32).
 */
export interface HalfTensor {
  data: Uint16Array;
  shape: readonly number[];
  dtype: HalfDtype;
}

/** A mask: Uint8Array (1 = may attend, 0 = masked) or Float32Array (added to the scaled scores). */
export interface MaskTensor {
  data: Uint8Array | Float32Array;
  shape: readonly number[];
}

/**
 * Wraps `data` (not copied) with `shape`, checking `data.length === product(shape)`. A Uint16Array
 * takes a dtype, 'float16' or 'bfloat16': the tensor holds those bits (k and v of a half-precision cache).
 * @example const q = tensor(new Float32Array(2 * 8 * 128 * 64), [2, 8, 128, 64]);
 * @example const k = tensor(toFloat16(kData), [1, 8, 4096, 128], 'float16');
 */
export function tensor(data: Float32Array, shape: readonly number[]): Tensor;
export function tensor(data: Uint8Array, shape: readonly number[]): MaskTensor;
export function tensor(data: Uint16Array, shape: readonly number[], dtype: HalfDtype): HalfTensor;
export function tensor(
  data: Float32Array | Uint8Array | Uint16Array,
  shape: readonly number[],
  dtype?: HalfDtype,
): Tensor | MaskTensor | HalfTensor {
  const op = 'tensor';
  const kind = typedArrayKind(data);
  if (dtype !== undefined) {
    if (dtype !== 'float16' && dtype !== 'bfloat16')
      throw typeof dtype === 'string'
        ? valueError(op, 'dtype', "'float16' or 'bfloat16'", `'${dtype}'`)
        : typeError(op, 'dtype', "'float16' or 'bfloat16'", dtype);
    if (kind !== 'Uint16Array')
      throw typeError(op, 'data', `a Uint16Array (the ${dtype} bits) for dtype '${dtype}'`, data);
  } else if (kind === 'Uint16Array') {
    throw typeError(op, 'dtype', "'float16' or 'bfloat16' for a Uint16Array", dtype);
  } else if (kind !== 'Float32Array' && kind !== 'Uint8Array') {
    throw typeError(op, 'data', 'a Float32Array (a Uint8Array for a boolean mask, a Uint16Array with a dtype)', data);
  }
  const dims = checkShape(op, 'shape', shape);
  const size = dims.reduce((a, b) => a * b, 1);
  const length = typedArrayLength(data);
  if (length !== size)
    throw shapeError(
      op,
      'data',
      `of length product(shape) = ${size} for shape ${formatShape(dims)}`,
      `length ${length}`,
    );
  const frozen = Object.freeze(dims.slice());
  return dtype === undefined
    ? { data: data as Float32Array, shape: frozen }
    : { data: data as Uint16Array, shape: frozen, dtype };
}
