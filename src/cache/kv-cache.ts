// A preallocated key/value cache for one attention layer: prefill and decode append to it, and attention
// reads it in place, each sequence up to its own length (scaledDotProductAttention's kvLengths).
import type { Tensor } from '../tensor';
import { describe, formatShape, shapeError, typeError, valueError } from '../validation/error-factory';
import { intList } from '../validation/int-list';
import { snapshotOptions } from '../validation/snapshot';
import { allocateF32, checkTensor } from '../validation/tensor-checks';
import { checkCacheOptions, type CacheConfig, type KVCacheOptions } from './kv-cache-options';

export type { KVCacheOptions };

export interface AppendOptions {
  /** Positions of the new block each sequence takes (its first counts[b] rows); default: all of them. */
  counts?: Int32Array | readonly number[];
  /** Layout of k and v: 'bhsd' [batch, kvHeads, n, dim] or 'bshd' [batch, n, kvHeads, dim]; default the cache's. */
  layout?: 'bhsd' | 'bshd';
}

/**
 * @example
 * const cache = new KVCache({ batch: 2, kvHeads: 8, headDim: 64, maxLength: 4096 });
 * cache.append(k, v);                       // k, v [2, 8, n, 64] ('bhsd'): n new positions per sequence
 * const out = cache.attend(q, { causal: true }); // q [2, Hq, n, 64] against each sequence's keys so far
 */
export class KVCache {
  readonly config: Readonly<CacheConfig>;
  private readonly k: Float32Array;
  private readonly v: Float32Array;
  private readonly len: Int32Array;

  constructor(options: KVCacheOptions) {
    const op = 'new KVCache';
    this.config = Object.freeze(checkCacheOptions(op, options));
    const c = this.config;
    this.k = allocateF32(op, 'keys', c.batch * c.kvHeads * c.maxLength * c.headDim);
    this.v = allocateF32(op, 'values', c.batch * c.kvHeads * c.maxLength * c.valueDim);
    this.len = new Int32Array(c.batch);
  }

  /** Valid positions per sequence (a copy). */
  get lengths(): Int32Array {
    return this.len.slice();
  }

  /** All stored keys, [batch, kvHeads, maxLength, headDim] ('bhsd') or [batch, maxLength, kvHeads, headDim]: a view, not a copy. */
  get keys(): Tensor {
    return { data: this.k, shape: this.shapeOf(this.config.maxLength, this.config.headDim) };
  }

  /** All stored values, as `keys` with valueDim. */
  get values(): Tensor {
    return { data: this.v, shape: this.shapeOf(this.config.maxLength, this.config.valueDim) };
  }

  /**
   * Appends n positions to every sequence (or counts[b] to sequence b): k [batch, kvHeads, n, headDim] and
   * v [batch, kvHeads, n, valueDim] in the cache's layout. Everything is checked before anything is written.
   */
  append(k: Tensor, v: Tensor, options?: AppendOptions): void {
    const op = 'KVCache.append';
    const c = this.config;
    const o = snapshotOptions(op, options, ['counts', 'layout']);
    const layout = o.layout ?? c.layout;
    if (layout !== 'bhsd' && layout !== 'bshd') throw valueError(op, 'options.layout', "'bhsd' or 'bshd'", typeof layout === 'string' ? `'${layout}'` : describe(layout));
    const kt = checkTensor<Float32Array>(op, 'k', k, [Float32Array], 'Float32Array');
    const vt = checkTensor<Float32Array>(op, 'v', v, [Float32Array], 'Float32Array');
    const n = kt.shape.length === 4 ? kt.shape[layout === 'bhsd' ? 2 : 1] : -1;
    for (const [arg, t, width] of [['k', kt, c.headDim], ['v', vt, c.valueDim]] as const) {
      const want = this.shapeOf(n < 0 ? 0 : n, width, layout);
      if (n < 0 || formatShape(t.shape) !== formatShape(want)) {
        const names = layout === 'bhsd' ? `[batch, kvHeads, n, ${arg === 'k' ? 'headDim' : 'valueDim'}]` : `[batch, n, kvHeads, ${arg === 'k' ? 'headDim' : 'valueDim'}]`;
        throw shapeError(op, arg, `${names}${n < 0 ? '' : ` = ${formatShape(want)}`} ('${layout}')`, formatShape(t.shape));
      }
    }
    const room = Array.from(this.len, (l) => Math.min(n, c.maxLength - l));
    const counts = o.counts === undefined ? undefined : intList(op, 'options.counts', o.counts, c.batch, 0, n, 'new positions per sequence, at most n');
    for (let b = 0; b < c.batch; b++) {
      const add = counts ? counts[b] : n;
      if (add > room[b])
        throw shapeError(op, counts ? `options.counts[${b}]` : 'k', `at most the ${c.maxLength - this.len[b]} free positions of sequence ${b} (maxLength ${c.maxLength}, length ${this.len[b]})`, `${add} new positions`);
    }
    for (let b = 0; b < c.batch; b++) {
      const add = counts ? counts[b] : n;
      this.copyIn(this.k, kt.data, layout, b, n, add, c.headDim);
      this.copyIn(this.v, vt.data, layout, b, n, add, c.valueDim);
      this.len[b] += add;
    }
  }

  /** Sets each sequence's length back (speculative decoding's rollback): lengths[b] at most its length now. */
  truncate(lengths: Int32Array | readonly number[]): void {
    this.len.set(intList('KVCache.truncate', 'lengths', lengths, this.config.batch, 0, this.len, 'at most the current length'));
  }

  /** Empties sequence `b` (a slot reused for a new request), or every sequence when b is omitted. */
  reset(b?: number): void {
    if (b === undefined) this.len.fill(0);
    else if (typeof b !== 'number') throw typeError('KVCache.reset', 'b', 'a sequence index', b);
    else if (!Number.isInteger(b) || b < 0 || b >= this.config.batch) throw valueError('KVCache.reset', 'b', `an integer in [0, ${this.config.batch - 1}]`, String(b));
    else this.len[b] = 0;
  }

  private shapeOf(L: number, width: number, layout = this.config.layout): number[] {
    const c = this.config;
    return layout === 'bhsd' ? [c.batch, c.kvHeads, L, width] : [c.batch, L, c.kvHeads, width];
  }

  /** Copies the first `add` of the n new positions of sequence b (rows in `layout`) behind its stored ones. */
  private copyIn(dst: Float32Array, src: Float32Array, layout: 'bhsd' | 'bshd', b: number, n: number, add: number, width: number): void {
    const c = this.config;
    const H = c.kvHeads;
    const at = this.len[b];
    if (layout === 'bshd' && c.layout === 'bshd') {
      const row = H * width;
      dst.set(src.subarray(b * n * row, (b * n + add) * row), (b * c.maxLength + at) * row);
    } else if (layout === 'bhsd' && c.layout === 'bhsd') {
      for (let h = 0; h < H; h++) {
        const from = (b * H + h) * n * width;
        dst.set(src.subarray(from, from + add * width), ((b * H + h) * c.maxLength + at) * width);
      }
    } else {
      // One row per (position, head), moved between the layouts.
      for (let t = 0; t < add; t++)
        for (let h = 0; h < H; h++) {
          const from = (layout === 'bshd' ? (b * n + t) * H + h : (b * H + h) * n + t) * width;
          const to = (c.layout === 'bshd' ? (b * c.maxLength + at + t) * H + h : (b * H + h) * c.maxLength + at + t) * width;
          dst.set(src.subarray(from, from + width), to);
        }
    }
  }
}
