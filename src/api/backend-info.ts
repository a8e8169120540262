import { currentSelection } from '../backends/select';
import { VERSION } from '../version';

export interface BackendInfo {
  /** The backend that runs the kernels. */
  backend: 'native' | 'js';
  /** Why this backend is live (forced, loaded from where, or why native could not load and how to fix it). */
  reason: string;
  /** The SIMD level of the native kernels ('scalar', 'avx2', 'avx512', 'neon'), 'none' on the JS backend. */
  simd: string;
  /**
   * Width in bits of the vectors the native prefill and GEMM tiles compute on: 512 (zmm tiles, where the
   * core runs a 512-bit FMA at full width: Zen 5, Intel server cores), 256 (AVX2, or AVX-512 on a core
   * that splits a zmm FMA in two halves, as Zen 4), 128 (NEON), 32 (scalar); 0 on the JS backend.
   * `ATTNKIT_FMA_WIDTH=256|512` forces it at the avx512 level.
   */
  fmaWidth: number;
  /** Whether `compute: 'bf16'` runs bfloat16 products here (native, a CPU with AVX512_BF16); else it computes in fp32. */
  bf16: boolean;
  /** Threads a single call may use. */
  threads: number;
  /**
   * The kernel behind `linear()`: 'gemm_f32_8x48__avx512' (avx512 with `fmaWidth` 512),
   * 'gemm_f32_6x16__avx2' (avx2, or avx512 with `fmaWidth` 256) or 'gemm_f32__scalar' (built in),
   * 'cblas' (the system BLAS of a CMake build with ATTNKIT_BLAS=ON), 'js' on the JS backend.
   */
  gemm: string;
  /** attnkit's version. */
  version: string;
}

/** Which backend is live and why. Throws AttnkitBackendError when ATTNKIT_BACKEND=native cannot load. */
export function backendInfo(): BackendInfo {
  const { backend, reason } = currentSelection();
  const { simd, fmaWidth, bf16, threads, gemm } = backend.info();
  return { backend: backend.name, reason, simd, fmaWidth, bf16, threads, gemm, version: VERSION };
}
