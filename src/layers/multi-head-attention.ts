// Multi-head attention with learned projections (Vaswani et al. 2017, §3.2.2), PyTorch
// nn.MultiheadAttention-compatible (batch_first=True), with grouped-query heads, RoPE / ALiBi / T5
// positions (mha-positional.ts) and SDPA's softcap, sliding window and sinks.
//
//   Q = query·Wqᵀ + bq → [B, Lq, Hq, D]      K = key·Wkᵀ + bk, V = value·Wvᵀ + bv → [B, Lk, Hkv, D]
//   O = softmax(Q·Kᵀ/√D + mask)·V            → [B, Lq, Hq, D] = [B, Lq, Hq·D]  (+ ALiBi / T5 bias, softcap, sinks as in SDPA)
//   out = O·Woᵀ + bo                          → [B, Lq, E]
// The projections' [B, L, H·D] rows already are the 'bshd' layout, so attention reads them in place:
// no head transposes anywhere. Layers call the public api (linear, scaledDotProductAttention), never a backend.
import { linear } from '../api/linear';
import { scaledDotProductAttention } from '../api/sdpa';
import { applyRope, resolveRope, type RopeSettings } from '../positional/rope';
import { AttnkitTypeError, ErrorCode } from '../errors';
import type { ParameterMap } from '../training/optimizers';
import { mhaBackward, type MhaGradients, type SavedForward } from './mha-backward';
import type { MaskTensor, Tensor } from '../tensor';
import { formatShape, shapeError, typeError, valueError } from '../validation/error-factory';
import { checkExtras } from '../validation/sdpa-extras';
import type { SdpaOptions } from '../validation/sdpa-options';
import { checkTensor } from '../validation/tensor-checks';
import { checkMhaOptions, type MhaConfig, type MultiHeadAttentionOptions } from './mha-config';
import { buildMask } from './mha-masks';
import { checkPositional, positionalSdpaOptions, type MhaPositional, type RopePositional } from './mha-positional';
import { allocWeights, initWeights, loadPlainDict, loadPyTorchDict, type MhaWeights } from './mha-weights';
import { snapshotOptions } from '../validation/snapshot';
import type { KVCache } from '../cache/kv-cache';
import { appendAndAttendSliding, attendCached, checkCachedCall, ropeAtCachePositions } from './mha-cache';

export type { MultiHeadAttentionOptions, MhaGradients };

export interface MhaForwardOptions {
  /** [B, Lk]; Uint8Array 1 = padding key (ignored), PyTorch's meaning; or Float32Array added to the scores. */
  keyPaddingMask?: MaskTensor;
  /**
   * PyTorch's attn_mask: [Lq, Lk] or [B·Hq, Lq, Lk] (also [1|B, 1|Hq, Lq, Lk], e.g. alibiBias()).
   * Uint8Array 1 = may NOT attend (PyTorch); Float32Array added to the scores.
   * (scaledDotProductAttention's own boolean mask is the opposite: 1 = may attend.)
   */
  attnMask?: MaskTensor;
  /** Query i sees keys j <= i (top-left, PyTorch's is_causal). Default false. */
  causal?: boolean;
  /** Also return the attention probabilities. Default false (PyTorch defaults to true). */
  needWeights?: boolean;
  /** With needWeights: mean over heads [B, Lq, Lk] (default, as PyTorch) or per head [B, Hq, Lq, Lk]. */
  averageWeights?: boolean;
  /**
   * Positions: { type: 'rope', style?, base?, offset?, rotaryDim? } rotates q and k;
   * { type: 'alibi', slopes? } (default alibiSlopes(numHeads)) and { type: 't5', table [numBuckets, numHeads],
   * bidirectional?, numBuckets?, maxDistance? } add their bias in the kernel (no Lq×Lk mask), query i at
   * position i and key j at j (top-left, as `causal`).
   */
  positional?: MhaPositional;
  /** Sliding window, passed to scaledDotProductAttention: query i sees keys i − left ≤ j ≤ i + right. */
  window?: SdpaOptions['window'];
  /** Multiplies q·kᵀ, passed to scaledDotProductAttention. Default 1/√headDim (T5 uses 1). */
  scale?: number;
  /** Logit soft-capping (Gemma 2), passed to scaledDotProductAttention: s → softcap·tanh(s / softcap). */
  softcap?: number;
  /** Attention sinks (gpt-oss), passed to scaledDotProductAttention: one logit per query head (numHeads). */
  sinks?: SdpaOptions['sinks'];
  /**
   * A Float32Array tensor [B, Lq, E] that receives the output, returned as `output` (the same object):
   * a server that reuses it skips the first touch of fresh memory on every call.
   */
  out?: Tensor;
  /**
   * A KVCache (batch, numKvHeads and headDim of this layer) for self-attention: the new tokens' keys and
   * values are appended and the queries attend to all the cache holds for their sequence, at the cache's
   * positions (RoPE, causal, window and ALiBi). Prefill and decode through the same call.
   */
  cache?: KVCache;
  /** With a cache: tokens each sequence appends, its first counts[b] rows of the input (the rest are padding, output 0). */
  counts?: Int32Array | readonly number[];
  /**
   * Keep what `backward()` needs (copies of the inputs, the projections, the attention output and its
   * log-sum-exp) until the next `backward()` call. Default false. Not with `cache`.
   */
  train?: boolean;
}

