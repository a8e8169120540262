// T5 relative position bias (Raffel et al. 2020, §2.1): a learned per-head scalar per bucket of relative distance.
import type { Tensor } from '../tensor';
import { formatShape, shapeError, typeError } from '../validation/error-factory';
import { checkTensor } from '../validation/tensor-checks';
import { alignmentShift, checkInt, checkOptionsBag } from './checks';

export interface RelativeBucketOptions {
  /** Encoder (true, default): distinct buckets for keys before and after the query. Decoder: false (keys after share bucket 0). */
  bidirectional?: boolean;
  /** Default 32 (T5). */
  numBuckets?: number;
  /** Distances >= maxDistance share the last bucket. Default 128 (T5). */
  maxDistance?: number;
}

/** The bucket options with defaults; `argPrefix` names them in errors ('options', or a layer's 'options.positional'). */
export function resolveBucketOptions(
  op: string,
  options: unknown,
  argPrefix = 'options',
  extraKeys: readonly string[] = [],
): Required<RelativeBucketOptions> {
  const o = checkOptionsBag<RelativeBucketOptions>(
    op,
    options,
    [...extraKeys, 'bidirectional', 'numBuckets', 'maxDistance'],
    argPrefix,
  );
  if (o.bidirectional !== undefined && typeof o.bidirectional !== 'boolean')
    throw typeError(op, `${argPrefix}.bidirectional`, 'a boolean (true: encoder, false: decoder)', o.bidirectional);
  const bidirectional = o.bidirectional ?? true;
  const numBuckets =
    o.numBuckets === undefined ? 32 : checkInt(op, `${argPrefix}.numBuckets`, o.numBuckets, bidirectional ? 4 : 2);
  // The log-spaced buckets start past the exact ones (numBuckets/4 bidirectional, /2 otherwise);
  // a maxDistance at or below that would divide by log(<= 1) and give NaN buckets.
  const exact = Math.floor(Math.floor(numBuckets / (bidirectional ? 2 : 1)) / 2);
  const maxDistance = checkInt(op, `${argPrefix}.maxDistance`, o.maxDistance ?? 128, exact + 1);
  return { bidirectional, numBuckets, maxDistance };
}

/**
 * T5's bucket of relative position rel = j − i (key minus query), as in HF `_relative_position_bucket`:
 * n = numBuckets (halved when bidirectional, the upper half for rel > 0), d = |rel| (bidirectional) or max(−rel, 0);
 * e = n/2 exact buckets for d < e, then e + ⌊log(d/e) / log(maxDistance/e) · (n − e)⌋ capped at n − 1.
 */
export function t5RelativeBucket(relativePosition: number, options?: RelativeBucketOptions): number {
  const o = resolveBucketOptions('t5RelativeBucket', options);
  return bucket(relativePosition, o);
}

function bucket(rel: number, o: Required<RelativeBucketOptions>): number {
  let n = o.numBuckets;
  let result = 0;
  let d: number;
  if (o.bidirectional) {
    n = Math.floor(n / 2);
    if (rel > 0) result += n;
    d = Math.abs(rel);
  } else {
    d = -Math.min(rel, 0);
  }
  const maxExact = Math.floor(n / 2);
  if (d < maxExact) return result + d;
  // Math.fround mirrors torch's float32 arithmetic here, so bucket edges agree with HF T5.
  const large =
    maxExact +
    Math.trunc(
      Math.fround(
        Math.fround(Math.log(Math.fround(d / maxExact)) / Math.log(o.maxDistance / maxExact)) * (n - maxExact),
      ),
    );
  return result + Math.min(large, n - 1);
}

export interface RelativePositionBiasOptions extends RelativeBucketOptions {
  /** Where query i sits: 'bottom-right' (default) p = i + Lk − Lq (cached decoding), 'top-left' p = i. */
  alignment?: 'bottom-right' | 'top-left';
}

