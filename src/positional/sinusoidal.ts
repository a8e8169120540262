// Sinusoidal absolute positions (Vaswani et al. 2017, "Attention Is All You Need", §3.5):
//   PE(pos, 2i)   = sin(pos / base^(2i/d))
//   PE(pos, 2i+1) = cos(pos / base^(2i/d)),   base = 10000 in the paper.
// Angles are computed in float64 and rounded once, so long tables stay accurate.
import type { Tensor } from '../tensor';
import { formatShape, shapeError, valueError } from '../validation/error-factory';
import { checkTensor } from '../validation/tensor-checks';
import { checkInt, checkOptionsBag, checkPositive } from './checks';

export interface SinusoidalOptions {
  /** The wavelength base; default 10000. */
  base?: number;
}

/** A [maxLen, dim] table of sinusoidal encodings (an odd dim ends with a sine column). */
export function sinusoidalTable(maxLen: number, dim: number, options?: SinusoidalOptions): Tensor {
  const op = 'sinusoidalTable';
  const o = checkOptionsBag<SinusoidalOptions>(op, options, ['base']);
  checkInt(op, 'maxLen', maxLen);
  checkInt(op, 'dim', dim);
  const base = o.base === undefined ? 10000 : checkPositive(op, 'options.base', o.base);
  const data = new Float32Array(maxLen * dim);
  for (let c = 0; c < dim; c += 2) {
    const invFreq = base ** (-c / dim);
    for (let pos = 0; pos < maxLen; pos++) {
      const a = pos * invFreq;
      data[pos * dim + c] = Math.sin(a);
      if (c + 1 < dim) data[pos * dim + c + 1] = Math.cos(a);
    }
  }
  return { data, shape: Object.freeze([maxLen, dim]) };
}

export interface AddPositionalOptions {
  /** Position of the first row of x (tokens already in a cache); default 0. */
  offset?: number;
  /** Written with the result (may be x itself, to add in place). */
  out?: Tensor;
}

/**
 * x + table[offset + l] for x [L, d] or [B, L, d] and a [maxLen, d] table (sinusoidal or learned).
 * Throws a RangeError when offset + L > maxLen.
 */
export function addPositional(x: Tensor, table: Tensor, options?: AddPositionalOptions): Tensor {
  return addTableRows('addPositional', x, table, options);
}

/** addPositional under the name of the method that calls it, so its errors name that method and its offset argument. */
export function addTableRows(
  op: string,
  x: Tensor,
  table: Tensor,
  options: AddPositionalOptions | undefined,
  offsetArg = 'options.offset',
): Tensor {
  const o = checkOptionsBag<AddPositionalOptions>(op, options, ['offset', 'out']);
  const xt = checkTensor<Float32Array>(op, 'x', x, [Float32Array], 'Float32Array');
  const t = checkTensor<Float32Array>(op, 'table', table, [Float32Array], 'Float32Array');
  if (xt.shape.length !== 2 && xt.shape.length !== 3)
    throw shapeError(op, 'x', '[seq, dim] or [batch, seq, dim]', formatShape(xt.shape));
  const dim = xt.shape[xt.shape.length - 1];
  const len = xt.shape[xt.shape.length - 2];
  if (t.shape.length !== 2 || t.shape[1] !== dim)
    throw shapeError(op, 'table', `[maxLen, dim] = [*, ${dim}]`, formatShape(t.shape));
  const offset = o.offset === undefined ? 0 : checkInt(op, offsetArg, o.offset);
  const maxLen = t.shape[0];
  if (offset + len > maxLen)
    throw valueError(op, 'x', `positions < maxLen = ${maxLen}`, `positions ${offset}..${offset + len - 1}`);
  let out: Float32Array;
  if (o.out !== undefined) {
    const ot = checkTensor<Float32Array>(op, 'options.out', o.out, [Float32Array], 'Float32Array');
    if (formatShape(ot.shape) !== formatShape(xt.shape))
      throw shapeError(op, 'options.out', formatShape(xt.shape), formatShape(ot.shape));
    out = ot.data;
  } else out = new Float32Array(xt.data.length);
  const batch = xt.shape.length === 3 ? xt.shape[0] : 1;
  const rowBlock = len * dim;
  const tableStart = offset * dim;
  for (let b = 0; b < batch; b++) {
    const base = b * rowBlock;
    for (let i = 0; i < rowBlock; i++) out[base + i] = xt.data[base + i] + t.data[tableStart + i];
  }
  return (o.out as Tensor | undefined) ?? { data: out, shape: Object.freeze(xt.shape.slice()) };
}
