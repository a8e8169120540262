// The shape of the compiled addon (native/napi/addon.cc). Its ABI number and descriptor slots are in
// native/napi/abi.json (bump the number there on any change here).
export { ADDON_ABI } from './abi-generated';

/** (q, k, v, out, weights, mask, desc, alibiSlopes, relativeBias, sinks, kvLengths, lse); desc slots: SDPA_DESC (abi-generated.ts). */
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
 * dSinks, bwdDesc): bwdDesc holds the strides of dOut, dq, dk, dv (SDPA_BACKWARD_DESC).
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
  /** y = x · wᵀ + b; desc: LINEAR_DESC. */
  linear(x: Float32Array, weight: Float32Array, bias: Float32Array | null, out: Float32Array, desc: Float64Array): void;
  info(): { simd: string; fmaWidth: number; bf16: boolean; threads: number; gemm: string };
  /** Threads per call, the caller included (an integer in [1, 1024]). */
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** Makes running and queued calls stop computing; only for the main thread's 'exit' event. */
  abandonJobs(): void;
}
