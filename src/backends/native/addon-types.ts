// The shape of the compiled addon (native/napi/addon.cc). Bump ADDON_ABI in both places on change.
export const ADDON_ABI = 3; // 2: + threads, probes; 3: + linear()

export interface NativeAddon {
  abi: number;
  sdpa(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, weights: Float32Array | null, mask: Uint8Array | Float32Array | null, desc: Float64Array): void;
  sdpaAsync(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, weights: Float32Array | null, mask: Uint8Array | Float32Array | null, desc: Float64Array): Promise<void>;
  /** y = x · wᵀ + b; desc = [rows, inFeatures, outFeatures] (native/napi/linear_args.h). */
  linear(x: Float32Array, weight: Float32Array, bias: Float32Array | null, out: Float32Array, desc: Float64Array): void;
  info(): { simd: string; threads: number; gemm?: string };
  /** Threads per call, the caller included (an integer in [1, 1024]). */
  setNumThreads(n: number): void;
  getNumThreads(): number;
}
