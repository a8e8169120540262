// Keras-style self-attention over padded batches: the key padding mask comes from per-sequence lengths
// or from timesteps whose features all equal a padding value (Keras `Masking(mask_value)`), and padded
// query rows of the output are set to zero (as Keras' Attention multiplies its output by the query mask).
import { scaledDotProductAttention } from '../api/sdpa';
import type { MaskTensor, Tensor } from '../tensor';
import { formatShape, shapeError, typeError, valueError } from '../validation/error-factory';
import { checkTensor } from '../validation/tensor-checks';
import {
  MultiHeadAttention,
  type MhaForwardOptions,
  type MhaGradients,
  type MhaResult,
  type MultiHeadAttentionOptions,
} from './multi-head-attention';
import type { ParameterMap } from '../training/optimizers';
import { snapshotOptions } from '../validation/snapshot';

export interface PaddingOptions {
  /** Valid timesteps per sequence (B integers in [0, L]); timesteps l >= lengths[b] are padding. */
  lengths?: ArrayLike<number>;
  /** A timestep is padding when every feature equals this value (Keras Masking(mask_value)). */
  paddingValue?: number;
}

/** [B, L] with 1 = valid timestep (Keras' mask). Exactly one of lengths / paddingValue, or neither (all valid). */
export function validTimesteps(op: string, x: { data: Float32Array; shape: number[] }, o: PaddingOptions): Uint8Array {
  const [B, L, E] = x.shape;
  const valid = new Uint8Array(B * L).fill(1);
  if (o.lengths !== undefined && o.paddingValue !== undefined)
    throw typeError(op, 'options', 'either lengths or paddingValue, not both', 'both');
  if (o.lengths !== undefined) {
    const lengths = o.lengths as unknown;
    if (typeof lengths !== 'object' || lengths === null || typeof (lengths as ArrayLike<number>).length !== 'number')
      throw typeError(op, 'options.lengths', `an array of ${B} integers`, lengths);
    const arr = lengths as ArrayLike<number>;
    if (arr.length !== B)
      throw shapeError(op, 'options.lengths', `one length per sequence (${B})`, `${arr.length} lengths`);
    for (let b = 0; b < B; b++) {
      const n = arr[b];
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > L)
        throw valueError(op, `options.lengths[${b}]`, `an integer in [0, ${L}] (the padded length)`, String(n));
      valid.fill(0, b * L + n, (b + 1) * L);
    }
  } else if (o.paddingValue !== undefined) {
    if (typeof o.paddingValue !== 'number') throw typeError(op, 'options.paddingValue', 'a number', o.paddingValue);
    for (let r = 0; r < B * L; r++) {
      let allPad = true;
      for (let e = 0; e < E && allPad; e++) allPad = x.data[r * E + e] === o.paddingValue;
      if (allPad) valid[r] = 0;
    }
  }
  return valid;
}

function zeroPaddedRows(out: Float32Array, valid: Uint8Array, width: number): void {
  for (let r = 0; r < valid.length; r++) if (!valid[r]) out.fill(0, r * width, (r + 1) * width);
}

function checkX(op: string, x: unknown, dim?: number): { data: Float32Array; shape: number[] } {
  const t = checkTensor<Float32Array>(op, 'x', x, [Float32Array], 'Float32Array');
  if (t.shape.length !== 3 || (dim !== undefined && t.shape[2] !== dim))
    throw shapeError(
      op,
      'x',
      `[batch, seq, ${dim === undefined ? 'features' : `embedDim] = [*, *, ${dim}`}]`,
      formatShape(t.shape),
    );
  return t;
}

function pick<T extends object>(op: string, options: unknown, known: string[]): Partial<T> {
  return snapshotOptions(op, options, known) as Partial<T>;
}

export interface SelfAttentionFnOptions extends PaddingOptions {
  /** Multiplies x·xᵀ. Default 1/√E; keras.layers.Attention() (use_scale=False) is scale 1. */
  scale?: number;
  /** Timestep i sees j <= i (Keras use_causal_mask). Default false. */
  causal?: boolean;
}

/**
 * Projection-free self-attention, keras.layers.Attention()([x, x]) after a Masking layer:
 * softmax(x·xᵀ·scale, padded keys excluded)·x for x [B, L, E]; padded query rows are zero.
 * @example selfAttention(x, { lengths: [5, 3, 1] }) // x [3, 5, E]
 */
