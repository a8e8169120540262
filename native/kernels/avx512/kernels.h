// AVX-512 kernels (built only into the attnkit_avx512 library with -mavx512f -mavx512vl -mavx512dq
// -mavx512bw).
#pragma once
#include "attnkit.h"
#include "attnkit_gemm.h"
#include "../common/parallel.h"

namespace attnkit {
// AVX2-width prefill tiles (cores that split a zmm FMA in two halves) and the AVX-512 decode and exp.
void attn_sdpa_f32_flash__avx512(const attn_sdpa_args& a, const ParallelFor* pf);
// The same with zmm prefill tiles, for cores with full-width 512-bit FMAs.
void attn_sdpa_f32_flash_zmm__avx512(const attn_sdpa_args& a, const ParallelFor* pf);
// The backward pass (kernels/common/flash_bwd.h) on the ymm micro-kernel with the 16-lane exp.
void attn_sdpa_bwd_f32__avx512(const attn_sdpa_bwd_args& a, const ParallelFor* pf);
#if defined(ATTNKIT_HAVE_AVX512_BF16)
// zmm tiles, with bfloat16 products (vdpbf16ps) in prefill for calls that allow them (compute_bf16); needs
// AVX512_BF16 (the attnkit_avx512_bf16 library).
void attn_sdpa_f32_flash_bf16__avx512(const attn_sdpa_args& a, const ParallelFor* pf);
#endif
// linear()'s GEMM on an 8 rows x 48 outputs zmm tile, o_begin a multiple of 16; for full-width zmm FMAs.
void attn_gemm_f32_8x48__avx512(const attn_linear_args& a, int64_t o_begin, int64_t o_end);
}
