// What a backend receives: a fully checked plan. Backends import nothing above this file.
import type { SdpaBackwardPlan } from './backward-types';

/** A 4-D [batch, heads, len, dim] view of a Float32Array (or another array T); dim is contiguous, strides in elements. */
export interface StridedView<T = Float32Array> {
  data: T;
  strideB: number;
  strideH: number;
  strideL: number;
}

export interface MaskPlan {
  kind: 'bool' | 'additive';
  data: Uint8Array | Float32Array;
  /** Element strides along [batch, queryHead, query, key]; 0 broadcasts. */
  strideB: number;
  strideH: number;
  strideQ: number;
  strideK: number;
}

/** Element type of K and V: float32 (Float32Array), or 16-bit floats whose bits a Uint16Array holds. */
export type KvDtype = 'float32' | 'float16' | 'bfloat16';

/** softmax(q·kᵀ·scale + mask)·v, with every size and stride already validated. */
export interface SdpaPlan {
  batch: number;
  headsQ: number;
  headsKv: number;
  lenQ: number;
  lenK: number;
  dimQk: number;
  dimV: number;
  q: StridedView;
  /** Float32Array for kvDtype 'float32', else a Uint16Array of float16 / bfloat16 bits (both the same dtype). */
  k: StridedView<Float32Array | Uint16Array>;
  v: StridedView<Float32Array | Uint16Array>;
  kvDtype: KvDtype;
  out: StridedView;
  /** Contiguous [batch, headsQ, lenQ, lenK] softmax probabilities, or null. */
  weights: Float32Array | null;
  /** Contiguous [batch, headsQ, lenQ] log-sum-exp of each row (−Infinity: no visible key and no sink), or null. */
  lse: Float32Array | null;
  mask: MaskPlan | null;
  scale: number;
  /** Key j is visible to query i iff j <= i + causalOffset (its position p); null when not causal. */
  causalOffset: number | null;
  /** Query i sits at position p = i + positionOffset (Lk − Lq bottom-right, 0 top-left): window and ALiBi use it. */
  positionOffset: number;
  /**
   * [batch] valid key counts in [0, lenK], or null: batch entry b's keys j ≥ kvLengths[b] are padding,
   * never read. With kvLengthsShift (bottom-right alignment) the entry's positions and causal offset sit
   * lenK − kvLengths[b] lower, so its last query is at its last valid key.
   */
  kvLengths: Int32Array | null;
  kvLengthsShift: boolean;
  /** Key j is visible only if p − windowLeft ≤ j ≤ p + windowRight; null = unbounded on that side. */
  windowLeft: number | null;
  windowRight: number | null;
  /** > 0: s = softcap·tanh(s / softcap) on the scaled score, before mask and biases; 0 = off. */
  softcap: number;
  /** [headsQ] slopes: adds −slope_h·|p − j|; or null. */
  alibiSlopes: Float32Array | null;
  /**
   * Adds data[h·strideH + (j − i) + lenQ − 1] (rows of lenQ + lenK − 1; the diagonal moves by
   * lenK − kvLengths[b] with the position under kvLengthsShift); strideH 0 broadcasts; or null.
   */
  relativeBias: { data: Float32Array; strideH: number } | null;
  /** [headsQ] logits that join each row's softmax denominator only; or null. */
  sinks: Float32Array | null;
  /** The kernel may compute the two products in bfloat16 (options.compute 'bf16'); a permission. */
  computeBf16: boolean;
}

/** A plan whose K and V are float32: what the JavaScript kernels and the backward pass read. */
export type Float32KvPlan = Omit<SdpaPlan, 'k' | 'v' | 'kvDtype'> & {
  k: StridedView;
  v: StridedView;
  kvDtype: 'float32';
};

/** y = x · wᵀ + b over contiguous row-major arrays (nn.Linear's weight layout), sizes checked. */
export interface LinearPlan {
  rows: number;
  inFeatures: number;
  outFeatures: number;
  /** [rows, inFeatures] */
  x: Float32Array;
  /** [outFeatures, inFeatures] */
  weight: Float32Array;
  /** [outFeatures] or null */
  bias: Float32Array | null;
  /** [rows, outFeatures]; shares no memory with the inputs. */
  out: Float32Array;
}

export interface BackendInfoParts {
  simd: string;
  fmaWidth: number;
  bf16: boolean;
  threads: number;
  gemm: string;
}

export interface Backend {
  readonly name: 'native' | 'js';
  sdpa(plan: SdpaPlan): void;
  sdpaAsync(plan: SdpaPlan): Promise<void>;
  linear(plan: LinearPlan): void;
  /**
   * The backward pass in the backend's own kernel, for the plans `backwardCovers` accepts (the others,
   * and every plan on a backend without one, run the TypeScript pass in backends/js).
   */
  backwardCovers?(plan: SdpaBackwardPlan): boolean;
  sdpaBackward?(plan: SdpaBackwardPlan): void;
  sdpaBackwardAsync?(plan: SdpaBackwardPlan): Promise<void>;
  info(): BackendInfoParts;
  /** Threads per call (already validated: a positive integer). */
  setThreads(n: number): void;
}
