// NEON Ops for kernels/common/flash_fwd.h (arm64; NEON is part of the base ISA, no extra flags).
// Same contracts as kernels/avx2/flash_ops_avx2.h with 4-lane vectors: the MR x 16 micro-kernel
// keeps 4*MR accumulators (24 of the 32 q registers at MR = 6).
#pragma once
#include <arm_neon.h>

#include <cmath>
#include <cstdint>

#include "../common/flash_ops_base.h"
#include "../common/kv_types.h"

namespace attnkit {

// expf as exp_f32_avx2 (same range reduction and Cephes polynomial, the same clamp at -87.3 so the
// result is never a denormal). vmin/vmax propagate NaN on arm64.
static inline float32x4_t exp_f32_neon(float32x4_t x) {
  x = vminq_f32(x, vdupq_n_f32(88.0f));
  x = vmaxq_f32(x, vdupq_n_f32(-87.3f));
  const float32x4_t n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(1.44269504088896341f)));
  float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693359375f));
  r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));
  float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
  p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, r);
  p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, r);
  p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.0f)), p, vmulq_f32(r, r));
  const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
  return vmulq_f32(p, vreinterpretq_f32_s32(e));
}

struct FlashOpsNeon : FlashOpsBase {
  // Four K or V elements as floats: float as is, float16 by vcvt_f32_f16, bfloat16 by a 16-bit widening shift.
  static inline float32x4_t load4(const float* p) { return vld1q_f32(p); }
  static inline float32x4_t load4(const f16_t* p) {
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(reinterpret_cast<const uint16_t*>(p))));
  }
  static inline float32x4_t load4(const bf16_t* p) {
    return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(reinterpret_cast<const uint16_t*>(p)), 16));
  }

  template <int MR, class T>
  static inline void gemm(const float* A, int64_t lda, const T* B, int64_t ldb, float* C, int64_t ldc,
                          int64_t K, bool acc) {
    gemm_tile<MR, false>(A, lda, B, ldb, C, ldc, K, acc);
  }

  // gemm with A stored transposed: element (r, k) at A[k * lda + r] (the backward's Pᵀ and dSᵀ).
  template <int MR>
  static inline void gemm_at(const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc,
                             int64_t K, bool acc) {
    gemm_tile<MR, true>(A, lda, B, ldb, C, ldc, K, acc);
  }

  // The MRx16 tile of gemm and gemm_at; kTransposedA says where A's element (r, k) is.
  template <int MR, bool kTransposedA, class T>
  static inline void gemm_tile(const float* A, int64_t lda, const T* B, int64_t ldb, float* C, int64_t ldc,
                               int64_t K, bool acc) {
    float32x4_t c[MR][4];
    for (int r = 0; r < MR; ++r)
      for (int q = 0; q < 4; ++q) c[r][q] = acc ? vld1q_f32(C + r * ldc + 4 * q) : vdupq_n_f32(0.0f);
    for (int64_t k = 0; k < K; ++k) {
      const float32x4_t b0 = load4(B + k * ldb), b1 = load4(B + k * ldb + 4), b2 = load4(B + k * ldb + 8),
                        b3 = load4(B + k * ldb + 12);
      for (int r = 0; r < MR; ++r) {
        const float x = kTransposedA ? A[k * lda + r] : A[r * lda + k];
        c[r][0] = vfmaq_n_f32(c[r][0], b0, x);
        c[r][1] = vfmaq_n_f32(c[r][1], b1, x);
        c[r][2] = vfmaq_n_f32(c[r][2], b2, x);
        c[r][3] = vfmaq_n_f32(c[r][3], b3, x);
      }
    }
    for (int r = 0; r < MR; ++r)
      for (int q = 0; q < 4; ++q) vst1q_f32(C + r * ldc + 4 * q, c[r][q]);
  }

  template <class T>
  static inline void pack_k16(float* dst, const T* src, int64_t ldk, int64_t D) {
    for (int64_t jj = 0; jj < 16; ++jj)
      for (int64_t d = 0; d < D; ++d) dst[d * 16 + jj] = to_f32(src[jj * ldk + d]);
  }

  template <class T>
  static inline bool copy_row(float* dst, const T* src, int64_t n, int64_t npad) {
    uint32x4_t bad = vdupq_n_u32(0);
    int64_t d = 0;
    for (; d + 4 <= n; d += 4) {
      const float32x4_t x = load4(src + d);
      vst1q_f32(dst + d, x);
      const float32x4_t z = vsubq_f32(x, x);  // NaN exactly when x is NaN or Inf
      bad = vorrq_u32(bad, vmvnq_u32(vceqq_f32(z, z)));
    }
    bool nonfinite = vmaxvq_u32(bad) != 0;
    for (; d < n; ++d) {
      dst[d] = to_f32(src[d]);
      nonfinite |= !std::isfinite(dst[d]);
    }
    for (; d < npad; ++d) dst[d] = 0.0f;
    return nonfinite;
  }

  // As FlashOpsAvx2::apply_mask: exactly one of bm, am is set.
  static inline void apply_mask(float* s, int64_t nvis, int64_t npad, const uint8_t* bm, const float* am) {
    const float32x4_t ninf = vdupq_n_f32(-INFINITY);
    int64_t j = 0;
    if (am) {
      for (; j + 4 <= nvis; j += 4) {
        const float32x4_t t = vld1q_f32(am + j);
        const float32x4_t x = vaddq_f32(vld1q_f32(s + j), t);
        vst1q_f32(s + j, vbslq_f32(vceqq_f32(t, ninf), ninf, x));
      }
      for (; j < nvis; ++j) s[j] = am[j] == -INFINITY ? -INFINITY : am[j] + s[j];
    } else {
      for (; j < nvis; ++j) if (!bm[j]) s[j] = -INFINITY;
    }
    for (; j < npad; ++j) s[j] = -INFINITY;
  }

  static inline float row_max(const float* s, int64_t n) {
    float32x4_t m = vdupq_n_f32(-INFINITY);
    for (int64_t j = 0; j < n; j += 4) m = vmaxq_f32(m, vld1q_f32(s + j));  // NaN propagates
    return vmaxvq_f32(m);
  }


  static inline bool exp_row(float* s, int64_t n, float m, float* sum) {
    const float32x4_t vm = vdupq_n_f32(m), ninf = vdupq_n_f32(-INFINITY), nzero = vdupq_n_f32(-0.0f);
    float32x4_t acc = vdupq_n_f32(0.0f);
    uint32x4_t masked = vdupq_n_u32(0);
    for (int64_t j = 0; j < n; j += 4) {
      const float32x4_t x = vld1q_f32(s + j);
      const uint32x4_t off = vceqq_f32(x, ninf);
      const float32x4_t p = vbslq_f32(off, nzero, exp_f32_neon(vsubq_f32(x, vm)));
      vst1q_f32(s + j, p);
      acc = vaddq_f32(acc, p);
      masked = vorrq_u32(masked, off);
    }
    *sum = vaddvq_f32(acc);
    return vmaxvq_u32(masked) != 0;
  }

  template <int R, class T>
  static inline void dots(const float* q, int64_t ldq, int64_t D, const T* k, float* s, int64_t lds) {
    float32x4_t acc[R];
    for (int r = 0; r < R; ++r) acc[r] = vdupq_n_f32(0.0f);
    int64_t d = 0;
    for (; d + 4 <= D; d += 4) {
      const float32x4_t kv = load4(k + d);
      for (int r = 0; r < R; ++r) acc[r] = vfmaq_f32(acc[r], vld1q_f32(q + r * ldq + d), kv);
    }
    // Reduce in fully unrolled code before the scalar tail (as flash_ops_avx2.h: a runtime loop over
    // acc[r] can make GCC keep the array in memory).
    float x[R];
    for (int r = 0; r < R; ++r) x[r] = vaddvq_f32(acc[r]);
    if (d < D)
      for (int r = 0; r < R; ++r)
        for (int64_t t = d; t < D; ++t) x[r] += q[r * ldq + t] * to_f32(k[t]);
    for (int r = 0; r < R; ++r) s[r * lds] = x[r];
  }

  template <int R, class T>
  static inline void axpy(float* o, int64_t ldo, const float* p, int64_t ldp, const T* v, int64_t n) {
    int64_t d = 0;
    for (; d + 4 <= n; d += 4) {
      const float32x4_t x = load4(v + d);
      for (int r = 0; r < R; ++r) vst1q_f32(o + r * ldo + d, vfmaq_n_f32(vld1q_f32(o + r * ldo + d), x, p[r * ldp]));
    }
    for (; d < n; ++d)
      for (int r = 0; r < R; ++r) o[r * ldo + d] += p[r * ldp] * to_f32(v[d]);
  }

  // s = cap * tanh(s / cap): as FlashOpsAvx2::softcap.
  static inline void softcap(float* s, int64_t n, float cap) {
    const float32x4_t one = vdupq_n_f32(1.0f), small = vdupq_n_f32(0.25f);
    const float inv = 1.0f / cap;
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
      const float32x4_t y = vmulq_n_f32(vld1q_f32(s + j), inv);
      const float32x4_t a = vabsq_f32(y);
      const float32x4_t e = exp_f32_neon(vmulq_n_f32(a, -2.0f));
      const float32x4_t big = vdivq_f32(vsubq_f32(one, e), vaddq_f32(one, e));
      const float32x4_t a2 = vmulq_f32(a, a);
      float32x4_t poly = vdupq_n_f32(62.0f / 2835.0f);
      poly = vfmaq_f32(vdupq_n_f32(-17.0f / 315.0f), poly, a2);
      poly = vfmaq_f32(vdupq_n_f32(2.0f / 15.0f), poly, a2);
      poly = vfmaq_f32(vdupq_n_f32(-1.0f / 3.0f), poly, a2);
      poly = vfmaq_f32(a, vmulq_f32(poly, a2), a);
      const float32x4_t t = vbslq_f32(vcltq_f32(a, small), poly, big);
      // copysign: the sign bit of y onto t (t >= 0 or NaN).
      const uint32x4_t sign = vandq_u32(vreinterpretq_u32_f32(y), vdupq_n_u32(0x80000000u));
      vst1q_f32(s + j, vmulq_n_f32(vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(t), sign)), cap));
    }
    for (; j < n; ++j) s[j] = cap * std::tanh(s[j] / cap);
  }

  static inline void scale_row(float* o, int64_t n, float alpha) {
    for (int64_t j = 0; j < n; j += 4) vst1q_f32(o + j, vmulq_n_f32(vld1q_f32(o + j), alpha));
  }
};

}  // namespace attnkit
