// Portable Ops for kernels/common/flash_fwd.h: plain loops the compiler may vectorise for the
// baseline ISA. Same contracts as the SIMD Ops (see flash_ops_avx2.h).
#pragma once
#include <cmath>
#include <cstdint>

#include "../common/flash_ops_base.h"
#include "../common/kv_types.h"

namespace attnkit {

// K and V elements of any type (T: float, f16_t, bf16_t) are widened by to_f32's bit conversions.
struct FlashOpsScalar : FlashOpsBase {
  template <int MR, class T>
  static void gemm(const float* A, int64_t lda, const T* B, int64_t ldb, float* C, int64_t ldc, int64_t K,
                   bool acc) {
    gemm_tile<MR, false>(A, lda, B, ldb, C, ldc, K, acc);
  }

  // gemm with A stored transposed: element (r, k) at A[k * lda + r] (the backward's Pᵀ and dSᵀ).
  template <int MR>
  static void gemm_at(const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc, int64_t K,
                      bool acc) {
    gemm_tile<MR, true>(A, lda, B, ldb, C, ldc, K, acc);
  }

  // The MRx16 tile of gemm and gemm_at; kTransposedA says where A's element (r, k) is.
  template <int MR, bool kTransposedA, class T>
  static void gemm_tile(const float* A, int64_t lda, const T* B, int64_t ldb, float* C, int64_t ldc, int64_t K,
                        bool acc) {
    float c[MR][16];
    for (int r = 0; r < MR; ++r)
      for (int j = 0; j < 16; ++j) c[r][j] = acc ? C[r * ldc + j] : 0.0f;
    for (int64_t k = 0; k < K; ++k)
      for (int r = 0; r < MR; ++r) {
        const float x = kTransposedA ? A[k * lda + r] : A[r * lda + k];
        for (int j = 0; j < 16; ++j) c[r][j] += x * to_f32(B[k * ldb + j]);
      }
    for (int r = 0; r < MR; ++r)
      for (int j = 0; j < 16; ++j) C[r * ldc + j] = c[r][j];
  }

  template <class T>
  static void pack_k16(float* dst, const T* src, int64_t ldk, int64_t D) {
    for (int64_t jj = 0; jj < 16; ++jj)
      for (int64_t d = 0; d < D; ++d) dst[d * 16 + jj] = to_f32(src[jj * ldk + d]);
  }

  template <class T>
  static bool copy_row(float* dst, const T* src, int64_t n, int64_t npad) {
    bool bad = false;
    for (int64_t d = 0; d < n; ++d) {
      dst[d] = to_f32(src[d]);
      bad |= !std::isfinite(dst[d]);
    }
    for (int64_t d = n; d < npad; ++d) dst[d] = 0.0f;
    return bad;
  }

  // As FlashOpsAvx2::apply_mask: exactly one of bm, am is set.
  static void apply_mask(float* s, int64_t nvis, int64_t npad, const uint8_t* bm, const float* am) {
    for (int64_t j = 0; j < npad; ++j) {
      float t = j < nvis ? 0.0f : -INFINITY;
      if (j < nvis && bm && !bm[j]) t = -INFINITY;
      if (j < nvis && am) t = am[j];
      s[j] = t == -INFINITY ? -INFINITY : t + s[j];
    }
  }

  static float row_max(const float* s, int64_t n) {
    float m = -INFINITY;
    for (int64_t j = 0; j < n; ++j) {
      if (std::isnan(s[j])) return NAN;  // NaN sticks: the whole row becomes NaN
      if (s[j] > m) m = s[j];
    }
    return m;
  }


  static bool exp_row(float* s, int64_t n, float m, float* sum) {
    bool masked = false;
    float acc = 0.0f;
    for (int64_t j = 0; j < n; ++j) {
      if (s[j] == -INFINITY) {
        s[j] = -0.0f;
        masked = true;
        continue;
      }
      s[j] = std::exp(s[j] - m);
      acc += s[j];
    }
    *sum = acc;
    return masked;
  }

  template <int R, class T>
  static void dots(const float* q, int64_t ldq, int64_t D, const T* k, float* s, int64_t lds) {
    for (int r = 0; r < R; ++r) {
      float x = 0.0f;
      for (int64_t d = 0; d < D; ++d) x += q[r * ldq + d] * to_f32(k[d]);
      s[r * lds] = x;
    }
  }

  template <int R, class T>
  static void axpy(float* o, int64_t ldo, const float* p, int64_t ldp, const T* v, int64_t n) {
    for (int r = 0; r < R; ++r)
      for (int64_t d = 0; d < n; ++d) o[r * ldo + d] += p[r * ldp] * to_f32(v[d]);
  }

  static void softcap(float* s, int64_t n, float cap) {
    for (int64_t j = 0; j < n; ++j) s[j] = cap * std::tanh(s[j] / cap);
  }

  static void scale_row(float* o, int64_t n, float alpha) {
    for (int64_t j = 0; j < n; ++j) o[j] *= alpha;
  }
};

}  // namespace attnkit
