import { currentSelection } from '../backends/select';
import { VERSION } from '../version';

export interface BackendInfo {
  /** The backend that runs the kernels. */
  backend: 'native' | 'js';
  /** Why this backend is live (forced, loaded from where, or why native could not load and how to fix it). */
  reason: string;
  /** The SIMD level of the native kernels ('scalar', 'avx2', 'avx512', 'neon'), 'none' on the JS backend. */
  simd: string;
  /** Threads a single call may use. */
  threads: number;
  /**
   * The kernel behind `linear()`: 'gemm_f32_6x16__avx2' or 'gemm_f32__scalar' (built in), 'cblas'
   * (the system BLAS of a CMake build with ATTNKIT_BLAS=ON), 'js' on the JS backend.
   */
  gemm: string;
  /** attnkit's version. */
  version: string;
}

/** Which backend is live and why. Throws AttnkitBackendError when ATTNKIT_BACKEND=native cannot load. */
export function backendInfo(): BackendInfo {
  const { backend, reason } = currentSelection();
  const { simd, threads, gemm } = backend.info();
  return { backend: backend.name, reason, simd, threads, gemm, version: VERSION };
}
