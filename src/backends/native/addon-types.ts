// The shape of the compiled addon (native/napi/addon.cc). Bump ADDON_ABI in both places on change.
export const ADDON_ABI = 8; // 2: + threads, probes; 3: + linear(); 4: + softcap, window, ALiBi, relative bias, sinks; 5: + compute bf16, fmaWidth, bf16; the probes moved to bench/probes; 6: + abandonJobs; 7: + kvLengths (11th sdpa argument, descriptor slot 32); 8: + lse (12th sdpa argument), float16 / bfloat16 k and v (Uint16Array, descriptor slot 33), sdpaBackward and sdpaBackwardAsync

/** (q, k, v, out, weights, mask, desc, alibiSlopes, relativeBias, sinks, kvLengths, lse); desc slots in native/napi/sdpa_args.h. */
export type SdpaArgs = [
  q: Float32Array,
  k: Float32Array | Uint16Array,
  v: Float32Array | Uint16Array,
  out: Float32Array,
  weights: Float32Array | null,
  mask: Uint8Array | Float32Array | null,
  desc: Float64Array,
  alibiSlopes: Float32Array | null,
  relativeBias: Float32Array | null,
  sinks: Float32Array | null,
  kvLengths: Int32Array | null,
  lse: Float32Array | null,
];

/**
 * The forward's arguments (out its result, weights and relativeBias null), then (dOut, lse, dq, dk, dv,
 * dSinks, bwdDesc): bwdDesc holds the strides of dOut, dq, dk, dv (native/napi/sdpa_backward_args.h).
 */
export type SdpaBackwardArgs = [
  ...forward: SdpaArgs,
  dOut: Float32Array,
  lse: Float32Array | null,
  dq: Float32Array,
  dk: Float32Array,
  dv: Float32Array,
  dSinks: Float32Array | null,
  bwdDesc: Float64Array,
];

export interface NativeAddon {
  abi: number;
  sdpa(...args: SdpaArgs): void;
  sdpaAsync(...args: SdpaArgs): Promise<void>;
  /** Writes dq, dk, dv (and dSinks) of the forward the first 11 arguments describe. */
  sdpaBackward(...args: SdpaBackwardArgs): void;
  sdpaBackwardAsync(...args: SdpaBackwardArgs): Promise<void>;
  /** y = x · wᵀ + b; desc = [rows, inFeatures, outFeatures] (native/napi/linear_args.h). */
  linear(x: Float32Array, weight: Float32Array, bias: Float32Array | null, out: Float32Array, desc: Float64Array): void;
  info(): { simd: string; fmaWidth: number; bf16: boolean; threads: number; gemm: string };
  /** Threads per call, the caller included (an integer in [1, 1024]). */
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** Makes running and queued calls stop computing; only for the main thread's 'exit' event. */
  abandonJobs(): void;
}
