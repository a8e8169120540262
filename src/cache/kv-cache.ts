// A preallocated key/value cache for one attention layer: prefill and decode append to it, and attention
// reads it in place, each sequence up to its own length (scaledDotProductAttention's kvLengths).
//
// A sliding cache keeps the last W = maxLength positions of each sequence in a ring of 2W rows: position p
// is written at rows p mod W and p mod W + W, so the window [p − W + 1, p] is always W consecutive rows
// (starting at (p + 1) mod W) that attention reads in place, in position order, at the price of a
// second copy of every row written.
import { AttnkitRangeError, AttnkitTypeError, ErrorCode } from '../errors';
import type { HalfTensor, Tensor } from '../tensor';
import { describe, formatShape, shapeError, typeError, valueError } from '../validation/error-factory';
import { intList } from '../validation/int-list';
import { checkKvTensor, checkSameKvDtype } from '../validation/kv-tensor';
import { snapshotOptions } from '../validation/snapshot';
import { allocateF32 } from '../validation/tensor-checks';
import { toBFloat16, toFloat16 } from '../dtypes/convert';
import { checkCacheOptions, type CacheConfig, type CacheLayout, type KVCacheOptions } from './kv-cache-options';

export type { KVCacheOptions };

/** What a cache stores and hands out: float32 tensors, or float16 / bfloat16 ones (Uint16Array bits). */
export type CacheTensor = Tensor | HalfTensor;
type Storage = Float32Array | Uint16Array;

function allocate(op: string, arg: string, n: number, half: boolean): Storage {
  if (!half) return allocateF32(op, arg, n);
  try {
    return new Uint16Array(n);
  } catch (e) {
    throw new AttnkitRangeError(
      `${op}: could not allocate ${arg} (${n} 16-bit values): ${e instanceof Error ? e.message : String(e)}`,
      ErrorCode.RESOURCE,
    );
  }
}

export interface AppendOptions {
  /** Positions of the new block each sequence takes (its first counts[b] rows); default: all of them. */
  counts?: Int32Array | readonly number[];
  /** Layout of k and v: 'bhsd' [batch, kvHeads, n, dim] or 'bshd' [batch, n, kvHeads, dim]; default the cache's. */
  layout?: CacheLayout;
}

/** Caches this module made: a brand that no Proxy or Object.create(KVCache.prototype) can fake. */
const made = new WeakSet<object>();

/** Whether x is a KVCache constructed here (runs no code of x's). */
export function isKVCache(x: unknown): x is KVCache {
  return typeof x === 'object' && x !== null && made.has(x);
}

/**
 * @example
 * const cache = new KVCache({ batch: 2, kvHeads: 8, headDim: 64, maxLength: 4096 });
 * cache.append(k, v); // k, v [2, 8, n, 64] ('bhsd'): n new positions per sequence
 * scaledDotProductAttention(q, cache.keys, cache.values, { kvLengths: cache.lengths, causal: true });
 */
export class KVCache {
  readonly config: Readonly<CacheConfig>;
  private readonly k: Storage;
  private readonly v: Storage;
  /** Positions per sequence so far (the next one's index). */
  private readonly len: Int32Array;
  /** First position still held (0 unless sliding). */
  private readonly first: Int32Array;
  /** Rows of storage per sequence: maxLength, or 2·maxLength when sliding. */
  private readonly rows: number;

  constructor(options: KVCacheOptions) {
    const op = 'new KVCache';
    this.config = Object.freeze(checkCacheOptions(op, options));
    const c = this.config;
    this.rows = c.sliding ? 2 * c.maxLength : c.maxLength;
    const half = c.dtype !== 'float32';
    this.k = allocate(op, 'keys', c.batch * c.kvHeads * this.rows * c.headDim, half);
    this.v = allocate(op, 'values', c.batch * c.kvHeads * this.rows * c.valueDim, half);
    this.len = new Int32Array(c.batch);
    this.first = new Int32Array(c.batch);
    made.add(this);
  }

  /** Positions appended per sequence (a copy): the position of each sequence's next token. */
  get lengths(): Int32Array {
    return this.len.slice();
  }

