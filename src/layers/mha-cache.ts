// MultiHeadAttention with a KVCache: the new tokens' keys and values are appended to the cache and the
// queries attend to everything the cache holds for their sequence, prefill and decode alike.
// Positions are the cache's: sequence b's new token t sits at lengths[b] + t (its length before the
// append), for RoPE, causal, window and ALiBi alike (scaledDotProductAttention's kvLengths with the
// bottom-right alignment). When sequences append different counts, each attends in its own call.
import { scaledDotProductAttention } from '../api/sdpa';
import { isKVCache, type CacheTensor, type KVCache } from '../cache/kv-cache';
import { toBFloat16, toFloat16 } from '../dtypes/convert';
import { applyRope } from '../positional/rope';
import type { Tensor } from '../tensor';
import { AttnkitRangeError, ErrorCode } from '../errors';
import { shapeError, typeError, valueError } from '../validation/error-factory';
import { intList } from '../validation/int-list';
import type { SdpaOptions } from '../validation/sdpa-options';
import type { MhaConfig } from './mha-config';
import type { MhaPositional } from './mha-positional';

export interface CachedCall {
  cache: KVCache;
  /** Tokens each sequence appends (its first counts[b] rows of the input); null: all Lq. */
  counts: Int32Array | null;
  /** Each sequence's length before the append: the position of its first new token. */
  before: Int32Array;
}

interface CacheOptionsSeen {
  cache?: unknown;
  counts?: unknown;
  keyPaddingMask?: unknown;
  attnMask?: unknown;
  needWeights?: boolean;
  positional?: MhaPositional;
}

/** Checks the cache against the layer and the call, before any projection or write. */
export function checkCachedCall(op: string, o: CacheOptionsSeen, c: MhaConfig, B: number, Lq: number): CachedCall {
  if (!isKVCache(o.cache)) throw typeError(op, 'options.cache', 'a KVCache', o.cache);
  const cache = o.cache;
  const cc = cache.config;
  const want = { batch: B, kvHeads: c.numKvHeads, headDim: c.headDim, valueDim: c.headDim };
  for (const [key, value] of Object.entries(want))
    if (cc[key as keyof typeof want] !== value)
      throw shapeError(
        op,
        `options.cache.config.${key}`,
        `${value} (${key === 'batch' ? "the input's batch" : key === 'kvHeads' ? "the layer's numKvHeads" : "the layer's headDim"})`,
        String(cc[key as keyof typeof want]),
      );
  for (const key of ['keyPaddingMask', 'attnMask'] as const)
    if (o[key] !== undefined)
      throw typeError(
        op,
        `options.${key}`,
        'omitted with a cache (its lengths say which keys are valid; use counts for padded new tokens)',
        o[key],
      );
  if (o.needWeights) throw typeError(op, 'options.needWeights', 'false or omitted with a cache', o.needWeights);
  if (o.positional?.type === 't5')
    throw valueError(op, 'options.positional.type', "'rope' or 'alibi' with a cache", "'t5'");
  const counts =
    o.counts === undefined
      ? null
      : intList(op, 'options.counts', o.counts, B, 0, Lq, 'new tokens per sequence, at most seqQ');
  const before = cache.lengths;
  for (let b = 0; b < B && !cc.sliding; b++) {
    const add = counts ? counts[b] : Lq;
    if (before[b] + add > cc.maxLength)
      throw new AttnkitRangeError(
        `${op}: options.cache has ${cc.maxLength - before[b]} free positions for sequence ${b} (maxLength ${cc.maxLength}, length ${before[b]}), got ${add} new tokens`,
        ErrorCode.SHAPE,
      );
  }
  return { cache, counts, before };
}

/** RoPE on q and k [B, Lq, H, D] of sequence b at positions offset + before[b] + t. */
export function ropeAtCachePositions(
  qh: Tensor,
  kh: Tensor,
  rope: Omit<MhaPositional & { type: 'rope' }, 'type'>,
  before: Int32Array,
): void {
  const [B, Lq] = qh.shape;
  const base = rope.offset ?? 0;
  for (const x of [qh, kh]) {
    const row = x.data.length / B;
    for (let b = 0; b < B; b++)
      applyRope(
        { data: x.data.subarray(b * row, (b + 1) * row), shape: [1, Lq, x.shape[2], x.shape[3]] },
        { ...rope, offset: base + before[b], layout: 'bshd', inPlace: true },
      );
  }
}

/** [B, A, C, W] → [B, C, A, W]. */
function swapMiddle(
  src: Float32Array,
  B: number,
  A: number,
  C: number,
  W: number,
  dst: Float32Array = new Float32Array(src.length),
): Float32Array {
  for (let b = 0; b < B; b++)
    for (let a = 0; a < A; a++)
      for (let c = 0; c < C; c++) {
        const from = ((b * A + a) * C + c) * W;
        dst.set(src.subarray(from, from + W), ((b * C + c) * A + a) * W);
      }
  return dst;
}

