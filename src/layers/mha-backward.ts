// MultiHeadAttention's backward pass: the forward (multi-head-attention.ts) run in reverse on what a
// `train: true` forward saved.
//
//   forward                                   backward (L the loss, dOut = ∂L/∂out)
//   Q = xq·Wqᵀ + bq, K, V likewise            dxq = dQ·Wq, dWq = dQᵀ·xq, dbq = Σ dQ   (linearBackward; K, V likewise)
//   Q' = R·Q, K' = R·K  (RoPE, R orthogonal)  dQ = Rᵀ·dQ', dK = Rᵀ·dK'                (rotation by the opposite angles)
//   O = attention(Q', K', V)                  dQ', dK', dV, dSinks, dRelativeBias     (scaledDotProductAttentionBackward, with the saved lse)
//   out = O·Woᵀ + bo                          dO = dOut·Wo, dWo = dOutᵀ·O, dbo = Σ dOut
// Gradients are keyed by nn.MultiheadAttention's state-dict names; a T5 table's gradient sums its
// diagonals' gradients over the diagonals that share a bucket.
import { linearBackward } from '../api/linear-backward';
import { scaledDotProductAttentionBackward } from '../api/sdpa-backward';
import { resolveBucketOptions, t5RelativeBucket } from '../positional/relative';
import { rotateInPlace, type RopeSettings } from '../positional/rope';
import type { Tensor } from '../tensor';
import type { ParameterMap } from '../training/optimizers';
import type { SdpaBackwardOptions } from '../validation/sdpa-backward-options';
import type { MhaConfig } from './mha-config';
import type { MhaWeights } from './mha-weights';
import type { T5Positional } from './mha-positional';

/** What a `train: true` forward keeps for the backward (its own copies: the caller may reuse its buffers). */
export interface SavedForward {
  batch: number;
  lenQ: number;
  lenK: number;
  /** Key and value were the query (self-attention): one input gradient, the sum of the three. */
  selfAttn: boolean;
  /** The inputs [B, L, E | kdim | vdim]. */
  query: Float32Array;
  key: Float32Array;
  value: Float32Array;
  /** Projections as attention read them ('bshd', after RoPE), its output O and per-row lse [B, Hq, Lq]. */
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  attn: Float32Array;
  lse: Float32Array;
  /** The attention options of the forward call, minus its output buffers. */
  sdpaOptions: SdpaBackwardOptions;
  rope: RopeSettings | null;
  t5: T5Positional | null;
  hasSinks: boolean;
  /** The parameters the forward used (the same arrays the layer holds). */
  weights: MhaWeights;
}

/** What MultiHeadAttention.backward returns. */
export interface MhaGradients {
  /** ∂L/∂query [B, Lq, E]; for self-attention the whole input gradient (query, key and value paths summed). */
  dQuery: Tensor;
  /** ∂L/∂key [B, Lk, kdim]; null for self-attention. */
  dKey: Tensor | null;
  /** ∂L/∂value [B, Lk, vdim]; null for self-attention. */
  dValue: Tensor | null;
  /**
   * Parameter gradients by nn.MultiheadAttention state-dict name (`in_proj_weight`, `in_proj_bias`,
   * `out_proj.weight`, `out_proj.bias`, or `q_proj_weight`, `k_proj_weight`, `v_proj_weight` when kdim
   * or vdim differ from embedDim), the keys of `parameters()`; plus `sinks` [numHeads] when the forward
   * had sinks and `relative_attention_bias.weight` (the T5 table's shape) with a T5 `positional`.
   */
  grads: ParameterMap;
}

const tensor = (data: Float32Array, shape: number[]): Tensor => ({ data, shape });

/** dTable[bucket(j − i), h] = Σ over diagonals d = j − i + Lq − 1 in that bucket of dRelativeBias[h, d] (top-left positions). */
function t5TableGradient(t5: T5Positional, dRelativeBias: Float32Array, lenQ: number, lenK: number): Float32Array {
  const [numBuckets, heads] = t5.table.shape;
  const buckets = resolveBucketOptions('MultiHeadAttention.backward', t5, 'options.positional', ['type', 'table']);
  const n = lenQ + lenK - 1;
  const acc = new Float64Array(numBuckets * heads);
  for (let d = 0; d < n; d++) {
    const bk = t5RelativeBucket(d - (lenQ - 1), buckets);
    for (let h = 0; h < heads; h++) acc[bk * heads + h] += dRelativeBias[h * n + d];
  }
  return Float32Array.from(acc);
}

function addInto(dst: Float32Array, src: Float32Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] += src[i];
}