export interface MhaResult {
  /** [B, Lq, E] */
  output: Tensor;
  /** [B, Lq, Lk] averaged or [B, Hq, Lq, Lk] per head; null unless needWeights. */
  weights: Tensor | null;
}

const FORWARD_OPTIONS = [
  'keyPaddingMask',
  'attnMask',
  'causal',
  'needWeights',
  'averageWeights',
  'positional',
  'window',
  'scale',
  'softcap',
  'sinks',
  'out',
  'cache',
  'counts',
  'train',
];

/**
 * @example
 * const mha = new MultiHeadAttention({ embedDim: 64, numHeads: 4, seed: 1 });
 * const { output } = mha.forward(x); // x [B, L, 64] → [B, L, 64], self-attention
 */
export class MultiHeadAttention {
  readonly config: Readonly<MhaConfig>;
  private w: MhaWeights;
  private kept: Float32Array | null = null;
  private saved: SavedForward | null = null;

  constructor(options: MultiHeadAttentionOptions) {
    this.config = Object.freeze(checkMhaOptions('MultiHeadAttention', options));
    this.w = allocWeights(this.config);
    initWeights(this.config, this.w);
  }

  /** Loads nn.MultiheadAttention.state_dict() names (see loadPyTorchDict). All-or-nothing: on error nothing changes. */
  loadPyTorch(stateDict: Record<string, Tensor>): this {
    const w = allocWeights(this.config);
    loadPyTorchDict('MultiHeadAttention.loadPyTorch', this.config, w, stateDict);
    this.w = w;
    return this;
  }

  /** Loads { wq, wk, wv, wo, bq, bk, bv, bo } in nn.Linear's [out, in] layout. All-or-nothing. */
  loadWeights(weights: Record<string, Tensor>): this {
    const w = allocWeights(this.config);
    loadPlainDict('MultiHeadAttention.loadWeights', this.config, w, weights);
    this.w = w;
    return this;
  }

  /**
   * The live parameter arrays by nn.MultiheadAttention state-dict name (`in_proj_weight`, `in_proj_bias`,
   * `out_proj.weight`, `out_proj.bias`, or `q_proj_weight`, `k_proj_weight`, `v_proj_weight` when kdim
   * or vdim differ from embedDim): what an optimiser updates in place, the keys of `backward().grads`.
   * @example
   * const opt = new AdamW(mha.parameters(), { lr: 1e-3 });
   * mha.forward(x, undefined, undefined, { train: true });
   * opt.step(mha.backward(dOut).grads);
   */
  parameters(): ParameterMap {
    const w = this.w;
    const p: ParameterMap = w.inProj
      ? { in_proj_weight: w.inProj }
      : { q_proj_weight: w.wq, k_proj_weight: w.wk, v_proj_weight: w.wv };
    if (w.inBias) p.in_proj_bias = w.inBias;
    p['out_proj.weight'] = w.wo;
    if (w.bo) p['out_proj.bias'] = w.bo;
    return p;
  }

