// A float64 MultiHeadAttention forward for finite differences: projections and RoPE written out here,
// attention by the float64 reference (test/helpers/reference.ts) with the layer's top-left positions,
// every parameter and input a Float64Array that a test can move by less than a float32 ulp.
import { t5RelativeBucket } from '../../src/index';
import { referenceSdpa, type RefInput } from '../helpers/reference';

export interface MhaRefParams {
  /** Keyed by state-dict name, plus 'query', 'key', 'value', and 'sinks' / 'relative_attention_bias.weight' when used. */
  [name: string]: Float64Array;
}

export interface MhaRefSpec {
  B: number;
  Lq: number;
  Lk: number;
  E: number;
  kdim: number;
  vdim: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  bias: boolean;
  selfAttn: boolean;
  /** [B, Lk], 1 = padding key (PyTorch's meaning). */
  keyPadding?: Uint8Array;
  /** Additive [Lq, Lk]. */
  attnMask?: Float32Array;
  causal?: boolean;
  rope?: { style: 'half' | 'interleaved'; base: number; rotaryDim: number };
  alibiSlopes?: Float32Array;
  /** T5 bucket options; the table is params['relative_attention_bias.weight'] [numBuckets, heads]. */
  t5?: { bidirectional: boolean; numBuckets: number; maxDistance: number };
  window?: { left?: number; right?: number };
  softcap?: number;
  scale?: number;
}

/** y[r, o] = b[o] + Σ_i x[r, i]·w[o, i]. */
function project(
  x: Float64Array,
  rows: number,
  n: number,
  w: Float64Array,
  b: Float64Array | null | undefined,
  m: number,
): Float64Array {
  const y = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < m; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < n; i++) s += x[r * n + i] * w[o * n + i];
      y[r * m + o] = s;
    }
  return y;
}

/** RoPE on rows [L, H, D] of each batch entry, position = row index: pair i is (i, i + R/2) ('half') or (2i, 2i + 1). */
function rope(x: Float64Array, B: number, L: number, H: number, D: number, r: NonNullable<MhaRefSpec['rope']>): void {
  const half = r.rotaryDim / 2;
  for (let b = 0; b < B; b++)
    for (let l = 0; l < L; l++)
      for (let h = 0; h < H; h++) {
        const at = ((b * L + l) * H + h) * D;
        for (let i = 0; i < half; i++) {
          const th = l * r.base ** ((-2 * i) / r.rotaryDim);
          const ia = at + (r.style === 'half' ? i : 2 * i);
          const ib = ia + (r.style === 'half' ? half : 1);
          const a = x[ia];
          const c = x[ib];
          x[ia] = a * Math.cos(th) - c * Math.sin(th);
          x[ib] = c * Math.cos(th) + a * Math.sin(th);
        }
      }
}

/** out [B, Lq, E] in float64. */
export function mhaForward64(s: MhaRefSpec, p: MhaRefParams): Float64Array {
  const { B, Lq, Lk, E, heads: H, kvHeads: G, headDim: D } = s;
  const fused = 'in_proj_weight' in p;
  const qw = H * D;
  const kvw = G * D;
  const wq = fused ? p.in_proj_weight.subarray(0, qw * E) : p.q_proj_weight;
  const wk = fused ? p.in_proj_weight.subarray(qw * E, (qw + kvw) * E) : p.k_proj_weight;
  const wv = fused ? p.in_proj_weight.subarray((qw + kvw) * E) : p.v_proj_weight;
  const bin = s.bias ? p.in_proj_bias : null;
  const query = p.query;
  const key = s.selfAttn ? p.query : p.key;
  const value = s.selfAttn ? p.query : p.value;
  const Q = project(query, B * Lq, E, wq, bin?.subarray(0, qw), qw);
  const K = project(key, B * Lk, s.kdim, wk, bin?.subarray(qw, qw + kvw), kvw);
  const V = project(value, B * Lk, s.vdim, wv, bin?.subarray(qw + kvw), kvw);
  if (s.rope) {
    rope(Q, B, Lq, H, D, s.rope);
    rope(K, B, Lk, G, D, s.rope);
  }
  const x: RefInput = {
    q: Q as unknown as Float32Array,
    k: K as unknown as Float32Array,
    v: V as unknown as Float32Array,
    B,
    Hq: H,
    Hkv: G,
    Lq,
    Lk,
    D,
    Dv: D,
    layout: 'bshd',
    causal: s.causal,
    topLeft: true,
    scale: s.scale,
    softcap: s.softcap,
    window: s.window,
    alibiSlopes: s.alibiSlopes,
    sinks: p.sinks,
  };
  if (s.keyPadding || s.attnMask) {
    const pad = s.keyPadding;
    const add = s.attnMask;
    x.mask = (b, _h, i, j) => (pad?.[b * Lk + j] ? false : add ? add[i * Lk + j] : true);
  }
  if (s.t5) {
    const table = p['relative_attention_bias.weight'];
    const heads = table.length / s.t5.numBuckets;
    const n = Lq + Lk - 1;
    const diag = new Float64Array(heads * n);
    for (let d = 0; d < n; d++) {
      const bk = t5RelativeBucket(d - (Lq - 1), s.t5);
      for (let h = 0; h < heads; h++) diag[h * n + d] = table[bk * heads + h];
    }
    x.relativeBias = { data: diag, heads };
  }
  const attn = referenceSdpa(x).out;
  return project(attn, B * Lq, qw, p['out_proj.weight'], s.bias ? p['out_proj.bias'] : null, E);
}
