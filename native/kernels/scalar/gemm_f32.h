// Projection GEMM kernels (y = x · wᵀ + b) for outputs [o_begin, o_end) of every row. The scalar one is
// always built and is the oracle for the rest.
#pragma once
#include "attnkit_gemm.h"

namespace attnkit {
void attn_gemm_f32__scalar(const attn_linear_args& a, int64_t o_begin, int64_t o_end);
#if defined(ATTNKIT_HAVE_GEMM_AVX2)
// 6 rows x 16 outputs register tile, o_begin a multiple of 16; needs AVX2 + FMA (checked by the caller).
void attn_gemm_f32_6x16__avx2(const attn_linear_args& a, int64_t o_begin, int64_t o_end);
// A few rows straight from w's rows (no packing); AVX2 + FMA.
void attn_gemv_f32__avx2(const attn_linear_args& a, int64_t o_begin, int64_t o_end);
#endif
#if defined(ATTNKIT_HAVE_CBLAS)
// cblas_sgemm on the system BLAS (CMake's ATTNKIT_BLAS=ON), one thread per call.
void attn_gemm_f32__cblas(const attn_linear_args& a, int64_t o_begin, int64_t o_end);
#endif
}  // namespace attnkit
