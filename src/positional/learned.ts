// A learned absolute position table [maxLen, dim] (BERT, GPT-2): row p is the vector added at position p.
// Positions at or past maxLen have no row, so they are a RangeError rather than a silent wrap or clamp.
import { createRng } from '../util/rng';
import type { Tensor } from '../tensor';
import { formatShape, shapeError, typeError, valueError } from '../validation/error-factory';
import { checkTensor } from '../validation/tensor-checks';
import { checkInt, checkOptionsBag } from './checks';
import { addTableRows } from './sinusoidal';

export interface LearnedPositionalOptions {
  maxLen: number;
  dim: number;
  /** The trained table [maxLen, dim] (copied). Without it: N(0, std²) from `seed`. */
  weight?: Tensor;
  /** Standard deviation of the random init; default 0.02 (GPT-2's). */
  std?: number;
  /** Seed of the random init; default 0. */
  seed?: number;
}

export class LearnedPositionalEmbedding {
  readonly maxLen: number;
  readonly dim: number;
  /** The [maxLen, dim] table; its data may be overwritten in place (e.g. with trained values). */
  readonly weight: Tensor;
  /**
   * The table's gradient [maxLen, dim], summed over every `backward()` call since the last `zeroGrad()`
   * (as a PyTorch parameter's .grad); null before the first.
   */
  grad: Tensor | null = null;

  constructor(options: LearnedPositionalOptions) {
    const op = 'LearnedPositionalEmbedding';
    if (typeof options !== 'object' || options === null)
      throw typeError(op, 'options', 'an object { maxLen, dim, weight?, std?, seed? }', options);
    const o = checkOptionsBag<LearnedPositionalOptions>(op, options, ['maxLen', 'dim', 'weight', 'std', 'seed']);
    this.maxLen = checkInt(op, 'options.maxLen', o.maxLen);
    this.dim = checkInt(op, 'options.dim', o.dim);
    const data = new Float32Array(this.maxLen * this.dim);
    if (o.weight !== undefined) {
      const w = checkTensor<Float32Array>(op, 'options.weight', o.weight, [Float32Array], 'Float32Array');
      if (w.shape.length !== 2 || w.shape[0] !== this.maxLen || w.shape[1] !== this.dim)
        throw shapeError(op, 'options.weight', `[maxLen, dim] = [${this.maxLen}, ${this.dim}]`, formatShape(w.shape));
      data.set(w.data);
    } else {
      const std = o.std ?? 0.02;
      if (typeof std !== 'number' || !Number.isFinite(std) || std < 0)
        throw valueError(op, 'options.std', 'a finite number >= 0', String(std));
      const rng = createRng(o.seed === undefined ? 0 : checkInt(op, 'options.seed', o.seed));
      for (let i = 0; i < data.length; i++) data[i] = std * rng.normal();
    }
    this.weight = { data, shape: Object.freeze([this.maxLen, this.dim]) };
  }

  /**
   * The rows for positions offset .. offset + len - 1 (`lookup(len, offset = 0)`) or for a list of
   * positions (`lookup([3, 0, 7])`), as a [count, dim] tensor. RangeError past maxLen.
   */
  lookup(lenOrPositions: number | ArrayLike<number>, offsetArg = 0): Tensor {
    const op = 'LearnedPositionalEmbedding.lookup';
    if (typeof lenOrPositions === 'number') {
      const count = checkInt(op, 'len', lenOrPositions);
      const offset = checkInt(op, 'offset', offsetArg);
      if (offset + count > this.maxLen)
        throw valueError(
          op,
          'offset + len',
          `positions < maxLen = ${this.maxLen}`,
          `positions ${offset}..${offset + count - 1}`,
        );
      const data = this.weight.data.slice(offset * this.dim, (offset + count) * this.dim);
      return { data, shape: Object.freeze([count, this.dim]) };
    }
    const positions = lenOrPositions;
    if (typeof positions !== 'object' || positions === null || typeof positions.length !== 'number')
      throw typeError(op, 'positions', 'an array of integers (or offset, len)', positions);
    const out = new Float32Array(positions.length * this.dim);
    for (let i = 0; i < positions.length; i++) {
      const p = positions[i];
      if (!Number.isInteger(p) || p < 0 || p >= this.maxLen)
        throw valueError(op, `positions[${i}]`, `an integer in [0, maxLen = ${this.maxLen})`, String(p));
      out.set(this.weight.data.subarray(p * this.dim, (p + 1) * this.dim), i * this.dim);
    }
    return { data: out, shape: Object.freeze([positions.length, this.dim]) };
  }

  /** x + weight[offset + l] for x [L, dim] or [B, L, dim]; RangeError when offset + L > maxLen. */
  addTo(x: Tensor, offset = 0): Tensor {
    return addTableRows('LearnedPositionalEmbedding.addTo', x, this.weight, { offset }, 'offset');
  }

  /**
   * Accumulates the table's gradient for dOut, the gradient of an `addTo`/`apply` result ([L, dim] or
   * [B, L, dim], at the same offset): grad rows offset .. offset + L − 1 += dOut summed over the batch.
   * The gradient of x itself is dOut unchanged.
   * @example
   * const h = pos.apply(x); … pos.backward(dH); opt.step({ weight: pos.grad!.data });
   */
  backward(dOut: Tensor, offset = 0): void {
    const op = 'LearnedPositionalEmbedding.backward';
    const t = checkTensor<Float32Array>(op, 'dOut', dOut, [Float32Array], 'Float32Array');
    if ((t.shape.length !== 2 && t.shape.length !== 3) || t.shape[t.shape.length - 1] !== this.dim)
      throw shapeError(op, 'dOut', `[seq, dim] or [batch, seq, dim] with dim = ${this.dim}`, formatShape(t.shape));
    const at = checkInt(op, 'offset', offset);
    const len = t.shape[t.shape.length - 2];
    if (at + len > this.maxLen)
      throw valueError(op, 'dOut', `positions < maxLen = ${this.maxLen}`, `positions ${at}..${at + len - 1}`);
    this.grad ??= { data: new Float32Array(this.maxLen * this.dim), shape: Object.freeze([this.maxLen, this.dim]) };
    const g = this.grad.data;
    const block = len * this.dim;
    const batch = t.shape.length === 3 ? t.shape[0] : 1;
    for (let i = 0; i < block; i++) {
      let sum = 0;
      for (let b = 0; b < batch; b++) sum += t.data[b * block + i];
      g[at * this.dim + i] += sum;
    }
  }

  /** Sets the accumulated gradient to zero (keeps the array). */
  zeroGrad(): void {
    this.grad?.data.fill(0);
  }

  /** x + weight[offset + l] for x [L, dim] or [B, L, dim]; RangeError when offset + L > maxLen. */
  apply(x: Tensor, options?: { offset?: number; out?: Tensor }): Tensor {
    return addTableRows('LearnedPositionalEmbedding.apply', x, this.weight, options);
  }
}
