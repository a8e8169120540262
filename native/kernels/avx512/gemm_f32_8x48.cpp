// AVX-512 projection GEMM, y = x · wᵀ + b, on an 8 rows x 48 outputs zmm register tile: 24 accumulators,
// 3 loads of w and 8 broadcasts of x per k, for cores that run a 512-bit FMA at full width (Zen 5, Intel
// server cores); Zen 4 splits one in two halves, so dispatch keeps the AVX2 6x16 tile there. 8 rows rather
// than the attention's 14: eight row pointers leave the loop free of spills (14 spill to the stack), and
// fewer broadcasts per FMA leave load slots to spare.
//
// w arrives as nn.Linear's [out, in] and is packed once per call into panels of 16 outputs, panel
// p = [in][16] (outputs past out_features zero-filled), as the AVX2 kernel packs it; a tile reads three
// panels per k (fewer at a block's end). x rows are used in place. Each output is the FMA chain over k in
// order from 0, then + b, as in the AVX2 kernel: the same bits, whatever the thread count.
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "../avx2/pack_w_f32.h"
#include "kernels.h"

namespace attnkit {

namespace {

constexpr int kMr = 8;
constexpr int kNp = 3;  // 16-output panels per tile
// Rows per outer block: 96 rows x in floats of x stay in L2 while all panels pass over them.
constexpr int64_t kMc = 96;

// c[r][16p..] = Σ_k x[r, k]·panel_p[k] (+ bias) for MR rows and NP panels (panel p at panel + p * ldp);
// the last panel's columns are stored under `last` (an output tail).
template <int MR, int NP>
ATTNKIT_AVX2_INLINE void micro_tile(int64_t k_len, const float* x, int64_t ldx, const float* panel, int64_t ldp,
                                    float* c, int64_t ldc, const float* bias, __mmask16 last) {
  __m512 acc[MR][NP];
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
    for (int p = 0; p < NP; p++) acc[r][p] = _mm512_setzero_ps();
  for (int64_t k = 0; k < k_len; k++) {
    __m512 b[NP];
#pragma GCC unroll 4
    for (int p = 0; p < NP; p++) b[p] = _mm512_loadu_ps(panel + p * ldp + k * 16);
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      const __m512 a = _mm512_set1_ps(x[r * ldx + k]);
#pragma GCC unroll 4
      for (int p = 0; p < NP; p++) acc[r][p] = _mm512_fmadd_ps(a, b[p], acc[r][p]);
    }
  }
  if (bias) {  // after the chain, not as its start, as the AVX2 kernel; none added without one (-0 + 0 is +0)
#pragma GCC unroll 4
    for (int p = 0; p < NP; p++) {
      const __m512 bv = _mm512_maskz_loadu_ps(p + 1 < NP ? __mmask16(0xFFFF) : last, bias + 16 * p);
#pragma GCC unroll 16
      for (int r = 0; r < MR; r++) acc[r][p] = _mm512_add_ps(acc[r][p], bv);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++) {
#pragma GCC unroll 4
    for (int p = 0; p + 1 < NP; p++) _mm512_storeu_ps(c + r * ldc + 16 * p, acc[r][p]);
    _mm512_mask_storeu_ps(c + r * ldc + 16 * (NP - 1), last, acc[r][NP - 1]);
  }
}

// One tile of mr <= MR rows and np <= NP panels (the row and output tails take smaller instances).
template <int MR = kMr, int NP = kNp>
void tile(int mr, int np, int64_t k_len, const float* x, int64_t ldx, const float* panel, int64_t ldp, float* c,
          int64_t ldc, const float* bias, __mmask16 last) {
  if constexpr (NP > 1) {
    if (np < NP) return tile<MR, NP - 1>(mr, np, k_len, x, ldx, panel, ldp, c, ldc, bias, last);
  }
  if constexpr (MR > 1) {
    if (mr < MR) return tile<MR - 1, NP>(mr, np, k_len, x, ldx, panel, ldp, c, ldc, bias, last);
  }
  micro_tile<MR, NP>(k_len, x, ldx, panel, ldp, c, ldc, bias, last);
}

}  // namespace

void attn_gemm_f32_8x48__avx512(const attn_linear_args& a, int64_t o_begin, int64_t o_end) {
  const int64_t n = a.in_features, m = a.out_features, rows = a.rows;
  if (rows == 0 || o_end <= o_begin) return;
  // Panels of outputs [o_begin, o_end); o_begin is a multiple of 16 (the caller's blocks are).
  const int64_t p_first = o_begin / 16, panels = (o_end - o_begin + 15) / 16, ldp = 16 * n;
  const float* packed = pack_w_panels16(a, o_begin, o_end);
  for (int64_t r0 = 0; r0 < rows; r0 += kMc) {
    const int64_t r_end = std::min(r0 + kMc, rows);
    for (int64_t p = 0; p < panels; p += kNp) {
      const float* panel = packed + p * ldp;
      const int64_t o0 = (p_first + p) * 16;
      const int np = static_cast<int>(std::min<int64_t>(panels - p, kNp));
      const int64_t cols = std::min<int64_t>(o_end - o0, 16 * np);
      const __mmask16 last = static_cast<__mmask16>((1u << (cols - 16 * (np - 1))) - 1);
      const float* bias = a.bias ? a.bias + o0 : nullptr;
      for (int64_t r = r0; r < r_end; r += kMr) {
        const int mr = static_cast<int>(std::min<int64_t>(r_end - r, kMr));
        const float* xr = a.x + r * n;
        float* c = a.y + r * m + o0;
        tile(mr, np, n, xr, n, panel, ldp, c, m, bias, last);
      }
    }
  }
}

}  // namespace attnkit