  /**
   * All stored keys, [batch, kvHeads, maxLength, headDim] ('bhsd') or [batch, maxLength, kvHeads, headDim]: a
   * view, not a copy; a float16 / bfloat16 cache's is a HalfTensor (Uint16Array bits, with its dtype).
   */
  get keys(): CacheTensor {
    return this.tensorOf(this.k, this.shapeOf(this.storedShapeLength('keys'), this.config.headDim));
  }

  /** All stored values, as `keys` with valueDim. */
  get values(): CacheTensor {
    return this.tensorOf(this.v, this.shapeOf(this.storedShapeLength('values'), this.config.valueDim));
  }

  /**
   * Sequence b's held positions in order, as views [1, n, kvHeads, dim] ('bshd' caches): n = lengths[b] for
   * a plain cache, at most maxLength for a sliding one. `start` is the position of the first row.
   */
  window(b: number): { keys: CacheTensor; values: CacheTensor; start: number } {
    const op = 'KVCache.window';
    const c = this.config;
    this.checkIndex(op, b);
    if (c.layout !== 'bshd')
      throw new AttnkitTypeError(
        `${op}: a 'bhsd' cache is not one block of rows per sequence; read keys and values with kvLengths instead`,
      );
    const n = this.len[b] - this.first[b];
    const row = c.sliding ? this.first[b] % c.maxLength : 0;
    const view = (data: Storage, width: number): CacheTensor => {
      const at = (b * this.rows + row) * c.kvHeads * width;
      return this.tensorOf(data.subarray(at, at + n * c.kvHeads * width), [1, n, c.kvHeads, width]);
    };
    return { keys: view(this.k, c.headDim), values: view(this.v, c.valueDim), start: this.first[b] };
  }

  /**
   * Appends n positions to every sequence (or counts[b] to sequence b): k [batch, kvHeads, n, headDim] and
   * v [batch, kvHeads, n, valueDim] in the cache's layout. Everything is checked before anything is written.
   * float32 input to a float16 / bfloat16 cache is rounded to nearest even; half tensors of the cache's own
   * dtype are copied as they are.
   */
  append(k: CacheTensor, v: CacheTensor, options?: AppendOptions): void {
    const op = 'KVCache.append';
    const c = this.config;
    const o = snapshotOptions(op, options, ['counts', 'layout']);
    const layout = o.layout ?? c.layout;
    if (layout !== 'bhsd' && layout !== 'bshd')
      throw valueError(
        op,
        'options.layout',
        "'bhsd' or 'bshd'",
        typeof layout === 'string' ? `'${layout}'` : describe(layout),
      );
    const kt = checkKvTensor(op, 'k', k);
    const vt = checkKvTensor(op, 'v', v);
    checkSameKvDtype(op, kt, vt);
    if (kt.dtype !== 'float32' && kt.dtype !== c.dtype)
      throw typeError(op, 'k.dtype', `'float32' or the cache's '${c.dtype}' (a cache stores one dtype)`, kt.dtype);
    const n = kt.shape.length === 4 ? kt.shape[layout === 'bhsd' ? 2 : 1] : -1;
    for (const [arg, t, width] of [
      ['k', kt, c.headDim],
      ['v', vt, c.valueDim],
    ] as const) {
      const want = this.shapeOf(n < 0 ? 0 : n, width, layout);
      if (n < 0 || formatShape(t.shape) !== formatShape(want)) {
        const names =
          layout === 'bhsd'
            ? `[batch, kvHeads, n, ${arg === 'k' ? 'headDim' : 'valueDim'}]`
            : `[batch, n, kvHeads, ${arg === 'k' ? 'headDim' : 'valueDim'}]`;
        throw shapeError(
          op,
          arg,
          `${names}${n < 0 ? '' : ` = ${formatShape(want)}`} ('${layout}')`,
          formatShape(t.shape),
        );
      }
    }
    const counts =
      o.counts === undefined
        ? undefined
        : intList(op, 'options.counts', o.counts, c.batch, 0, n, 'new positions per sequence, at most n');
    if (!c.sliding)
      for (let b = 0; b < c.batch; b++) {
        const add = counts ? counts[b] : n;
        if (add > c.maxLength - this.len[b])
          throw shapeError(
            op,
            counts ? `options.counts[${b}]` : 'k',
            `at most the ${c.maxLength - this.len[b]} free positions of sequence ${b} (maxLength ${c.maxLength}, length ${this.len[b]})`,
            `${add} new positions`,
          );
      }
    // Everything is checked: the rows in the cache's dtype (rounded once), then the writes.
    const kSrc = this.stored(kt.data);
    const vSrc = this.stored(vt.data);
    for (let b = 0; b < c.batch; b++) {
      const add = counts ? counts[b] : n;
      // A sliding cache only keeps the last maxLength of them.
      for (let t = c.sliding ? Math.max(0, add - c.maxLength) : 0; t < add; t++) {
        const p = this.len[b] + t;
        for (const row of c.sliding ? [p % c.maxLength, (p % c.maxLength) + c.maxLength] : [p]) {
          this.copyRow(this.k, kSrc, layout, b, n, t, row, c.headDim);
          this.copyRow(this.v, vSrc, layout, b, n, t, row, c.valueDim);
        }
      }
      this.len[b] += add;
      if (c.sliding) this.first[b] = Math.max(this.first[b], this.len[b] - c.maxLength);
    }
  }

