// Checks the position and score options of scaledDotProductAttention (softcap, window, ALiBi,
// relative bias, sinks, per-sequence key lengths) and converts them to the arrays every backend reads.
import type { SdpaPlan } from '../backends/types';
import { formatShape, shapeError, typeError, valueError } from './error-factory';
import type { SdpaOptions } from './sdpa-options';
import { checkTensor } from './tensor-checks';
import { readList, snapshotOptions } from './snapshot';

const SMALLEST_NORMAL_F32 = 2 ** -126;

type Extras = Pick<
  SdpaPlan,
  'windowLeft' | 'windowRight' | 'softcap' | 'alibiSlopes' | 'relativeBias' | 'sinks' | 'kvLengths'
>;

function windowSide(op: string, side: 'left' | 'right', value: unknown): number | null {
  if (value === undefined) return null;
  const arg = `options.window.${side}`;
  if (typeof value !== 'number')
    throw typeError(op, arg, 'a non-negative integer (keys) or undefined for unbounded', value);
  if (!Number.isSafeInteger(value) || value < 0) throw valueError(op, arg, 'a non-negative integer', String(value));
  return value;
}

/** A per-head vector of finite numbers (one per query head) as a Float32Array. */
function perHead(op: string, arg: string, value: unknown, heads: number): Float32Array {
  const expected = `a Float32Array, Float64Array or array of ${heads} numbers (one per query head)`;
  const xs = readList(
    op,
    arg,
    value,
    ['Float32Array', 'Float64Array'],
    expected,
    heads,
    'numbers',
    'one number per query head',
  );
  const out = new Float32Array(heads);
  for (let h = 0; h < heads; h++) {
    const x = xs[h];
    if (typeof x !== 'number') throw typeError(op, `${arg}[${h}]`, 'a finite number', x);
    if (!Number.isFinite(x) || !Number.isFinite(Math.fround(x)))
      throw valueError(op, `${arg}[${h}]`, 'a finite float32 number', String(x));
    out[h] = x;
  }
  return out;
}

/** kvLengths: one key count in [0, Lk] per batch entry, copied into a fresh Int32Array the caller cannot reach. */
function kvLengthsOf(op: string, value: unknown, batch: number, lenK: number): Int32Array {
  const arg = 'options.kvLengths';
  const expected = `an Int32Array or array of ${batch} integers (one key count per batch entry, each in [0, seqK] = [0, ${lenK}])`;
  const xs = readList(op, arg, value, ['Int32Array'], expected, batch, 'integers', 'one key count per batch entry');
  const out = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const x = xs[b];
    if (typeof x !== 'number') throw typeError(op, `${arg}[${b}]`, `an integer in [0, seqK] = [0, ${lenK}]`, x);
    if (!Number.isInteger(x) || x < 0 || x > lenK)
      throw valueError(op, `${arg}[${b}]`, `an integer in [0, seqK] = [0, ${lenK}]`, String(x));
    out[b] = x;
  }
  return out;
}

export function checkExtras(
  op: string,
  options: SdpaOptions,
  batch: number,
  headsQ: number,
  lenQ: number,
  lenK: number,
): Extras {
  let softcap = 0;
  if (options.softcap !== undefined) {
    if (typeof options.softcap !== 'number')
      throw typeError(op, 'options.softcap', 'a finite number >= 0 (0 = off)', options.softcap);
    // The kernels compute in float32: a cap must survive the rounding as a finite normal number.
    const f = Math.fround(options.softcap);
    if (!(options.softcap >= 0) || !Number.isFinite(f) || (options.softcap > 0 && f < SMALLEST_NORMAL_F32))
      throw valueError(
        op,
        'options.softcap',
        '0 (off) or a finite number >= 2^-126 (a normal float32)',
        String(options.softcap),
      );
    softcap = f;
  }

  let windowLeft: number | null = null;
  let windowRight: number | null = null;
  if (options.window !== undefined) {
    const w = options.window as unknown;
    if (typeof w !== 'object' || w === null || Array.isArray(w))
      throw typeError(op, 'options.window', 'an object { left?, right? }', w);
    const side = snapshotOptions(op, w, ['left', 'right'], 'options.window');
    windowLeft = windowSide(op, 'left', side.left);
    windowRight = windowSide(op, 'right', side.right);
  }

  const alibiSlopes =
    options.alibiSlopes === undefined ? null : perHead(op, 'options.alibiSlopes', options.alibiSlopes, headsQ);
  const sinks = options.sinks === undefined ? null : perHead(op, 'options.sinks', options.sinks, headsQ);
  const kvLengths = options.kvLengths === undefined ? null : kvLengthsOf(op, options.kvLengths, batch, lenK);

  let relativeBias: Extras['relativeBias'] = null;
  if (options.relativeBias !== undefined) {
    const t = checkTensor<Float32Array>(
      op,
      'options.relativeBias',
      options.relativeBias,
      [Float32Array],
      'Float32Array',
    );
    const diagonals = lenQ + lenK - 1;
    const expected = `[heads, seqQ + seqK - 1] = [${headsQ} or 1, ${Math.max(diagonals, 0)}]`;
    if (t.shape.length !== 2 || (t.shape[0] !== headsQ && t.shape[0] !== 1) || t.shape[1] !== Math.max(diagonals, 0))
      throw shapeError(op, 'options.relativeBias', expected, formatShape(t.shape));
    for (let x = 0; x < t.data.length; x++)
      if (!Number.isFinite(t.data[x]))
        throw valueError(
          op,
          'options.relativeBias',
          'finite values (mask keys with options.mask)',
          `${t.data[x]} at index ${x}`,
        );
    relativeBias = { data: t.data, strideH: t.shape[0] === 1 ? 0 : Math.max(diagonals, 0) };
  }
  return { windowLeft, windowRight, softcap, alibiSlopes, relativeBias, sinks, kvLengths };
}
