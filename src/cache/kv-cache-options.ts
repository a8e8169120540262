// The KVCache constructor's options, checked and read once.
import { typeError, valueError } from '../validation/error-factory';
import { snapshotOptions } from '../validation/snapshot';
import { MAX_ELEMENTS } from '../validation/tensor-checks';
import type { KvDtype } from '../backends/types';

export type CacheLayout = 'bhsd' | 'bshd';

export interface KVCacheOptions {
  /** Sequences held at once (slots). */
  batch: number;
  /** Key/value heads (numKvHeads of a grouped-query layer). */
  kvHeads: number;
  /** Width of each key head. */
  headDim: number;
  /** Width of each value head. Default headDim. */
  valueDim?: number;
  /** Positions each sequence can hold. */
  maxLength: number;
  /**
   * Element type of the stored keys and values: 'float32' (default), or 'float16' / 'bfloat16' (half the
   * memory and half the bytes a decode step reads; appends round to nearest even, attention reads them in place).
   */
  dtype?: KvDtype;
  /**
   * Storage order: 'bhsd' [batch, kvHeads, maxLength, headDim] (default: each head's keys contiguous, what
   * decode reads) or 'bshd' [batch, maxLength, kvHeads, headDim] (a projection's rows, appended without a transpose).
   */
  layout?: CacheLayout;
  /**
   * Keep only the last maxLength positions of each sequence (a ring buffer, for sliding-window layers):
   * appends never run out of room, positions keep counting. Needs layout 'bshd'; read with window(b).
   */
  sliding?: boolean;
}

export interface CacheConfig {
  batch: number;
  kvHeads: number;
  headDim: number;
  valueDim: number;
  maxLength: number;
  dtype: KvDtype;
  layout: CacheLayout;
  sliding: boolean;
}

const KNOWN = ['batch', 'kvHeads', 'headDim', 'valueDim', 'maxLength', 'dtype', 'layout', 'sliding'];

function positiveInt(op: string, arg: string, x: unknown): number {
  if (typeof x !== 'number') throw typeError(op, arg, 'a positive integer', x);
  if (!Number.isInteger(x) || x < 1 || x > MAX_ELEMENTS)
    throw valueError(op, arg, 'an integer in [1, 2^31 - 1]', String(x));
  return x;
}

export function checkCacheOptions(op: string, options: unknown): CacheConfig {
  if (options === undefined)
    throw typeError(op, 'options', 'an object { batch, kvHeads, headDim, maxLength }', options);
  const o = snapshotOptions(op, options, KNOWN);
  const batch = positiveInt(op, 'options.batch', o.batch);
  const kvHeads = positiveInt(op, 'options.kvHeads', o.kvHeads);
  const headDim = positiveInt(op, 'options.headDim', o.headDim);
  const valueDim = o.valueDim === undefined ? headDim : positiveInt(op, 'options.valueDim', o.valueDim);
  const maxLength = positiveInt(op, 'options.maxLength', o.maxLength);
  const dtype = o.dtype ?? 'float32';
  if (typeof dtype !== 'string') throw typeError(op, 'options.dtype', "'float32', 'float16' or 'bfloat16'", dtype);
  if (dtype !== 'float32' && dtype !== 'float16' && dtype !== 'bfloat16')
    throw valueError(op, 'options.dtype', "'float32', 'float16' or 'bfloat16'", `'${dtype}'`);
  const sliding = o.sliding ?? false;
  if (typeof sliding !== 'boolean') throw typeError(op, 'options.sliding', 'a boolean', sliding);
  const layout = o.layout ?? (sliding ? 'bshd' : 'bhsd');
  if (layout !== 'bhsd' && layout !== 'bshd')
    throw valueError(
      op,
      'options.layout',
      "'bhsd' or 'bshd'",
      typeof layout === 'string' ? `'${layout}'` : String(layout),
    );
  if (sliding && layout !== 'bshd')
    throw valueError(
      op,
      'options.layout',
      "'bshd' for a sliding cache (each sequence's window is then one block of rows)",
      `'${layout}'`,
    );
  for (const [what, width] of [
    ['keys', headDim],
    ['values', valueDim],
  ] as const) {
    // A sliding cache stores each position twice (see kv-cache.ts).
    const n = batch * kvHeads * maxLength * width * (sliding ? 2 : 1);
    if (n > MAX_ELEMENTS)
      throw valueError(
        op,
        'options',
        `a cache of at most 2^31 - 1 elements per tensor`,
        `${what} of ${n} (${sliding ? '2·' : ''}batch·kvHeads·maxLength·${what === 'keys' ? 'headDim' : 'valueDim'})`,
      );
  }
  return { batch, kvHeads, headDim, valueDim, maxLength, dtype, layout, sliding };
}
