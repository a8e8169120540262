// What a valid call must return: float64 references (test/helpers/reference.ts, test/layers/mha-reference.ts)
// under the numeric contract (scale, softcap and per-head values rounded to float32; a score that
// overflows float32 makes its row NaN), with a tolerance scaled by the size of the scores.
import { mhaReference } from '../layers/mha-reference';
import { referenceSdpa, type RefInput } from '../helpers/reference';
import type { Built } from './build';
import { outDims, scoreDims } from './sdpa-model';
import type { LinearModel, SdpaModel, SelfAttnModel } from './spec';

export interface Expected {
  shape: number[];
  /** NaN where the contract says NaN. */
  values: Float64Array;
  /** Entries where 0 is accepted too (masked keys in a NaN row). */
  zeroOk?: Uint8Array;
  tol: number;
  weights?: { shape: number[]; values: Float64Array; zeroOk?: Uint8Array; tol: number };
}

const f32 = Math.fround;
const maxAbs = (xs: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < xs.length; i++) if (Number.isFinite(xs[i]) && Math.abs(xs[i]) > m) m = Math.abs(xs[i]);
  return m;
};
/** Largest L1 norm of a row of `width` (rows are contiguous in the last dim). */
const rowL1 = (xs: ArrayLike<number>, width: number): number => {
  let m = 0;
  for (let at = 0; at < xs.length; at += Math.max(width, 1)) {
    let s = 0;
    for (let d = 0; d < width; d++) s += Math.abs(xs[at + d]);
    m = Math.max(m, s);
  }
  return m;
};
const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** A broadcast mask read at logical (b, h, i, j), NumPy rules, as test/helpers/sdpa-case.ts reads it. */
function maskReader(data: Float32Array | Uint8Array, dims: number[], rank3: boolean): RefInput['mask'] {
  return (b, h, i, j) => {
    const full = rank3 ? [b, i, j] : [b, h, i, j];
    let idx = 0;
    let stride = 1;
    for (let m = dims.length - 1, t = full.length - 1; m >= 0; m--, t--) {
      idx += (dims[m] === 1 ? 0 : full[t]) * stride;
      stride *= dims[m];
    }
    const x = data[idx];
    return data instanceof Uint8Array ? x !== 0 : x;
  };
}

export function sdpaExpected(m: SdpaModel, b: Built): Expected {
  const shape = outDims(m);
  const wShape = scoreDims(m);
  const empty = size(shape) === 0 && (!m.weightsOut || size(wShape) === 0);
  if (empty)
    return {
      shape,
      values: new Float64Array(0),
      tol: 0,
      ...(m.weightsOut ? { weights: { shape: wShape, values: new Float64Array(0), tol: 0 } } : {}),
    };
  const q = b.data.q as Float32Array;
  const k = b.data.k as Float32Array;
  const v = b.data.v as Float32Array;
  const mask = b.data.mask;
  const rel = b.data.relativeBias as Float32Array | undefined;
  const round = (xs?: number[]) => xs?.map(f32);
  const softcap = m.softcap !== undefined && m.softcap > 0 ? f32(m.softcap) : undefined;
  const ref = referenceSdpa({
    B: m.B,
    Hq: m.Hq,
    Hkv: m.Hkv,
    Lq: m.Lq,
    Lk: m.Lk,
    D: m.D,
    Dv: m.Dv,
    q,
    k,
    v,
    layout: m.rank === 3 ? 'bhsd' : m.layout,
    scale: m.scale === undefined ? undefined : f32(m.scale),
    causal: m.causal,
    topLeft: m.topLeft,
    mask: mask && maskReader(mask, b.dims.mask!, m.rank === 3),
    window: m.window,
    softcap,
    alibiSlopes: round(m.alibi),
    relativeBias: m.relativeBias && rel ? { data: rel, heads: b.dims.relativeBias![0] } : undefined,
    sinks: round(m.sinks),
    kvLengths: m.kvLengths,
  });
  // Score size: |scale|·Σ|q||k| bounds the dot product's rounding; the additive terms add theirs.
  const scale = Math.abs(m.scale === undefined ? (m.D > 0 ? 1 / Math.sqrt(m.D) : 1) : f32(m.scale));
  const M = scale * rowL1(q, m.D) * maxAbs(k);
  const T =
    (mask instanceof Float32Array ? maxAbs(mask) : 0) +
    maxAbs(m.alibi ?? []) * (m.Lq + m.Lk) +
    (rel ? maxAbs(rel) : 0) +
    maxAbs(m.sinks ?? []);
  const tolW = (m.bf16 ? 1e-2 : 2e-6) * (1 + M + T);
  const tolOut = 2 * tolW * (1 + maxAbs(v));
  const out: Expected = { shape, values: ref.out, tol: tolOut };
  if (m.weightsOut) out.weights = { shape: wShape, values: ref.weights, tol: tolW };
  if (m.overflow && m.D > 0) overflowRows(m, out, ref.weights);
  return out;
}

