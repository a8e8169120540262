// AVX2 + FMA projection GEMM, y = x · wᵀ + b, with a 6x16 register tile (12 accumulators,
// 2 loads, 1 broadcast = 15 of 16 ymm registers), as in BLIS/XNNPACK's f32 "6x16" kernels.
// Only this file is compiled with -mavx2 -mfma (its own static library in binding.gyp).
//
// w arrives as nn.Linear's [out, in]. It is packed once per call into panels of 16 outputs,
// panel p = [in][16] (outputs past out_features zero-filled), so the inner loop reads 16
// consecutive floats per k. x rows are used in place (broadcast x[r, k]).
// Its own kernel rather than the attention kernel's FlashOpsAvx2::gemm, whose accumulators GCC kept on
// the stack when compiled here.
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "../scalar/gemm_f32.h"
#include "pack_w_f32.h"

namespace attnkit {

namespace {

constexpr int kMr = 6;
constexpr int kNr = 16;
// Rows per outer block: 96 rows x in floats of x stay in L2 while all panels pass over them.
constexpr int64_t kMc = 96;

// acc[r][0..15] = Σ_k x[r, k]·panel[k][0..15] for MR rows; writes to c (ldc) or a 6x16 temp.
template <int MR>
void micro_tile(int64_t k_len, const float* x, int64_t ldx, const float* panel, float* c, int64_t ldc) {
  __m256 acc0[MR], acc1[MR];
  for (int r = 0; r < MR; r++) {
    acc0[r] = _mm256_setzero_ps();
    acc1[r] = _mm256_setzero_ps();
  }
  for (int64_t k = 0; k < k_len; k++) {
    const __m256 b0 = _mm256_loadu_ps(panel + k * kNr);
    const __m256 b1 = _mm256_loadu_ps(panel + k * kNr + 8);
    for (int r = 0; r < MR; r++) {
      const __m256 a = _mm256_broadcast_ss(x + r * ldx + k);
      acc0[r] = _mm256_fmadd_ps(a, b0, acc0[r]);
      acc1[r] = _mm256_fmadd_ps(a, b1, acc1[r]);
    }
  }
  for (int r = 0; r < MR; r++) {
    _mm256_storeu_ps(c + r * ldc, acc0[r]);
    _mm256_storeu_ps(c + r * ldc + 8, acc1[r]);
  }
}

void tile(int mr, int64_t k_len, const float* x, int64_t ldx, const float* panel, float* c, int64_t ldc) {
  switch (mr) {
    case 6: micro_tile<6>(k_len, x, ldx, panel, c, ldc); break;
    case 5: micro_tile<5>(k_len, x, ldx, panel, c, ldc); break;
    case 4: micro_tile<4>(k_len, x, ldx, panel, c, ldc); break;
    case 3: micro_tile<3>(k_len, x, ldx, panel, c, ldc); break;
    case 2: micro_tile<2>(k_len, x, ldx, panel, c, ldc); break;
    default: micro_tile<1>(k_len, x, ldx, panel, c, ldc); break;
  }
}

}  // namespace

void attn_gemm_f32_6x16__avx2(const attn_linear_args& a, int64_t o_begin, int64_t o_end) {
  const int64_t n = a.in_features, m = a.out_features, rows = a.rows;
  if (rows == 0 || o_end <= o_begin) return;
  // Panels of outputs [o_begin, o_end); o_begin is a multiple of 16 (the caller's blocks are).
  const int64_t p_first = o_begin / kNr, panels = (o_end - o_begin + kNr - 1) / kNr;
  const float* packed = pack_w_panels16(a, o_begin, o_end);
  alignas(32) float temp[kMr * kNr];
  for (int64_t r0 = 0; r0 < rows; r0 += kMc) {
    const int64_t r_end = (r0 + kMc < rows) ? r0 + kMc : rows;
    for (int64_t p = 0; p < panels; p++) {
      const float* panel = packed + p * kNr * n;
      const int64_t o0 = (p_first + p) * kNr;
      const int64_t cols = (o_end - o0) < kNr ? (o_end - o0) : kNr;
      for (int64_t r = r0; r < r_end; r += kMr) {
        const int mr = static_cast<int>((r_end - r) < kMr ? (r_end - r) : kMr);
        const float* xr = a.x + r * n;
        if (cols == kNr) {
          float* c = a.y + r * m + o0;
          tile(mr, n, xr, n, panel, c, m);
          if (a.bias) {
            const __m256 b0 = _mm256_loadu_ps(a.bias + o0), b1 = _mm256_loadu_ps(a.bias + o0 + 8);
            for (int i = 0; i < mr; i++) {
              _mm256_storeu_ps(c + i * m, _mm256_add_ps(_mm256_loadu_ps(c + i * m), b0));
              _mm256_storeu_ps(c + i * m + 8, _mm256_add_ps(_mm256_loadu_ps(c + i * m + 8), b1));
            }
          }
        } else {
          // Output tail: compute the full 16-wide tile into temp, copy the valid columns.
          tile(mr, n, xr, n, panel, temp, kNr);
          for (int i = 0; i < mr; i++)
            for (int64_t j = 0; j < cols; j++) a.y[(r + i) * m + o0 + j] = temp[i * kNr + j] + (a.bias ? a.bias[o0 + j] : 0.0f);
        }
      }
    }
  }
}

}  // namespace attnkit
