import type { MaskTensor, Tensor } from '../tensor';

/** Options of scaledDotProductAttention; every field is optional. */
export interface SdpaOptions {
  /** Multiplies q·kᵀ before the mask and softmax. Default 1/√D (1 when D = 0). Must be finite. */
  scale?: number;
  /** Hide keys "in the future" of each query. See causalAlignment. Default false. */
  causal?: boolean;
  /**
   * Where the causal diagonal sits when Lq ≠ Lk. 'bottom-right' (default): query i sees keys
   * j <= i + Lk - Lq, the last query sees every key (decoding with a KV cache).
   * 'top-left': j <= i, PyTorch's is_causal and ONNX Attention's convention.
   */
  causalAlignment?: 'bottom-right' | 'top-left';
  /**
   * Uint8Array data: boolean mask, nonzero = may attend. Float32Array data: added to the scaled
   * scores (-Infinity masks). Its shape broadcasts to [B, Hq, Lq, Lk] ([N, Lq, Lk] for 3-D inputs).
   */
  mask?: MaskTensor;
  /** 'bhsd' (default): [B, H, L, D]. 'bshd': [B, L, H, D], read in place without a transpose. */
  layout?: 'bhsd' | 'bshd';
  /** Written with the result and returned as is; same shape and layout as the result. */
  out?: Tensor;
  /** Receives the softmax probabilities, [B, Hq, Lq, Lk] ([N, Lq, Lk] for 3-D inputs). */
  weightsOut?: Tensor;
  /**
   * Receives each row's log-sum-exp, Float32Array tensor [B, Hq, Lq] ([N, Lq] for 3-D inputs, whatever
   * the layout): log(exp(sink) + Σ_j exp(s_ij)) over the visible keys, −Infinity for a row that sees no
   * key (the sink's logit when it has one). What scaledDotProductAttentionBackward takes as `lse`.
   */
  lseOut?: Tensor;
  /**
   * Logit soft-capping (Gemma 2; ONNX Attention's `softcap`): each scaled score s becomes
   * softcap·tanh(s / softcap) before the mask and biases are added. 0 (default) turns it off.
   */
  softcap?: number;
  /**
   * Sliding-window attention: query i, at position p = i + (Lk − Lq) (p = i under causalAlignment
   * 'top-left'), sees key j only if p − left ≤ j ≤ p + right. A side left out is unbounded.
   * Combines with causal and masks; key blocks outside every row's window are skipped.
   */
  window?: SdpaWindow;
  /**
   * ALiBi: one slope per query head (length Hq; `alibiSlopes(Hq)` gives the paper's). Adds
   * −slope_h·|p − j| to the score of key j, p the query's position as for `window`. Computed in the
   * kernel, never materialised.
   */
  alibiSlopes?: Float32Array | Float64Array | readonly number[];
  /**
   * A relative position bias by diagonal: Float32Array tensor [Hq, Lq + Lk − 1] (or [1, …] shared by
   * all heads) whose entry [h, (j − i) + Lq − 1] is added to the score of query i and key j.
   * `t5RelativeBias` builds it from a T5 bucket table. Finite values only.
   */
  relativeBias?: Tensor;
  /**
   * Attention sinks (gpt-oss): one logit per query head (length Hq) that joins the softmax
   * denominator only, so a row's weights sum to less than 1. Not scaled, capped or masked.
   */
  sinks?: Float32Array | Float64Array | readonly number[];
  /**
   * Per-sequence key lengths (a batch of padded KV caches): B integers, an Int32Array or an array,
   * each in [0, Lk]. Keys j >= kvLengths[b] of batch entry b are padding: never read, weight 0. Under
   * 'bottom-right' alignment (the default) query i of entry b sits at position kvLengths[b] − Lq + i,
   * for causal, window, ALiBi and relativeBias alike (ONNX Attention's nonpad_kv_seqlen); under
   * 'top-left' at i. Read once, when the call is made.
   */
  kvLengths?: Int32Array | readonly number[];
  /**
   * The precision the kernel may compute the two products in. 'fp32' (default): fp32 throughout.
   * 'bf16': a permission, not a requirement. Where the CPU has AVX512_BF16 (Zen 4, Zen 5, Sapphire
   * Rapids and later) the native prefill kernel rounds q, k, v and the probabilities to bfloat16 and
   * multiplies them with vdpbf16ps, accumulating in fp32, for up to twice the throughput; the softmax
   * stays fp32. Elsewhere, and on decode-sized calls (at most 8 query rows per kv head), the call
   * computes in fp32 as with 'fp32'. Expect errors around 1e-2 against float64 on unit-variance inputs
   * instead of 1e-6: for inference on bf16-trained models, not for training or for checking numerics.
   * `backendInfo().bf16` says whether this machine has the bf16 kernel.
   */
  compute?: 'fp32' | 'bf16';
}

/** Sliding-window bounds, in keys either side of the query's position. */
export interface SdpaWindow {
  left?: number;
  right?: number;
}

export const SDPA_OPTION_NAMES: readonly (keyof SdpaOptions)[] = [
  'scale',
  'causal',
  'causalAlignment',
  'mask',
  'layout',
  'out',
  'weightsOut',
  'lseOut',
  'softcap',
  'window',
  'alibiSlopes',
  'relativeBias',
  'sinks',
  'kvLengths',
  'compute',
];