  /**
   * Gradients of the last `train: true` forward for the upstream gradient dOut [B, Lq, E] (its output's
   * shape): `{ dQuery, dKey, dValue, grads }` (see MhaGradients), fresh arrays. It uses the parameters as
   * they are when called, so call it before an optimiser step changes them. Once per forward: a second
   * call, or one without a `train: true` forward, is a TypeError (code ERR_ATTNKIT_STATE).
   */
  backward(dOut: Tensor): MhaGradients {
    const op = 'MultiHeadAttention.backward';
    const s = this.saved;
    if (!s)
      throw new AttnkitTypeError(
        `${op}: needs a forward with options.train true before it (each such forward serves one backward), got none`,
        ErrorCode.STATE,
      );
    const t = checkTensor<Float32Array>(op, 'dOut', dOut, [Float32Array], 'Float32Array');
    const shape = [s.batch, s.lenQ, this.config.embedDim];
    if (formatShape(t.shape) !== formatShape(shape))
      throw shapeError(
        op,
        'dOut',
        `[batch, seqQ, embedDim] = ${formatShape(shape)} (the forward output's shape)`,
        formatShape(t.shape),
      );
    this.saved = null;
    return mhaBackward(this.config, s, t.data);
  }

  /** Copies of the parameters in the plain form (nn.Linear layout). */
  weights(): Record<'wq' | 'wk' | 'wv' | 'wo', Tensor> & Partial<Record<'bq' | 'bk' | 'bv' | 'bo', Tensor>> {
    const c = this.config;
    const q = c.numHeads * c.headDim;
    const kv = c.numKvHeads * c.headDim;
    const t = (d: Float32Array, shape: number[]): Tensor => ({ data: d.slice(), shape });
    const out: Record<string, Tensor> = {
      wq: t(this.w.wq, [q, c.embedDim]),
      wk: t(this.w.wk, [kv, c.kdim]),
      wv: t(this.w.wv, [kv, c.vdim]),
      wo: t(this.w.wo, [c.embedDim, q]),
    };
    if (this.w.bq && this.w.bk && this.w.bv && this.w.bo)
      Object.assign(out, {
        bq: t(this.w.bq, [q]),
        bk: t(this.w.bk, [kv]),
        bv: t(this.w.bv, [kv]),
        bo: t(this.w.bo, [c.embedDim]),
      });
    return out as ReturnType<MultiHeadAttention['weights']>;
  }