export function selfAttention(x: Tensor, options?: SelfAttentionFnOptions): Tensor {
  const op = 'selfAttention';
  const o = pick<SelfAttentionFnOptions>(op, options, ['lengths', 'paddingValue', 'scale', 'causal']);
  const t = checkX(op, x);
  const [B, L] = t.shape;
  const valid = validTimesteps(op, t, o);
  // SDPA's boolean mask: 1 = may attend; [B, 1, Lk] broadcasts over the queries of the 3-D [N, L, D] form.
  const mask: MaskTensor = { data: valid, shape: [B, 1, L] };
  const out = scaledDotProductAttention(t, t, t, {
    mask,
    ...(o.scale !== undefined ? { scale: o.scale } : {}),
    ...(o.causal !== undefined ? { causal: o.causal, causalAlignment: 'top-left' as const } : {}),
  });
  zeroPaddedRows(out.data, valid, t.shape[2]);
  return out;
}

/** MultiHeadAttention.forward's options, with the key padding mask taken from lengths / paddingValue. */
export interface SelfAttentionForwardOptions
  extends PaddingOptions,
    Pick<
      MhaForwardOptions,
      'causal' | 'needWeights' | 'averageWeights' | 'positional' | 'window' | 'scale' | 'softcap' | 'sinks' | 'train'
    > {}

/** What SelfAttention.backward returns: the input's gradient and the layer's (MultiHeadAttention's) parameter gradients. */
export interface SelfAttentionGradients {
  /** ∂L/∂x [B, L, E]. */
  dX: Tensor;
  grads: MhaGradients['grads'];
}

/**
 * Multi-head self-attention with projections over a padded batch: MultiHeadAttention with the key
 * padding mask derived from lengths / paddingValue, and padded query rows of the output set to zero.
 * @example
 * const layer = new SelfAttention({ embedDim: 16, numHeads: 4, seed: 1 });
 * const { output } = layer.forward(x, { paddingValue: 0 });
 */
export class SelfAttention {
  readonly mha: MultiHeadAttention;
  /** [B·L] 1 = valid timestep, of the last `train: true` forward: padded rows' output is zero, so is their gradient. */
  private validRows: Uint8Array | null = null;

  constructor(options: MultiHeadAttentionOptions) {
    this.mha = new MultiHeadAttention(options);
  }

  loadPyTorch(stateDict: Record<string, Tensor>): this {
    this.mha.loadPyTorch(stateDict);
    return this;
  }

  loadWeights(weights: Record<string, Tensor>): this {
    this.mha.loadWeights(weights);
    return this;
  }

  forward(x: Tensor, options?: SelfAttentionForwardOptions): MhaResult {
    const op = 'SelfAttention.forward';
    const o = pick<SelfAttentionForwardOptions>(op, options, [
      'lengths',
      'paddingValue',
      'causal',
      'needWeights',
      'averageWeights',
      'positional',
      'window',
      'scale',
      'softcap',
      'sinks',
      'train',
    ]);
    const t = checkX(op, x, this.mha.config.embedDim);
    const [B, L, E] = t.shape;
    const valid = validTimesteps(op, t, o);
    const { lengths: _l, paddingValue: _p, ...rest } = o;
    const result = this.mha.forward(t, undefined, undefined, {
      ...rest,
      keyPaddingMask: { data: valid.map((v) => 1 - v), shape: [B, L] },
    });
    zeroPaddedRows(result.output.data, valid, E);
    if (o.train === true) this.validRows = valid;
    return result;
  }

  /** The layer's parameters by state-dict name (MultiHeadAttention.parameters). */
  parameters(): ParameterMap {
    return this.mha.parameters();
  }

  /**
   * Gradients of the last `train: true` forward for dOut [B, L, E]: `{ dX, grads }` (grads as
   * MultiHeadAttention.backward's). Once per such forward; otherwise a TypeError (code ERR_ATTNKIT_STATE).
   */
  backward(dOut: Tensor): SelfAttentionGradients {
    const op = 'SelfAttention.backward';
    const t = checkTensor<Float32Array>(op, 'dOut', dOut, [Float32Array], 'Float32Array');
    const valid = this.validRows;
    const E = this.mha.config.embedDim;
    // Padded rows were set to zero after the layer: no gradient flows through them.
    let g = t;
    if (valid && t.data.length === valid.length * E) {
      g = { data: t.data.slice(), shape: t.shape };
      zeroPaddedRows(g.data, valid, E);
    }
    const r = renameErrors(op, () => this.mha.backward(g));
    this.validRows = null;
    return { dX: r.dQuery, grads: r.grads };
  }
}

/** Runs fn, giving MultiHeadAttention.backward's errors this layer's name. */
function renameErrors<T>(op: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('MultiHeadAttention.backward:'))
      e.message = op + e.message.slice('MultiHeadAttention.backward'.length);
    throw e;
  }
}