/** Every visible score is +Infinity in float32: a row that sees a key is NaN; masked weights may stay 0. */
function overflowRows(m: SdpaModel, e: Expected, weights: Float64Array): void {
  const rowsOut = new Float64Array(e.values.length);
  const wv = new Float64Array(weights.length);
  const wz = new Uint8Array(weights.length);
  for (let b = 0; b < m.B; b++)
    for (let h = 0; h < m.Hq; h++)
      for (let i = 0; i < m.Lq; i++) {
        const row = ((b * m.Hq + h) * m.Lq + i) * m.Lk;
        let sum = 0;
        for (let j = 0; j < m.Lk; j++) sum += weights[row + j];
        const nan = sum > 0.5;
        for (let j = 0; j < m.Lk; j++) {
          wv[row + j] = nan ? NaN : 0;
          wz[row + j] = nan && weights[row + j] === 0 ? 1 : 0;
        }
        for (let d = 0; d < m.Dv; d++) {
          const at =
            m.rank === 3 || m.layout === 'bhsd'
              ? ((b * m.Hq + h) * m.Lq + i) * m.Dv + d
              : ((b * m.Lq + i) * m.Hq + h) * m.Dv + d;
          rowsOut[at] = nan ? NaN : 0;
        }
      }
  e.values = rowsOut;
  if (e.weights) {
    e.weights.values = wv;
    e.weights.zeroOk = wz;
  }
}

export function linearExpected(m: LinearModel, b: Built): Expected {
  const x = b.data.x as Float32Array;
  const w = b.data.weight as Float32Array;
  const bias = m.bias ? (b.data.bias as Float32Array) : undefined;
  const y = new Float64Array(m.rows * m.outF);
  for (let r = 0; r < m.rows; r++)
    for (let o = 0; o < m.outF; o++) {
      let s = bias ? bias[o] : 0;
      for (let i = 0; i < m.inF; i++) s += x[r * m.inF + i] * w[o * m.inF + i];
      y[r * m.outF + o] = s;
    }
  return { shape: m.outShape, values: y, tol: 2e-6 * (1 + rowL1(x, m.inF) * maxAbs(w) + (bias ? maxAbs(bias) : 0)) };
}

