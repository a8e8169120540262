// MultiHeadAttention's `positional` option, checked and turned into what it does:
//   rope  → q and k rotated after projection (applyRope, in place);
//   alibi → scaledDotProductAttention's `alibiSlopes` (−slope_h·|i − j| added in the kernel);
//   t5    → scaledDotProductAttention's `relativeBias`, the [H, Lq + Lk − 1] diagonals of t5RelativeBias.
// Positions are top-left, as the layer's causal mask (PyTorch's is_causal): query i and key j sit at
// positions i and j, so the layer always passes causalAlignment 'top-left' and builds the T5 bias with
// alignment 'top-left'. Neither bias is materialised as an Lq×Lk mask.
import { alibiSlopes } from '../positional/alibi';
import { resolveBucketOptions, t5RelativeBias, type RelativeBucketOptions } from '../positional/relative';
import type { RopeOptions } from '../positional/rope';
import type { Tensor } from '../tensor';
import { formatShape, shapeError, typeError, valueError } from '../validation/error-factory';
import type { SdpaOptions } from '../validation/sdpa-options';
import { checkTensor } from '../validation/tensor-checks';
import { snapshotOptions } from '../validation/snapshot';

/** RoPE inside the layer: rotates q and k (positions offset + l) after projection. */
export interface RopePositional extends Omit<RopeOptions, 'layout' | 'inPlace'> {
  type: 'rope';
}

/** ALiBi (Press et al. 2022): head h adds −slopes[h]·|i − j| to the scores, in the kernel. */
export interface AlibiPositional {
  type: 'alibi';
  /** One slope per query head (numHeads). Default alibiSlopes(numHeads), the paper's. */
  slopes?: Float32Array | Float64Array | readonly number[];
}

/** T5 relative position bias: table[bucket(j − i), h] added to the scores, in the kernel. */
export interface T5Positional extends RelativeBucketOptions {
  type: 't5';
  /** relative_attention_bias.weight: Float32Array [numBuckets, numHeads] (or [numBuckets, 1], shared). */
  table: Tensor;
}

export type MhaPositional = RopePositional | AlibiPositional | T5Positional;

const EXPECTED =
  "{ type: 'rope', style?, base?, offset?, rotaryDim? }, { type: 'alibi', slopes? } or { type: 't5', table, bidirectional?, numBuckets?, maxDistance? }";

/** Checks the shape of `options.positional` that does not depend on the input lengths. */
export function checkPositional(op: string, value: unknown, numHeads: number): MhaPositional | undefined {
  if (value === undefined) return undefined;
  const arg = 'options.positional';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw typeError(op, arg, EXPECTED, value);
  const type = (value as { type?: unknown }).type;
  if (type === 'rope') return value as RopePositional;
  if (type === 'alibi') {
    const alibi = snapshotOptions(op, value, ['type', 'slopes'], arg) as unknown as AlibiPositional;
    if (alibi.slopes !== undefined) checkSlopes(op, `${arg}.slopes`, alibi.slopes, numHeads);
    return alibi;
  }
  if (type === 't5') {
    const p = value as T5Positional;
    const { numBuckets } = resolveBucketOptions(op, p, arg, ['type', 'table']);
    const { shape } = checkTensor<Float32Array>(op, `${arg}.table`, p.table, [Float32Array], 'Float32Array');
    if (shape.length !== 2 || shape[0] !== numBuckets || (shape[1] !== numHeads && shape[1] !== 1))
      throw shapeError(
        op,
        `${arg}.table`,
        `[numBuckets, numHeads] = [${numBuckets}, ${numHeads}] (or [${numBuckets}, 1])`,
        formatShape(shape),
      );
    return p;
  }
  if (type === undefined || typeof type !== 'string') throw typeError(op, arg, EXPECTED, value);
  throw valueError(op, `${arg}.type`, "one of 'rope', 'alibi', 't5'", `'${type}'`);
}

function checkSlopes(op: string, arg: string, slopes: unknown, numHeads: number): void {
  if (!(Array.isArray(slopes) || slopes instanceof Float32Array || slopes instanceof Float64Array))
    throw typeError(
      op,
      arg,
      `a Float32Array, Float64Array or array of ${numHeads} numbers (one per query head; alibiSlopes(numHeads))`,
      slopes,
    );
  const xs = slopes as ArrayLike<unknown>;
  if (xs.length !== numHeads)
    throw shapeError(op, arg, `one slope per query head: length numHeads = ${numHeads}`, `length ${xs.length}`);
  for (let h = 0; h < numHeads; h++) {
    const x = xs[h];
    if (typeof x !== 'number') throw typeError(op, `${arg}[${h}]`, 'a finite float32 number', x);
    if (!Number.isFinite(Math.fround(x))) throw valueError(op, `${arg}[${h}]`, 'a finite float32 number', String(x));
  }
}

/** The SDPA options that carry a checked ALiBi / T5 `positional` (nothing for RoPE, applied to q and k instead). */
export function positionalSdpaOptions(
  p: MhaPositional | undefined,
  numHeads: number,
  lenQ: number,
  lenK: number,
): Pick<SdpaOptions, 'alibiSlopes' | 'relativeBias'> {
  if (p?.type === 'alibi') return { alibiSlopes: p.slopes ?? alibiSlopes(numHeads) };
  if (p?.type === 't5') {
    const { table, bidirectional, numBuckets, maxDistance } = p;
    const buckets = {
      ...(bidirectional !== undefined ? { bidirectional } : {}),
      ...(numBuckets !== undefined ? { numBuckets } : {}),
      ...(maxDistance !== undefined ? { maxDistance } : {}),
    };
    return { relativeBias: t5RelativeBias(table, lenQ, lenK, { ...buckets, alignment: 'top-left' }) };
  }
  return {};
}
