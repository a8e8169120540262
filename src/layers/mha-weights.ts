// MultiHeadAttention's parameters: layout, Xavier-uniform init, and loading PyTorch / plain state dicts.
//
// Layout (all nn.Linear style, [out, in], row-major):
//   inProj  [(Hq + 2·Hkv)·D, E]  rows q | k | v, only when kdim = vdim = E (PyTorch's in_proj_weight); then
//   wq/wk/wv are subarray views into it (loaded as one matrix, initialised as one, as PyTorch does).
//   wq [Hq·D, E], wk [Hkv·D, kdim], wv [Hkv·D, vdim], wo [E, Hq·D]; biases bq/bk/bv (views of inBias) and bo.
import type { Tensor } from '../tensor';
import { createRng, type Rng } from '../util/rng';
import { formatShape, shapeError, typeError, unknownKeyError } from '../validation/error-factory';
import type { MhaConfig } from './mha-config';

export interface MhaWeights {
  /** Fused [(Hq + 2Hkv)·D, E] or null when kdim/vdim ≠ E. */
  inProj: Float32Array | null;
  inBias: Float32Array | null;
  wq: Float32Array;
  wk: Float32Array;
  wv: Float32Array;
  wo: Float32Array;
  bq: Float32Array | null;
  bk: Float32Array | null;
  bv: Float32Array | null;
  bo: Float32Array | null;
}

export function fused(c: MhaConfig): boolean {
  return c.kdim === c.embedDim && c.vdim === c.embedDim;
}

export function allocWeights(c: MhaConfig): MhaWeights {
  const qRows = c.numHeads * c.headDim;
  const kvRows = c.numKvHeads * c.headDim;
  const E = c.embedDim;
  const inBias = c.bias ? new Float32Array(qRows + 2 * kvRows) : null;
  const biasViews = inBias
    ? { bq: inBias.subarray(0, qRows), bk: inBias.subarray(qRows, qRows + kvRows), bv: inBias.subarray(qRows + kvRows) }
    : { bq: null, bk: null, bv: null };
  const bo = c.bias ? new Float32Array(E) : null;
  const wo = new Float32Array(E * qRows);
  if (fused(c)) {
    const inProj = new Float32Array((qRows + 2 * kvRows) * E);
    return {
      inProj,
      inBias,
      wq: inProj.subarray(0, qRows * E),
      wk: inProj.subarray(qRows * E, (qRows + kvRows) * E),
      wv: inProj.subarray((qRows + kvRows) * E),
      wo,
      ...biasViews,
      bo,
    };
  }
  return {
    inProj: null,
    inBias,
    wq: new Float32Array(qRows * E),
    wk: new Float32Array(kvRows * c.kdim),
    wv: new Float32Array(kvRows * c.vdim),
    wo,
    ...biasViews,
    bo,
  };
}

/** Xavier/Glorot uniform: U(−a, a), a = √(6 / (fanIn + fanOut)) (Glorot & Bengio 2010). */
function xavier(w: Float32Array, fanOut: number, fanIn: number, rng: Rng): void {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * a;
}

/**
 * As nn.MultiheadAttention._reset_parameters: Xavier-uniform over the fused in_proj_weight as one matrix
 * (or q/k/v separately), zero biases. The output projection also gets Xavier-uniform (PyTorch keeps
 * nn.Linear's Kaiming-uniform there); biases start at zero.
 */
export function initWeights(c: MhaConfig, w: MhaWeights): void {
  const rng = createRng(c.seed);
  const qRows = c.numHeads * c.headDim;
  const kvRows = c.numKvHeads * c.headDim;
  if (w.inProj) xavier(w.inProj, qRows + 2 * kvRows, c.embedDim, rng);
  else {
    xavier(w.wq, qRows, c.embedDim, rng);
    xavier(w.wk, kvRows, c.kdim, rng);
    xavier(w.wv, kvRows, c.vdim, rng);
  }
  xavier(w.wo, c.embedDim, qRows, rng);
}

/** Copies one named tensor into `dst` after checking its shape. */
function put(op: string, name: string, value: unknown, shape: number[], dst: Float32Array): void {
  if (typeof value !== 'object' || value === null || !('data' in value) || !('shape' in value))
    throw typeError(op, name, `a tensor { data: Float32Array, shape: ${formatShape(shape)} }`, value);
  const t = value as Tensor;
  if (!(t.data instanceof Float32Array)) throw typeError(op, `${name}.data`, 'a Float32Array', t.data);
  if (!Array.isArray(t.shape)) throw typeError(op, `${name}.shape`, 'an array', t.shape);
  if (formatShape(t.shape) !== formatShape(shape)) throw shapeError(op, name, formatShape(shape), formatShape(t.shape));
  if (t.data.length !== dst.length)
    throw shapeError(op, `${name}.data`, `of length ${dst.length}`, `length ${t.data.length}`);
  dst.set(t.data);
}

