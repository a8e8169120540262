// AVX512_BF16 Ops for the prefill path of kernels/common/flash_fwd.h under `compute: 'bf16'` (include only
// from files built with -mavx512bf16 as well as the AVX-512 flags). q, k, v and the probabilities are
// rounded to bfloat16 (round to nearest even) and multiplied by vdpbf16ps, which sums a pair of products
// into each fp32 lane: twice the flops of an fp32 FMA per instruction. The softmax stays fp32.
//
// Operands are 32-bit pairs of bf16 along the reduction dimension:
//   Q·Kᵀ  A = q rows    [row][D2]      pair i = (q[2i], q[2i+1])          D2 = ceil(D / 2), zero padded
//         B = K panels  [D2][16]       lane j = (k_j[2i], k_j[2i+1])
//   P·V   A = P rows    [row][nk2]     pair m = (p[2m], p[2m+1])          nk2 = ceil(keys / 2)
//         B = V panels  [nk2][16]      lane c = (v[2m][c], v[2m+1][c])
// The low half of a pair holds the even element, as vdpbf16ps expects.
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "flash_ops_avx512.h"

namespace attnkit {
namespace {

struct FlashOpsAvx512Bf16 : FlashOpsAvx512Zmm {
  static constexpr bool kBf16 = true;
  using FlashOpsAvx512Zmm::gemm_panels;  // the fp32 tiles, beside the bf16 overload below

  // 16 pairs (lo[j], hi[j]) of bf16, lo in the low half.
  static ATTNKIT_AVX2_INLINE __m512i pairs16(__m512 lo, __m512 hi) {
    const __m512i l = _mm512_cvtepu16_epi32(reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(lo)));
    const __m512i h = _mm512_cvtepu16_epi32(reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(hi)));
    return _mm512_or_si512(l, _mm512_slli_epi32(h, 16));
  }

  // dst[i] = pair (src[2i], src[2i+1]) for i < ceil(n / 2), the odd element paired with 0: a row of
  // consecutive floats (q, or a row of probabilities) as pairs along itself.
  static inline void row_pairs(uint32_t* dst, const float* src, int64_t n) {
    int64_t j = 0;
    for (; j + 32 <= n; j += 32) {
      // cvtne2ps: the low 16 bf16 from the second operand, so src[j .. j+32) stay in order.
      const __m512bh b = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + j + 16), _mm512_loadu_ps(src + j));
      _mm512_storeu_si512(dst + j / 2, reinterpret_cast<__m512i>(b));
    }
    if (j < n) {
      const int64_t left = n - j;  // 1..31
      const __mmask16 m0 = left >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << left) - 1);
      const __mmask16 m1 = left > 16 ? static_cast<__mmask16>((1u << (left - 16)) - 1) : 0;
      const __m512bh b = _mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(m1, src + j + 16), _mm512_maskz_loadu_ps(m0, src + j));
      const int64_t npairs = (left + 1) / 2;
      _mm512_mask_storeu_epi32(dst + j / 2, static_cast<__mmask16>((1u << npairs) - 1), reinterpret_cast<__m512i>(b));
    }
  }

  // A packed fp32 panel [n][16] (rows 16 floats apart) as pairs of consecutive rows [ceil(n / 2)][16]:
  // K panels (rows = d) and V panels (rows = keys). An odd last row is paired with zeros.
  static inline void panel_pairs(uint32_t* dst, const float* src, int64_t n) {
    int64_t i = 0;
    for (; i + 2 <= n; i += 2)
      _mm512_storeu_si512(dst + i / 2 * 16, pairs16(_mm512_loadu_ps(src + i * 16), _mm512_loadu_ps(src + i * 16 + 16)));
    if (i < n) _mm512_storeu_si512(dst + i / 2 * 16, pairs16(_mm512_loadu_ps(src + i * 16), _mm512_setzero_ps()));
  }

  // C[MR][16 * NP] (ldc) = (acc ? C : 0) + Σ_i A[r][i] · B_p[i] over K2 pairs: A [MR][K2] pairs (lda),
  // panel p [K2][16] pairs at B + p * ldp.
  template <int MR, int NP>
  static ATTNKIT_AVX2_INLINE void gemm_panels(const uint32_t* A, int64_t lda, const uint32_t* B, int64_t ldp, float* C,
                                            int64_t ldc, int64_t K2, bool acc) {
    __m512 c[MR][NP];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
      for (int p = 0; p < NP; ++p) c[r][p] = acc ? _mm512_loadu_ps(C + r * ldc + 16 * p) : _mm512_setzero_ps();
    for (int64_t i = 0; i < K2; ++i) {
      __m512bh b[NP];
#pragma GCC unroll 2
      for (int p = 0; p < NP; ++p) b[p] = reinterpret_cast<__m512bh>(_mm512_loadu_si512(B + p * ldp + i * 16));
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        const __m512bh x = reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(A[r * lda + i])));
#pragma GCC unroll 2
        for (int p = 0; p < NP; ++p) c[r][p] = _mm512_dpbf16_ps(c[r][p], x, b[p]);
      }
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
      for (int p = 0; p < NP; ++p) _mm512_storeu_ps(C + r * ldc + 16 * p, c[r][p]);
  }
};

}  // namespace
}  // namespace attnkit
