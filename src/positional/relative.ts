// T5 relative position bias (Raffel et al. 2020, §2.1): a learned per-head scalar per bucket of relative distance.
import type { Tensor } from '../tensor';
import { formatShape, shapeError } from '../validation/error-factory';
import { checkTensor } from '../validation/tensor-checks';
import { checkInt, checkOptionsObject } from './checks';

export interface RelativeBucketOptions {
  /** Encoder (true, default): distinct buckets for keys before and after the query. Decoder: false (keys after share bucket 0). */
  bidirectional?: boolean;
  /** Default 32 (T5). */
  numBuckets?: number;
  /** Distances >= maxDistance share the last bucket. Default 128 (T5). */
  maxDistance?: number;
}

function checkBucketOptions(op: string, options: unknown): Required<RelativeBucketOptions> {
  const o = checkOptionsObject<RelativeBucketOptions>(op, options, ['bidirectional', 'numBuckets', 'maxDistance']);
  const bidirectional = o.bidirectional ?? true;
  const numBuckets = o.numBuckets === undefined ? 32 : checkInt(op, 'options.numBuckets', o.numBuckets, bidirectional ? 4 : 2);
  const maxDistance = o.maxDistance === undefined ? 128 : checkInt(op, 'options.maxDistance', o.maxDistance, 1);
  return { bidirectional: !!bidirectional, numBuckets, maxDistance };
}

/**
 * T5's bucket of relative position rel = j − i (key minus query), as in HF `_relative_position_bucket`:
 * n = numBuckets (halved when bidirectional, the upper half for rel > 0), d = |rel| (bidirectional) or max(−rel, 0);
 * e = n/2 exact buckets for d < e, then e + ⌊log(d/e) / log(maxDistance/e) · (n − e)⌋ capped at n − 1.
 */
export function t5RelativeBucket(relativePosition: number, options?: RelativeBucketOptions): number {
  const o = checkBucketOptions('t5RelativeBucket', options);
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
  const large = maxExact + Math.trunc(Math.fround(Math.fround(Math.log(Math.fround(d / maxExact)) / Math.log(o.maxDistance / maxExact)) * (n - maxExact)));
  return result + Math.min(large, n - 1);
}

export interface RelativePositionBiasOptions extends RelativeBucketOptions {
  /** Where query i sits: 'bottom-right' (default) p = i + Lk − Lq (cached decoding), 'top-left' p = i. */
  alignment?: 'bottom-right' | 'top-left';
}

/**
 * An additive Float32 mask [1, H, Lq, Lk]: bias[h, i, j] = table[bucket(j − p), h], p the query's position,
 * with `table` T5's relative_attention_bias.weight [numBuckets, H]. Pass it as the SDPA mask
 * (T5 also uses scale 1). The in-kernel version (no Lq×Lk materialisation) is pending.
 */
export function relativePositionBias(table: Tensor, lenQ: number, lenK: number, options?: RelativePositionBiasOptions): Tensor {
  const op = 'relativePositionBias';
  const t = checkTensor<Float32Array>(op, 'table', table, [Float32Array], 'Float32Array');
  checkInt(op, 'lenQ', lenQ, 0);
  checkInt(op, 'lenK', lenK, 0);
  const { alignment, ...rest } = (options ?? {}) as RelativePositionBiasOptions;
  const o = checkBucketOptions(op, rest);
  if (alignment !== undefined && alignment !== 'bottom-right' && alignment !== 'top-left')
    throw shapeError(op, 'options.alignment', "'bottom-right' or 'top-left'", String(alignment));
  if (t.shape.length !== 2 || t.shape[0] !== o.numBuckets)
    throw shapeError(op, 'table', `[numBuckets, heads] = [${o.numBuckets}, *]`, formatShape(t.shape));
  const heads = t.shape[1];
  const shift = alignment === 'top-left' ? 0 : lenK - lenQ;
  const data = new Float32Array(heads * lenQ * lenK);
  for (let i = 0; i < lenQ; i++)
    for (let j = 0; j < lenK; j++) {
      const bk = bucket(j - (i + shift), o);
      for (let h = 0; h < heads; h++) data[(h * lenQ + i) * lenK + j] = t.data[bk * heads + h];
    }
  return { data, shape: Object.freeze([1, heads, lenQ, lenK]) };
}