export function selfAttentionExpected(m: SelfAttnModel, b: Built): Expected {
  const x = b.data.x as Float32Array;
  const { B, L, E } = m;
  const valid = new Uint8Array(B * L).fill(1);
  for (let bb = 0; bb < B; bb++)
    for (let l = 0; l < L; l++) {
      if (m.lengths) valid[bb * L + l] = l < m.lengths[bb] ? 1 : 0;
      else if (m.paddingValue !== undefined) {
        let pad = true;
        for (let e = 0; e < E; e++) pad &&= x[(bb * L + l) * E + e] === m.paddingValue;
        valid[bb * L + l] = pad ? 0 : 1;
      }
    }
  const ref = referenceSdpa({
    B,
    Hq: 1,
    Hkv: 1,
    Lq: L,
    Lk: L,
    D: E,
    Dv: E,
    q: x,
    k: x,
    v: x,
    scale: m.scale === undefined ? undefined : f32(m.scale),
    causal: m.causal,
    topLeft: true,
    mask: (bb, _h, _i, j) => valid[bb * L + j] === 1,
  });
  for (let r = 0; r < B * L; r++) if (!valid[r]) ref.out.fill(0, r * E, (r + 1) * E);
  const scale = Math.abs(m.scale === undefined ? (E > 0 ? 1 / Math.sqrt(E) : 1) : f32(m.scale));
  const tolW = 2e-6 * (1 + scale * rowL1(x, E) * maxAbs(x));
  return { shape: [B, L, E], values: ref.out, tol: 2 * tolW * (1 + maxAbs(x)) };
}

/** MultiHeadAttention.forward without positional/window/softcap/sinks, from the layer's own weights. */
export function mhaExpected(
  mha: {
    weights(): Record<string, { data: Float32Array; shape: readonly number[] }>;
    config: { numHeads: number; numKvHeads: number; headDim: number; embedDim: number };
  },
  b: Built,
  o: {
    self: boolean;
    causal: boolean;
    padding: boolean;
    needWeights: boolean;
    averageWeights: boolean;
    B: number;
    Lq: number;
    Lk: number;
  },
): Expected {
  const w = mha.weights() as unknown as Parameters<typeof mhaReference>[3];
  const q = { data: b.data.q as Float32Array, shape: b.dims.q! };
  const k = o.self ? q : { data: b.data.k as Float32Array, shape: b.dims.k! };
  const v = o.self ? q : { data: b.data.v as Float32Array, shape: b.dims.v! };
  const c = mha.config;
  const ref = mhaReference(q, k, v, w, {
    heads: c.numHeads,
    kvHeads: c.numKvHeads,
    headDim: c.headDim,
    padding: o.padding ? (b.data.keyPaddingMask as Uint8Array) : undefined,
    causal: o.causal,
  });
  const e: Expected = { shape: [o.B, o.Lq, c.embedDim], values: ref.out, tol: 1e-4 };
  if (o.needWeights) {
    const { B, Lq, Lk } = o;
    const H = c.numHeads;
    if (o.averageWeights) {
      const avg = new Float64Array(B * Lq * Lk);
      for (let bb = 0; bb < B; bb++)
        for (let h = 0; h < H; h++)
          for (let i = 0; i < Lq * Lk; i++) avg[bb * Lq * Lk + i] += ref.probs[(bb * H + h) * Lq * Lk + i] / H;
      e.weights = { shape: [B, Lq, Lk], values: avg, tol: 1e-4 };
    } else e.weights = { shape: [B, H, Lq, Lk], values: ref.probs, tol: 1e-4 };
  }
  return e;
}

/** The first mismatch, or undefined: NaN must meet NaN (or 0 where zeroOk), numbers must agree within tol. */
export function firstMismatch(
  got: ArrayLike<number>,
  want: Float64Array,
  tol: number,
  zeroOk?: Uint8Array,
): string | undefined {
  if (got.length !== want.length) return `length ${got.length}, expected ${want.length}`;
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w)) {
      if (Number.isNaN(g) || (zeroOk?.[i] && g === 0)) continue;
      return `[${i}] = ${g}, expected NaN`;
    }
    const err = Math.abs(g - w);
    if (err <= tol) continue;
    const e = Number.isNaN(err) ? Infinity : err;
    if (worst < 0 || e > worstErr) {
      worst = i;
      worstErr = e;
    }
  }
  return worst < 0
    ? undefined
    : `[${worst}] = ${got[worst]}, expected ${want[worst].toPrecision(7)} (error ${worstErr.toExponential(2)} > tolerance ${tol.toExponential(2)})`;
}