/** The gradients of the saved forward for dOut [B, Lq, E] (checked by the caller). */
export function mhaBackward(c: MhaConfig, s: SavedForward, dOut: Float32Array): MhaGradients {
  const { batch: B, lenQ: Lq, lenK: Lk } = s;
  const w = s.weights;
  const D = c.headDim;
  const qw = c.numHeads * D;
  const kvw = c.numKvHeads * D;
  const E = c.embedDim;
  const bias = c.bias;

  // Output projection.
  const dOutProjW = new Float32Array(E * qw);
  const dOutProjB = bias ? new Float32Array(E) : null;
  const { dx: dAttn } = linearBackward(tensor(dOut, [B, Lq, E]), tensor(s.attn, [B, Lq, qw]), tensor(w.wo, [E, qw]), {
    bias,
    dWeightOut: tensor(dOutProjW, [E, qw]),
    ...(dOutProjB ? { dBiasOut: tensor(dOutProjB, [E]) } : {}),
  });

  // Attention, with the forward's lse.
  const qShape = [B, Lq, c.numHeads, D];
  const kvShape = [B, Lk, c.numKvHeads, D];
  const g = scaledDotProductAttentionBackward(
    tensor(dAttn.data as Float32Array, [B, Lq, c.numHeads, D]),
    tensor(s.q, qShape),
    tensor(s.k, kvShape),
    tensor(s.v, kvShape),
    tensor(s.attn, [B, Lq, c.numHeads, D]),
    tensor(s.lse, [B, c.numHeads, Lq]),
    s.sdpaOptions,
  );
  const dq = g.dq.data as Float32Array;
  const dk = g.dk.data as Float32Array;
  if (s.rope) {
    rotateInPlace(dq, { b: B, l: Lq, h: c.numHeads, d: D }, { b: Lq * qw, l: qw, h: D }, s.rope, true);
    rotateInPlace(dk, { b: B, l: Lk, h: c.numKvHeads, d: D }, { b: Lk * kvw, l: kvw, h: D }, s.rope, true);
  }

  // Input projections, written into the fused in_proj gradient's rows when the layer has in_proj_weight.
  const inW = w.inProj ? new Float32Array(w.inProj.length) : null;
  const dWq = inW ? inW.subarray(0, qw * E) : new Float32Array(w.wq.length);
  const dWk = inW ? inW.subarray(qw * E, (qw + kvw) * E) : new Float32Array(w.wk.length);
  const dWv = inW ? inW.subarray((qw + kvw) * E) : new Float32Array(w.wv.length);
  const inB = bias ? new Float32Array(qw + 2 * kvw) : null;
  const project = (
    dY: Float32Array,
    x: Float32Array,
    weight: Float32Array,
    rows: number,
    width: number,
    inDim: number,
    dW: Float32Array,
    dB: Float32Array | null,
  ) =>
    linearBackward(tensor(dY, [B, rows, width]), tensor(x, [B, rows, inDim]), tensor(weight, [width, inDim]), {
      bias,
      dWeightOut: tensor(dW, [width, inDim]),
      ...(dB ? { dBiasOut: tensor(dB, [width]) } : {}),
    }).dx;
  const dQuery = project(dq, s.query, w.wq, Lq, qw, E, dWq, inB ? inB.subarray(0, qw) : null);
  const dKey = project(dk, s.key, w.wk, Lk, kvw, c.kdim, dWk, inB ? inB.subarray(qw, qw + kvw) : null);
  const dValue = project(
    g.dv.data as Float32Array,
    s.value,
    w.wv,
    Lk,
    kvw,
    c.vdim,
    dWv,
    inB ? inB.subarray(qw + kvw) : null,
  );

  const grads: ParameterMap = inW
    ? { in_proj_weight: inW }
    : { q_proj_weight: dWq, k_proj_weight: dWk, v_proj_weight: dWv };
  if (inB) grads.in_proj_bias = inB;
  grads['out_proj.weight'] = dOutProjW;
  if (dOutProjB) grads['out_proj.bias'] = dOutProjB;
  if (s.hasSinks && g.dSinks) grads.sinks = g.dSinks.data as Float32Array;
  if (s.t5 && g.dRelativeBias)
    grads['relative_attention_bias.weight'] = t5TableGradient(s.t5, g.dRelativeBias.data as Float32Array, Lq, Lk);

  if (s.selfAttn) {
    const sum = dQuery.data as Float32Array;
    addInto(sum, dKey.data as Float32Array);
    addInto(sum, dValue.data as Float32Array);
    return { dQuery, dKey: null, dValue: null, grads };
  }
  return { dQuery, dKey, dValue, grads };
}