  /**
   * query [B, Lq, E], key [B, Lk, kdim], value [B, Lk, vdim], batch first. Omit key and value (or pass
   * query itself for both) for self-attention.
   * A query whose keys are all masked outputs bo (attention gives zeros), where PyTorch gives NaN.
   */
  forward(query: Tensor, key?: Tensor, value?: Tensor, options?: MhaForwardOptions): MhaResult {
    const op = 'MultiHeadAttention.forward';
    const c = this.config;
    const o = checkForwardOptions(op, options, c.numHeads);
    const q = checkInput(op, 'query', query, c.embedDim);
    const B = q.shape[0];
    const Lq = q.shape[1];
    const D = c.headDim;
    // out is read once: linear() writes the checked view, and the caller's tensor is returned.
    let outView: Tensor | undefined;
    if (o.out !== undefined) {
      const t = checkTensor<Float32Array>(op, 'options.out', o.out, [Float32Array], 'Float32Array');
      if (formatShape(t.shape) !== formatShape([B, Lq, c.embedDim]))
        throw shapeError(
          op,
          'options.out',
          `[batch, seqQ, embedDim] = ${formatShape([B, Lq, c.embedDim])}`,
          formatShape(t.shape),
        );
      outView = t;
    }
    const selfAttn = (key === undefined || key === query) && (value === undefined || value === query);
    if ((key === undefined) !== (value === undefined))
      throw typeError(
        op,
        key === undefined ? 'key' : 'value',
        'given together with the other (or both omitted for self-attention)',
        undefined,
      );

    if (o.counts !== undefined && o.cache === undefined)
      throw typeError(op, 'options.counts', 'given with options.cache only', o.counts);
    const train = o.train === true;
    if (train && o.cache !== undefined)
      throw typeError(
        op,
        'options.train',
        'false or left out with options.cache (training runs without a cache)',
        true,
      );
    const cached = o.cache !== undefined ? checkCachedCall(op, o, c, B, Lq) : null;
    if (cached && !selfAttn)
      throw typeError(op, 'key', 'omitted (or query itself) with a cache: the cache holds the keys and values', key);
    const k = selfAttn ? q : checkInput(op, 'key', key, c.kdim);
    const v = selfAttn ? q : checkInput(op, 'value', value, c.vdim);
    if (!selfAttn) {
      if (k.shape[0] !== B)
        throw shapeError(op, 'key', `[batch, seqK, kdim] = [${B}, *, ${c.kdim}]`, formatShape(k.shape));
      if (formatShape(v.shape.slice(0, 2)) !== formatShape(k.shape.slice(0, 2)))
        throw shapeError(op, 'value', `[batch, seqK, vdim] = [${B}, ${k.shape[1]}, ${c.vdim}]`, formatShape(v.shape));
    }
    const Lk = k.shape[1];
    // Each projection writes its [B, L, H·D] rows, already the 'bshd' layout, straight into a scratch buffer
    // that also takes the attention's output. With in_proj_weight, wq, wk and wv are views of its rows:
    // three GEMMs into place rather than one fused GEMM whose rows would then be copied out.
    const qw = c.numHeads * D;
    const kvw = c.numKvHeads * D;
    const sizes = [B * Lq * qw, B * Lk * kvw, B * Lk * kvw, B * Lq * qw];
    // Training keeps them for backward(): fresh arrays, not the reused scratch.
    const [qd, kd, vd, attnData] = train ? sizes.map((n) => new Float32Array(n)) : this.scratch(sizes);
    const project = (
      x: Tensor,
      w: Float32Array,
      b: Float32Array | null,
      rows: number,
      width: number,
      dst: Float32Array,
    ): Tensor => {
      linear(x, { data: w, shape: [width, x.shape[2]] }, vec(b), { out: { data: dst, shape: [B, rows, width] } });
      return { data: dst, shape: [B, rows, width / D, D] };
    };
    const qh = project(q, this.w.wq, this.w.bq, Lq, qw, qd);
    const kh = project(k, this.w.wk, this.w.bk, Lk, kvw, kd);
    const vh = project(v, this.w.wv, this.w.bv, Lk, kvw, vd);

    const extras = {
      ...(o.causal ? { causal: true } : {}),
      ...(o.window !== undefined ? { window: o.window } : {}),
      ...(o.scale !== undefined ? { scale: o.scale } : {}),
      ...(o.softcap !== undefined ? { softcap: o.softcap } : {}),
      ...(o.sinks !== undefined ? { sinks: o.sinks } : {}),
    };
    let perHead: Tensor | undefined;
    if (cached) {
      if (o.positional?.type === 'rope') {
        const { type: _type, ...rope } = o.positional;
        ropeAtCachePositions(qh, kh, rope, cached.before);
      }
      const sdpaExtras = { ...extras, ...positionalSdpaOptions(o.positional, c.numHeads, Lq, Lk) };
      if (cached.cache.config.sliding) appendAndAttendSliding(qh, kh, vh, cached, attnData, sdpaExtras);
      else {
        cached.cache.append(kh, vh, { layout: 'bshd', ...(cached.counts ? { counts: cached.counts } : {}) });
        attendCached(qh, cached, attnData, sdpaExtras);
      }
    } else {
      if (o.positional?.type === 'rope') {
        const { type: _type, ...rope } = o.positional;
        applyRope(qh, { ...rope, layout: 'bshd', inPlace: true });
        applyRope(kh, { ...rope, layout: 'bshd', inPlace: true });
      }

      const mask = buildMask(op, o.keyPaddingMask, o.attnMask, { batch: B, heads: c.numHeads, lenQ: Lq, lenK: Lk });
      perHead = o.needWeights
        ? { data: new Float32Array(B * c.numHeads * Lq * Lk), shape: [B, c.numHeads, Lq, Lk] }
        : undefined;
      // Top-left positions (query i at i) for causal, window and ALiBi alike, as PyTorch's is_causal.
      const attnOptions = {
        layout: 'bshd' as const,
        causalAlignment: 'top-left' as const,
        ...(mask ? { mask: train ? { data: mask.data.slice(), shape: mask.shape } : mask } : {}),
        ...extras,
        ...positionalSdpaOptions(o.positional, c.numHeads, Lq, Lk),
      };
      const lse = train ? new Float32Array(B * c.numHeads * Lq) : null;
      scaledDotProductAttention(qh, kh, vh, {
        ...attnOptions,
        out: { data: attnData, shape: [B, Lq, c.numHeads, D] },
        ...(perHead ? { weightsOut: perHead } : {}),
        ...(lse ? { lseOut: { data: lse, shape: [B, c.numHeads, Lq] } } : {}),
      });
      if (lse) {
        const query = q.data.slice();
        this.saved = {
          batch: B,
          lenQ: Lq,
          lenK: Lk,
          selfAttn,
          query,
          key: selfAttn ? query : k.data.slice(),
          value: selfAttn ? query : v.data.slice(),
          q: qd,
          k: kd,
          v: vd,
          attn: attnData,
          lse,
          sdpaOptions: attnOptions,
          rope: o.positional?.type === 'rope' ? ropeSettings(op, o.positional, D) : null,
          t5: o.positional?.type === 't5' ? o.positional : null,
          hasSinks: o.sinks !== undefined,
          weights: this.w,
        };
      }
    }
    const projected = linear(
      { data: attnData, shape: [B, Lq, c.numHeads * D] },
      { data: this.w.wo, shape: [c.embedDim, c.numHeads * D] },
      vec(this.w.bo),
      outView ? { out: outView } : undefined,
    );
    const output = outView ? (o.out as Tensor) : projected;
    return {
      output,
      weights: perHead
        ? o.averageWeights === false
          ? perHead
          : meanOverHeads(perHead.data, B, c.numHeads, Lq, Lk)
        : null,
    };
  }

