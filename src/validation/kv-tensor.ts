// Checks k and v of an attention call: float32 tensors, or float16 / bfloat16 tensors ({ data: Uint16Array,
// shape, dtype }) whose bits the kernels widen as they read them. k and v share one dtype.
import type { KvDtype } from '../backends/types';
import { typeError, valueError } from './error-factory';
import { readField } from './snapshot';
import { checkTensor, type CheckedTensor } from './tensor-checks';

export const KV_DTYPES: readonly KvDtype[] = ['float32', 'float16', 'bfloat16'];
const DTYPE_TEXT = "'float32', 'float16' or 'bfloat16'";

export interface CheckedKv extends CheckedTensor<Float32Array | Uint16Array> {
  dtype: KvDtype;
}

/** A tensor's dtype field, read once: undefined means float32. */
export function readDtype(op: string, arg: string, value: unknown): KvDtype {
  if (typeof value !== 'object' || value === null) return 'float32'; // checkTensor words the error
  const dtype = readField(op, `${arg}.dtype`, value, 'dtype');
  if (dtype === undefined) return 'float32';
  if (typeof dtype !== 'string') throw typeError(op, `${arg}.dtype`, DTYPE_TEXT, dtype);
  if (!(KV_DTYPES as readonly string[]).includes(dtype)) throw valueError(op, `${arg}.dtype`, DTYPE_TEXT, `'${dtype}'`);
  return dtype as KvDtype;
}

/** k or v: a Float32Array tensor, or with dtype 'float16' / 'bfloat16' a Uint16Array tensor of their bits. */
export function checkKvTensor(op: string, arg: string, value: unknown): CheckedKv {
  const dtype = readDtype(op, arg, value);
  if (dtype === 'float32')
    return { ...checkTensor<Float32Array>(op, arg, value, [Float32Array], 'Float32Array'), dtype };
  const t = checkTensor<Uint16Array>(
    op,
    arg,
    value,
    [Uint16Array],
    `Uint16Array (the ${dtype} bits, see to${dtype === 'float16' ? 'Float16' : 'BFloat16'}) for dtype '${dtype}'`,
  );
  return { ...t, dtype };
}

/** v's dtype must be k's: the kernels read both as one element type. */
export function checkSameKvDtype(op: string, k: CheckedKv, v: CheckedKv): void {
  if (k.dtype !== v.dtype) throw typeError(op, 'v.dtype', `'${k.dtype}' as k's (k and v share one dtype)`, v.dtype);
}
