import { checkShape } from './validation/tensor-checks';
import { formatShape, shapeError, typeError } from './validation/error-factory';
import { typedArrayKind, typedArrayLength } from './validation/snapshot';

/** A dense row-major float32 tensor: any object of this form is accepted. */
export interface Tensor {
  data: Float32Array;
  shape: readonly number[];
}

/** A mask: Uint8Array (1 = may attend, 0 = masked) or Float32Array (added to the scaled scores). */
export interface MaskTensor {
  data: Uint8Array | Float32Array;
  shape: readonly number[];
}

/**
 * Wraps `data` (not copied) with `shape`, checking `data.length === product(shape)`.
 * @example const q = tensor(new Float32Array(2 * 8 * 128 * 64), [2, 8, 128, 64]);
 */
export function tensor(data: Float32Array, shape: readonly number[]): Tensor;
export function tensor(data: Uint8Array, shape: readonly number[]): MaskTensor;
export function tensor(data: Float32Array | Uint8Array, shape: readonly number[]): Tensor | MaskTensor {
  const kind = typedArrayKind(data);
  if (kind !== 'Float32Array' && kind !== 'Uint8Array') throw typeError('tensor', 'data', 'a Float32Array (or a Uint8Array for a boolean mask)', data);
  const dims = checkShape('tensor', 'shape', shape);
  const size = dims.reduce((a, b) => a * b, 1);
  const length = typedArrayLength(data);
  if (length !== size) throw shapeError('tensor', 'data', `of length product(shape) = ${size} for shape ${formatShape(dims)}`, `length ${length}`);
  return { data, shape: Object.freeze(dims.slice()) };
}