function checkKeys(op: string, dict: Record<string, unknown>, allowed: string[], required: string[]): void {
  for (const key of Object.keys(dict))
    if (!allowed.includes(key)) throw unknownKeyError(op, `stateDict['${key}']`, key, allowed, 'the expected names');
  for (const key of required) if (!(key in dict)) throw typeError(op, `stateDict['${key}']`, 'present', undefined);
}

/**
 * nn.MultiheadAttention.state_dict() names and layouts: in_proj_weight [3E, E] (rows q|k|v) when
 * kdim = vdim = E, else q_proj_weight [E, E], k_proj_weight [E, kdim], v_proj_weight [E, vdim];
 * in_proj_bias [3E], out_proj.weight [E, E], out_proj.bias [E]. With numKvHeads ≠ numHeads the
 * k/v row counts become Hkv·D (no PyTorch module has that, but the layout extends naturally).
 */
export function loadPyTorchDict(op: string, c: MhaConfig, w: MhaWeights, dictIn: unknown): void {
  if (typeof dictIn !== 'object' || dictIn === null) throw typeError(op, 'stateDict', 'an object of tensors', dictIn);
  const dict = dictIn as Record<string, unknown>;
  const qRows = c.numHeads * c.headDim;
  const kvRows = c.numKvHeads * c.headDim;
  const E = c.embedDim;
  const biasNames = c.bias ? ['in_proj_bias', 'out_proj.bias'] : [];
  if (w.inProj) {
    checkKeys(
      op,
      dict,
      ['in_proj_weight', 'out_proj.weight', ...biasNames],
      ['in_proj_weight', 'out_proj.weight', ...biasNames],
    );
    put(op, "stateDict['in_proj_weight']", dict.in_proj_weight, [qRows + 2 * kvRows, E], w.inProj);
  } else {
    const names = ['q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'out_proj.weight', ...biasNames];
    checkKeys(op, dict, names, names);
    put(op, "stateDict['q_proj_weight']", dict.q_proj_weight, [qRows, E], w.wq);
    put(op, "stateDict['k_proj_weight']", dict.k_proj_weight, [kvRows, c.kdim], w.wk);
    put(op, "stateDict['v_proj_weight']", dict.v_proj_weight, [kvRows, c.vdim], w.wv);
  }
  put(op, "stateDict['out_proj.weight']", dict['out_proj.weight'], [E, qRows], w.wo);
  if (w.inBias && w.bo) {
    put(op, "stateDict['in_proj_bias']", dict.in_proj_bias, [qRows + 2 * kvRows], w.inBias);
    put(op, "stateDict['out_proj.bias']", dict['out_proj.bias'], [E], w.bo);
  }
}

/** The plain form { wq, wk, wv, wo, bq?, bk?, bv?, bo? }, each [out, in] like nn.Linear. */
export function loadPlainDict(op: string, c: MhaConfig, w: MhaWeights, dictIn: unknown): void {
  if (typeof dictIn !== 'object' || dictIn === null) throw typeError(op, 'weights', 'an object of tensors', dictIn);
  const dict = dictIn as Record<string, unknown>;
  const names = ['wq', 'wk', 'wv', 'wo'];
  const biasNames = c.bias ? ['bq', 'bk', 'bv', 'bo'] : [];
  for (const key of Object.keys(dict))
    if (![...names, ...biasNames].includes(key))
      throw unknownKeyError(op, `weights.${key}`, key, [...names, ...biasNames], 'the expected names');
  for (const key of [...names, ...biasNames])
    if (!(key in dict)) throw typeError(op, `weights.${key}`, 'present', undefined);
  const qRows = c.numHeads * c.headDim;
  const kvRows = c.numKvHeads * c.headDim;
  put(op, 'weights.wq', dict.wq, [qRows, c.embedDim], w.wq);
  put(op, 'weights.wk', dict.wk, [kvRows, c.kdim], w.wk);
  put(op, 'weights.wv', dict.wv, [kvRows, c.vdim], w.wv);
  put(op, 'weights.wo', dict.wo, [c.embedDim, qRows], w.wo);
  if (w.bq && w.bk && w.bv && w.bo) {
    put(op, 'weights.bq', dict.bq, [qRows], w.bq);
    put(op, 'weights.bk', dict.bk, [kvRows], w.bk);
    put(op, 'weights.bv', dict.bv, [kvRows], w.bv);
    put(op, 'weights.bo', dict.bo, [c.embedDim], w.bo);
  }
}