/**
 * Attention of the new queries qh [B, Lq, Hq, D] ('bshd') over the cache (already appended to) into
 * out [B, Lq, Hq, D]; rows past a sequence's count are zero. `extra`: causal, window, softcap, sinks, ALiBi.
 */
export function attendCached(qh: Tensor, call: CachedCall, out: Float32Array, extra: SdpaOptions): void {
  const { cache, counts } = call;
  const { layout, maxLength, kvHeads, headDim } = cache.config;
  const [B, Lq, Hq, D] = qh.shape;
  const lengths = cache.lengths;
  // A 'bhsd' cache needs q and out as [B, Hq, Lq, D]; with one new token both layouts are the same memory.
  const transpose = layout === 'bhsd' && Lq > 1;
  const attend = (q: Float32Array, o: Float32Array, b0: number, nb: number, lq: number) => {
    const perSeq = maxLength * kvHeads * headDim;
    const kv = (t: CacheTensor): CacheTensor =>
      ({
        ...t,
        data: t.data.subarray(b0 * perSeq, (b0 + nb) * perSeq),
        shape: [nb, ...t.shape.slice(1)],
      }) as CacheTensor;
    const shape = layout === 'bhsd' ? [nb, Hq, lq, D] : [nb, lq, Hq, D];
    const qIn = transpose ? swapMiddle(q, nb, lq, Hq, D) : q;
    const oIn = transpose ? new Float32Array(o.length) : o;
    scaledDotProductAttention({ data: qIn, shape }, kv(cache.keys), kv(cache.values), {
      ...extra,
      layout,
      kvLengths: lengths.subarray(b0, b0 + nb),
      out: { data: oIn, shape },
    });
    if (transpose) swapMiddle(oIn, nb, Hq, lq, D, o);
  };
  if (!counts || counts.every((n) => n === Lq)) return attend(qh.data, out, 0, B, Lq);
  const row = Lq * Hq * D;
  out.fill(0);
  for (let b = 0; b < B; b++) {
    const n = counts[b];
    if (n > 0)
      attend(qh.data.subarray(b * row, b * row + n * Hq * D), out.subarray(b * row, b * row + n * Hq * D), b, 1, n);
  }
}

/**
 * A sliding cache (the last W positions per sequence): appends the new keys and values and attends each
 * sequence's new queries to its window, query t seeing at most the W positions up to its own. A decode
 * step reads the window in place; a block of several new tokens attends to a copy of the held rows it
 * needs followed by its own, taken before the append overwrites them.
 */
export function appendAndAttendSliding(
  qh: Tensor,
  kh: Tensor,
  vh: Tensor,
  call: CachedCall,
  out: Float32Array,
  extra: SdpaOptions,
): void {
  const { cache, counts } = call;
  const W = cache.config.maxLength;
  const [B, Lq, Hq, D] = qh.shape;
  const kvRow = kh.shape[2] * D;
  const count = (b: number) => (counts ? counts[b] : Lq);
  // The new rows as the cache holds them (rounded to its 16-bit dtype), so every query sees the same values.
  const dtype = cache.config.dtype;
  const stored = (x: Float32Array): Float32Array | Uint16Array =>
    dtype === 'float32' ? x : dtype === 'float16' ? toFloat16(x) : toBFloat16(x);
  const blocks = Array.from({ length: B }, (_, b) => {
    const n = count(b);
    if (n <= 1) return null;
    const held = cache.window(b);
    const m = Math.min(W - 1, held.keys.shape[1]);
    const join = (old: CacheTensor, fresh: Tensor): CacheTensor => {
      const data = dtype === 'float32' ? new Float32Array((m + n) * kvRow) : new Uint16Array((m + n) * kvRow);
      data.set(old.data.subarray(old.data.length - m * kvRow));
      data.set(stored(fresh.data.subarray(b * Lq * kvRow, (b * Lq + n) * kvRow)), m * kvRow);
      return { ...old, data, shape: [1, m + n, kh.shape[2], D] } as CacheTensor;
    };
    return { keys: join(held.keys, kh), values: join(held.values, vh) };
  });
  cache.append(kh, vh, { layout: 'bshd', ...(counts ? { counts } : {}) });
  const left = Math.min(extra.window?.left ?? Infinity, W - 1);
  const window = { ...extra.window, left };
  const row = Lq * Hq * D;
  out.fill(0);
  for (let b = 0; b < B; b++) {
    const n = count(b);
    if (n === 0) continue;
    const kv = blocks[b] ?? cache.window(b);
    scaledDotProductAttention(
      { data: qh.data.subarray(b * row, b * row + n * Hq * D), shape: [1, n, Hq, D] },
      kv.keys,
      kv.values,
      {
        ...extra,
        window,
        layout: 'bshd',
        out: { data: out.subarray(b * row, b * row + n * Hq * D), shape: [1, n, Hq, D] },
      },
    );
  }
}
