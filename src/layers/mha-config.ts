// MultiHeadAttention's constructor options, checked once: head counts, sizes, bias, seed.
import { formatShape, shapeError, typeError, valueError } from '../validation/error-factory';
import { isArray, snapshotOptions } from '../validation/snapshot';

export interface MultiHeadAttentionOptions {
  /** E: the model width, last dim of query and of the output. */
  embedDim: number;
  /** Query heads Hq. */
  numHeads: number;
  /** Key/value heads Hkv (grouped-query attention; 1 = multi-query). Must divide numHeads. Default numHeads. */
  numKvHeads?: number;
  /** Last dim of key. Default embedDim. */
  kdim?: number;
  /** Last dim of value. Default embedDim. */
  vdim?: number;
  /** Learn biases on the four projections (PyTorch's bias=True). Default true. */
  bias?: boolean;
  /** Per-head size D. Default embedDim / numHeads (which must then divide evenly). */
  headDim?: number;
  /** Seed of the Xavier-uniform initialisation. Default 0. */
  seed?: number;
}

export interface MhaConfig {
  embedDim: number;
  numHeads: number;
  numKvHeads: number;
  kdim: number;
  vdim: number;
  bias: boolean;
  headDim: number;
  seed: number;
}

const KNOWN = ['embedDim', 'numHeads', 'numKvHeads', 'kdim', 'vdim', 'bias', 'headDim', 'seed'];

function positiveInt(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number') throw typeError(op, arg, 'a positive integer', v);
  if (!Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1) throw valueError(op, arg, 'a positive integer', String(v));
  return v;
}

export function checkMhaOptions(op: string, options: unknown): MhaConfig {
  if (typeof options !== 'object' || options === null || isArray(op, 'options', options))
    throw typeError(op, 'options', 'an object { embedDim, numHeads, ... }', options);
  const o = snapshotOptions(op, options, KNOWN);
  const embedDim = positiveInt(op, 'options.embedDim', o.embedDim);
  const numHeads = positiveInt(op, 'options.numHeads', o.numHeads);
  const numKvHeads = o.numKvHeads === undefined ? numHeads : positiveInt(op, 'options.numKvHeads', o.numKvHeads);
  if (numHeads % numKvHeads !== 0)
    throw shapeError(
      op,
      'options.numKvHeads',
      `a divisor of numHeads = ${numHeads} (each kv head serves numHeads / numKvHeads query heads)`,
      String(numKvHeads),
    );
  let headDim: number;
  if (o.headDim === undefined) {
    if (embedDim % numHeads !== 0)
      throw shapeError(
        op,
        'options.embedDim',
        `divisible by numHeads = ${numHeads} (or pass options.headDim)`,
        `${embedDim} (${embedDim} % ${numHeads} = ${embedDim % numHeads})`,
      );
    headDim = embedDim / numHeads;
  } else {
    headDim = positiveInt(op, 'options.headDim', o.headDim);
  }
  const kdim = o.kdim === undefined ? embedDim : positiveInt(op, 'options.kdim', o.kdim);
  const vdim = o.vdim === undefined ? embedDim : positiveInt(op, 'options.vdim', o.vdim);
  if (o.bias !== undefined && typeof o.bias !== 'boolean') throw typeError(op, 'options.bias', 'a boolean', o.bias);
  let seed = 0;
  if (o.seed !== undefined) {
    if (typeof o.seed !== 'number') throw typeError(op, 'options.seed', 'an integer in [0, 2^32)', o.seed);
    if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed >= 2 ** 32)
      throw valueError(op, 'options.seed', 'an integer in [0, 2^32)', String(o.seed));
    seed = o.seed;
  }
  if ((numHeads + 2 * numKvHeads) * headDim * Math.max(embedDim, kdim, vdim) > 2 ** 31 - 1)
    throw shapeError(
      op,
      'options',
      'projection weights of at most 2^31 - 1 elements',
      formatShape([(numHeads + 2 * numKvHeads) * headDim, Math.max(embedDim, kdim, vdim)]),
    );
  return { embedDim, numHeads, numKvHeads, kdim, vdim, bias: o.bias ?? true, headDim, seed };
}
