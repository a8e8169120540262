// Per-sequence integers (lengths, counts): an Int32Array or an array of integers, read once into a copy.
import { typeError, valueError } from './error-factory';
import { readList } from './snapshot';

/** `n` integers in [min, max[b]] (max per entry, or one bound for all), copied into a fresh Int32Array. */
export function intList(
  op: string,
  arg: string,
  value: unknown,
  n: number,
  min: number,
  max: number | ArrayLike<number>,
  what: string,
): Int32Array {
  const xs = readList(
    op,
    arg,
    value,
    ['Int32Array'],
    `an Int32Array or array of ${n} integers (${what})`,
    n,
    'integers',
    `${n} integers, one per sequence`,
  );
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    const hi = typeof max === 'number' ? max : max[i];
    if (typeof x !== 'number') throw typeError(op, `${arg}[${i}]`, 'an integer', x);
    if (!Number.isInteger(x) || x < min || x > hi)
      throw valueError(op, `${arg}[${i}]`, `an integer in [${min}, ${hi}] (${what})`, String(x));
    out[i] = x;
  }
  return out;
}