  /** Sets each sequence's length back (speculative decoding's rollback): lengths[b] at most its length now. */
  truncate(lengths: Int32Array | readonly number[]): void {
    const to = intList(
      'KVCache.truncate',
      'lengths',
      lengths,
      this.config.batch,
      0,
      this.len,
      'at most the current length',
    );
    this.len.set(to);
    // Positions below the new length that a sliding cache still holds stay valid (later ones overwrote older rows only).
    for (let b = 0; b < to.length; b++) this.first[b] = Math.min(this.first[b], to[b]);
  }

  /** Empties sequence `b` (a slot reused for a new request), or every sequence when b is omitted. */
  reset(b?: number): void {
    if (b === undefined) {
      this.len.fill(0);
      this.first.fill(0);
      return;
    }
    this.checkIndex('KVCache.reset', b);
    this.len[b] = 0;
    this.first[b] = 0;
  }

  private checkIndex(op: string, b: unknown): asserts b is number {
    if (typeof b !== 'number') throw typeError(op, 'b', 'a sequence index', b);
    if (!Number.isInteger(b) || b < 0 || b >= this.config.batch)
      throw valueError(op, 'b', `an integer in [0, ${this.config.batch - 1}]`, String(b));
  }

  private storedShapeLength(what: string): number {
    if (this.config.sliding)
      throw new AttnkitTypeError(`KVCache.${what}: a sliding cache is read per sequence, with window(b)`);
    return this.config.maxLength;
  }

  private shapeOf(L: number, width: number, layout = this.config.layout): number[] {
    const c = this.config;
    return layout === 'bhsd' ? [c.batch, c.kvHeads, L, width] : [c.batch, L, c.kvHeads, width];
  }

  /** Input rows as the cache stores them: float32 kept, or rounded to the cache's 16-bit dtype. */
  private stored(data: Float32Array | Uint16Array): Storage {
    const dtype = this.config.dtype;
    if (dtype === 'float32' || data instanceof Uint16Array) return data;
    return dtype === 'float16' ? toFloat16(data) : toBFloat16(data);
  }

  private tensorOf(data: Storage, shape: number[]): CacheTensor {
    const dtype = this.config.dtype;
    return dtype === 'float32' ? { data: data as Float32Array, shape } : { data: data as Uint16Array, shape, dtype };
  }

  /** Copies position t of sequence b's n new rows (in `layout`), every head, to storage row `row`. */
  private copyRow(
    dst: Storage,
    src: Storage,
    layout: CacheLayout,
    b: number,
    n: number,
    t: number,
    row: number,
    width: number,
  ): void {
    const H = this.config.kvHeads;
    if (layout === 'bshd' && this.config.layout === 'bshd') {
      const from = (b * n + t) * H * width;
      dst.set(src.subarray(from, from + H * width), (b * this.rows + row) * H * width);
      return;
    }
    for (let h = 0; h < H; h++) {
      const from = (layout === 'bshd' ? (b * n + t) * H + h : (b * H + h) * n + t) * width;
      const to =
        (this.config.layout === 'bshd' ? (b * this.rows + row) * H + h : (b * H + h) * this.rows + row) * width;
      dst.set(src.subarray(from, from + width), to);
    }
  }
}
