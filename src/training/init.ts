// Weight initialisers with PyTorch's formulas (torch.nn.init), seeded so every run is reproducible.
// Fans follow torch.nn.init._calculate_fan_in_and_fan_out: a weight [out, in, ...rest] has
// fanIn = in·prod(rest) and fanOut = out·prod(rest) (nn.Linear's [outFeatures, inFeatures] layout).
import type { Tensor } from '../tensor';
import { createRng, type Rng } from '../util/rng';
import { shapeError, typeError, valueError } from '../validation/error-factory';
import { snapshotOptions } from '../validation/snapshot';
import { checkTensor } from '../validation/tensor-checks';

export interface InitOptions {
  /** Seed of the generator (an integer in [0, 2^32)); default 0. */
  seed?: number;
  /** Multiplies the bound or standard deviation (torch.nn.init.calculate_gain); default 1. */
  gain?: number;
}

export interface KaimingOptions {
  seed?: number;
  /** The negative slope of the leaky ReLU that follows; default √5, nn.Linear's own init. */
  a?: number;
  /** Whose variance is preserved: 'fanIn' (default, the forward pass) or 'fanOut' (the backward pass). */
  mode?: 'fanIn' | 'fanOut';
  /** 'leakyRelu' (default, with `a`), 'relu' or 'linear'. */
  nonlinearity?: 'leakyRelu' | 'relu' | 'linear';
}

function fans(op: string, shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2)
    throw shapeError(op, 'weight', 'at least 2-D ([out, in, ...]) for fans to be defined', `[${shape.join(', ')}]`);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

function finiteNumber(op: string, arg: string, value: unknown, fallback: number, positive = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw typeError(op, arg, positive ? 'a finite number > 0' : 'a finite number', value);
  if (!Number.isFinite(value) || (positive && !(value > 0)))
    throw valueError(op, arg, positive ? 'a finite number > 0' : 'a finite number', String(value));
  return value;
}

function seededRng(op: string, seed: unknown): Rng {
  if (seed === undefined) return createRng(0);
  if (typeof seed !== 'number') throw typeError(op, 'options.seed', 'an integer in [0, 2^32)', seed);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)
    throw valueError(op, 'options.seed', 'an integer in [0, 2^32)', String(seed));
  return createRng(seed);
}

function prepare(op: string, weight: unknown, options: unknown, known: string[]) {
  const o = snapshotOptions(op, options, known);
  const w = checkTensor<Float32Array>(op, 'weight', weight, [Float32Array], 'Float32Array');
  return { o, w, ...fans(op, w.shape), rng: seededRng(op, o.seed) };
}

function fillUniform(data: Float32Array, bound: number, rng: Rng): void {
  for (let i = 0; i < data.length; i++) data[i] = (2 * rng.uniform() - 1) * bound;
}

/**
 * Fills weight in place with U(−a, a), a = gain·√(6 / (fanIn + fanOut)) (Glorot & Bengio 2010;
 * torch.nn.init.xavier_uniform_). nn.MultiheadAttention initialises its in_proj_weight this way.
 * @example xavierUniform(tensor(new Float32Array(64 * 32), [64, 32]), { seed: 1 });
 */
export function xavierUniform(weight: Tensor, options?: InitOptions): Tensor {
  const op = 'xavierUniform';
  const { o, w, fanIn, fanOut, rng } = prepare(op, weight, options, ['seed', 'gain']);
  const gain = finiteNumber(op, 'options.gain', o.gain, 1);
  fillUniform(w.data, fanIn + fanOut > 0 ? gain * Math.sqrt(6 / (fanIn + fanOut)) : 0, rng);
  return weight;
}

/** Fills weight in place with N(0, std²), std = gain·√(2 / (fanIn + fanOut)) (torch.nn.init.xavier_normal_). */
export function xavierNormal(weight: Tensor, options?: InitOptions): Tensor {
  const op = 'xavierNormal';
  const { o, w, fanIn, fanOut, rng } = prepare(op, weight, options, ['seed', 'gain']);
  const std = fanIn + fanOut > 0 ? finiteNumber(op, 'options.gain', o.gain, 1) * Math.sqrt(2 / (fanIn + fanOut)) : 0;
  for (let i = 0; i < w.data.length; i++) w.data[i] = std * rng.normal();
  return weight;
}

/**
 * Fills weight in place with U(−b, b), b = gain·√(3 / fan) (He et al. 2015; torch.nn.init.kaiming_uniform_),
 * gain √(2 / (1 + a²)) for a leaky ReLU, √2 for ReLU, 1 for linear. The defaults (a = √5, fanIn) are
 * nn.Linear's: b = 1/√inFeatures.
 */
export function kaimingUniform(weight: Tensor, options?: KaimingOptions): Tensor {
  const op = 'kaimingUniform';
  const { o, w, fanIn, fanOut, rng } = prepare(op, weight, options, ['seed', 'a', 'mode', 'nonlinearity']);
  const a = finiteNumber(op, 'options.a', o.a, Math.sqrt(5));
  const mode = o.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') throw valueError(op, 'options.mode', "'fanIn' or 'fanOut'", String(mode));
  const nl = o.nonlinearity ?? 'leakyRelu';
  const gains: Record<string, number> = { leakyRelu: Math.sqrt(2 / (1 + a * a)), relu: Math.SQRT2, linear: 1 };
  if (typeof nl !== 'string' || !(nl in gains))
    throw valueError(op, 'options.nonlinearity', "'leakyRelu', 'relu' or 'linear'", String(nl));
  const fan = mode === 'fanIn' ? fanIn : fanOut;
  fillUniform(w.data, fan > 0 ? gains[nl] * Math.sqrt(3 / fan) : 0, rng);
  return weight;
}
