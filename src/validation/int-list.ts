// Per-sequence integers (lengths, counts): an Int32Array or an array of integers, read once into a copy.
import { typeError, shapeError, valueError } from './error-factory';
import { copyArray, isArray, typedArrayKind, typedArrayLength } from './snapshot';

/** `n` integers in [min, max[b]] (max per entry, or one bound for all), copied into a fresh Int32Array. */
export function intList(op: string, arg: string, value: unknown, n: number, min: number, max: number | ArrayLike<number>, what: string): Int32Array {
  const kind = typedArrayKind(value);
  if (kind !== 'Int32Array' && (kind !== undefined || typeof value !== 'object' || value === null || !isArray(op, arg, value)))
    throw typeError(op, arg, `an Int32Array or array of ${n} integers (${what})`, value);
  // A real Int32Array runs no user code when indexed; an array (or a Proxy of one) is copied once.
  const xs: ArrayLike<unknown> = kind ? (value as Int32Array) : copyArray(op, arg, value as object, n, `an array of ${n} integers`);
  const length = kind ? typedArrayLength(value as Int32Array) : xs.length;
  if (length !== n) throw shapeError(op, arg, `${n} integers, one per sequence`, `length ${length}`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    const hi = typeof max === 'number' ? max : max[i];
    if (typeof x !== 'number') throw typeError(op, `${arg}[${i}]`, 'an integer', x);
    if (!Number.isInteger(x) || x < min || x > hi) throw valueError(op, `${arg}[${i}]`, `an integer in [${min}, ${hi}] (${what})`, String(x));
    out[i] = x;
  }
  return out;
}