interface CheckedBiasArgs {
  table: Float32Array;
  heads: number;
  buckets: Required<RelativeBucketOptions>;
  /** p − i: Lk − Lq bottom-right, 0 top-left. */
  shift: number;
}

function checkBiasArgs(op: string, table: unknown, lenQ: unknown, lenK: unknown, options: unknown): CheckedBiasArgs {
  const t = checkTensor<Float32Array>(op, 'table', table, [Float32Array], 'Float32Array');
  const lq = checkInt(op, 'lenQ', lenQ, 0);
  const lk = checkInt(op, 'lenK', lenK, 0);
  const buckets = resolveBucketOptions(op, options, 'options', ['alignment']);
  const shift = alignmentShift(op, (options as RelativePositionBiasOptions | undefined)?.alignment, lq, lk);
  if (t.shape.length !== 2 || t.shape[0] !== buckets.numBuckets)
    throw shapeError(op, 'table', `[numBuckets, heads] = [${buckets.numBuckets}, *]`, formatShape(t.shape));
  return { table: t.data, heads: t.shape[1], buckets, shift };
}

/**
 * An additive Float32 mask [1, H, Lq, Lk]: bias[h, i, j] = table[bucket(j − p), h], p the query's position,
 * with `table` T5's relative_attention_bias.weight [numBuckets, H]. Pass it as the SDPA mask
 * (T5 also uses scale 1). This is the materialised equivalent of `t5RelativeBias`, which gives the
 * same bias as Lq + Lk − 1 diagonals for the SDPA `relativeBias` option (no Lq×Lk tensor).
 */
export function relativePositionBias(
  table: Tensor,
  lenQ: number,
  lenK: number,
  options?: RelativePositionBiasOptions,
): Tensor {
  const { table: tab, heads, buckets, shift } = checkBiasArgs('relativePositionBias', table, lenQ, lenK, options);
  const data = new Float32Array(heads * lenQ * lenK);
  for (let i = 0; i < lenQ; i++)
    for (let j = 0; j < lenK; j++) {
      const bk = bucket(j - (i + shift), buckets);
      for (let h = 0; h < heads; h++) data[(h * lenQ + i) * lenK + j] = tab[bk * heads + h];
    }
  return { data, shape: Object.freeze([1, heads, lenQ, lenK]) };
}

/**
 * T5's relative position bias by diagonal, for scaledDotProductAttention's `relativeBias` option:
 * Float32 [H, Lq + Lk − 1] (empty when Lq = Lk = 0) with table [numBuckets, H] as for
 * relativePositionBias. The bias of query i and key j depends only on j − i, so entry
 * [h, d], d = (j − i) + Lq − 1, holds table[bucket(r), h] for the relative position
 * r = j − p = d − (Lq − 1) − shift, shift = Lk − Lq ('bottom-right', default) or 0 ('top-left').
 * The kernel adds it to each score: O(H·(Lq + Lk)) memory where the materialised mask takes H·Lq·Lk.
 * T5 scores are not scaled: pass `scale: 1`.
 * @example
 * const relativeBias = t5RelativeBias(table, lq, lk, { bidirectional: false });
 * const out = scaledDotProductAttention(q, k, v, { scale: 1, causal: true, relativeBias });
 */
export function t5RelativeBias(
  table: Tensor,
  lenQ: number,
  lenK: number,
  options?: RelativePositionBiasOptions,
): Tensor {
  const { table: tab, heads, buckets, shift } = checkBiasArgs('t5RelativeBias', table, lenQ, lenK, options);
  const n = Math.max(lenQ + lenK - 1, 0);
  const data = new Float32Array(heads * n);
  for (let d = 0; d < n; d++) {
    const bk = bucket(d - (lenQ - 1) - shift, buckets);
    for (let h = 0; h < heads; h++) data[h * n + d] = tab[bk * heads + h];
  }
  return { data, shape: Object.freeze([heads, n]) };
}
