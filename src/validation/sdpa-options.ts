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
}

export const SDPA_OPTION_NAMES: readonly (keyof SdpaOptions)[] = [
  'scale',
  'causal',
  'causalAlignment',
  'mask',
  'layout',
  'out',
  'weightsOut',
];
