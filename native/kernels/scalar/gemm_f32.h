// Projection GEMM kernels (y = x · wᵀ + b) for outputs [o_begin, o_end) of every row. The scalar one is
// always built and is the oracle for the rest.
#pragma once
#include "attnkit_gemm.h"

namespace attnkit {
void attn_gemm_f32__scalar(const attn_linear_args& a, int64_t o_begin, int64_t o_end);
#if defined(ATTNKIT_HAVE_GEMM_AVX2)
// 6 rows x 16 outputs register tile, o_begin a multiple of 16; needs AVX2 + FMA (checked by the caller).
void attn_gemm_f32_6x16__avx2(const attn_linear_args& a, int64_t o_begin, int64_t o_end);
// Up to kGemvMaxRows rows at a time straight from w's rows (no packing), outputs [o0, o1); AVX2 + FMA.
constexpr int64_t kGemvMaxRows = 4;
void attn_gemv_f32__avx2(const attn_linear_args& a, int64_t o0, int64_t o1);
#endif
#if defined(ATTNKIT_HAVE_CBLAS)
// cblas_sgemm on the system BLAS (CMake's ATTNKIT_BLAS=ON) for outputs [n0, n1), one thread per call.
void attn_gemm_f32__cblas(const attn_linear_args& a, int64_t n0, int64_t n1);
#endif
}  // namespace attnkit