  /**
   * Views of sizes `lengths` into one buffer, kept for the next call when it is at most SCRATCH_KEPT
   * floats (nothing returned ever points into it): fresh memory costs a page fault per 4 KiB on first
   * touch, a cost of the same order as the projections'.
   */
  private scratch(lengths: number[]): Float32Array[] {
    const total = lengths.reduce((a, n) => a + n, 0);
    let buf = this.kept;
    if (!buf || buf.length < total) {
      buf = new Float32Array(total);
      this.kept = total <= SCRATCH_KEPT ? buf : null;
    }
    let at = 0;
    return lengths.map((n) => {
      const view = buf.subarray(at, at + n);
      at += n;
      return view;
    });
  }
}

/** Floats of forward's scratch (q, k, v and attention output) kept between calls: 256 MiB (B = 8, S = 512,
 * E = 768 needs 48 MiB); larger calls allocate their scratch afresh. Trades memory held for page faults. */
const SCRATCH_KEPT = 64 << 20;

function ropeSettings(op: string, p: RopePositional, headDim: number): RopeSettings {
  const { type: _type, ...rope } = p;
  return resolveRope(op, rope, headDim, 'options.positional');
}

const vec = (b: Float32Array | null): Tensor | undefined => (b ? { data: b, shape: [b.length] } : undefined);

function meanOverHeads(w: Float32Array, B: number, H: number, Lq: number, Lk: number): Tensor {
  const out = new Float32Array(B * Lq * Lk);
  const n = Lq * Lk;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let h = 0; h < H; h++) s += w[(b * H + h) * n + i];
      out[b * n + i] = s / H;
    }
  return { data: out, shape: [B, Lq, Lk] };
}

function checkInput(op: string, arg: string, x: unknown, dim: number): { data: Float32Array; shape: number[] } {
  const t = checkTensor<Float32Array>(op, arg, x, [Float32Array], 'Float32Array');
  const dimName = arg === 'query' ? 'embedDim' : arg === 'key' ? 'kdim' : 'vdim';
  if (t.shape.length !== 3 || t.shape[2] !== dim)
    throw shapeError(op, arg, `[batch, seq, ${dimName}] = [*, *, ${dim}] (batch first)`, formatShape(t.shape));
  return t;
}

function checkForwardOptions(op: string, options: unknown, numHeads: number): MhaForwardOptions {
  const o = snapshotOptions(op, options, FORWARD_OPTIONS) as MhaForwardOptions;
  for (const flag of ['causal', 'needWeights', 'averageWeights', 'train'] as const)
    if (o[flag] !== undefined && typeof o[flag] !== 'boolean')
      throw typeError(op, `options.${flag}`, 'a boolean', o[flag]);
  checkPositional(op, o.positional, numHeads);
  if (o.scale !== undefined) {
    if (typeof o.scale !== 'number') throw typeError(op, 'options.scale', 'a finite number', o.scale);
    if (!Number.isFinite(Math.fround(o.scale)))
      throw valueError(op, 'options.scale', 'a finite number within float32 range', String(o.scale));
  }
  // Same checks and wording as scaledDotProductAttention, under this op's name (sizes only matter for relativeBias and kvLengths).
  checkExtras(op, { window: o.window, softcap: o.softcap, sinks: o.sinks }, 0, numHeads, 0, 0);
  return o;
}
