// AVX2+FMA Ops for kernels/common/flash_fwd.h (include only from files built with -mavx2 -mfma).
// The micro-kernel is an MR x 16 broadcast-FMA GEMM (as XNNPACK's 1x16-minmax-fma3-broadcast,
// MR rows): 2*MR accumulators, per k two loads of B and MR broadcasts of A.
#pragma once
#include <immintrin.h>

#include <cmath>
#include <cstdint>

#include "../common/flash_ops_base.h"
#include "../common/kv_types.h"
#include "exp_f32_avx2.h"

// The micro-kernel must inline into its callers (see gemm_rows in common/flash/tiling.h).
#if defined(__GNUC__)
#define ATTNKIT_AVX2_INLINE inline __attribute__((always_inline))
#else
#define ATTNKIT_AVX2_INLINE inline
#endif

namespace attnkit {
// Unnamed namespace: each translation unit that includes this (the AVX2 one, and the AVX-512 one,
// which derives from it) gets its own copies, so the linker can never hand the AVX2 kernel a function
// compiled with -mavx512f.
namespace {

struct FlashOpsAvx2 : FlashOpsBase {
  // gemm and dots2 take rows to prefetch beside their loads (decode: see common/flash/decode.h, pv_prefetches).
  static constexpr bool kKernelPrefetch = true;

  // Eight K or V elements as floats: float as is, float16 by F16C's vcvtph2ps (part of every AVX2 CPU
  // dispatch accepts, checked in dispatch/cpu_features.cpp), bfloat16 by a 16-bit shift.
  static ATTNKIT_AVX2_INLINE __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
  static ATTNKIT_AVX2_INLINE __m256 load8(const f16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  // bfloat16: the 8 values in both 128-bit lanes (vbroadcasti128, a plain load), then one in-lane byte
  // shuffle puts each into the top half of its float's lane, zeros below (vpmovzxwd and a shift take a uop more).
  static ATTNKIT_AVX2_INLINE __m256 load8(const bf16_t* p) {
    const __m256i x = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    const __m256i to_top = _mm256_setr_epi8(-128, -128, 0, 1, -128, -128, 2, 3, -128, -128, 4, 5, -128, -128, 6, 7,
                                            -128, -128, 8, 9, -128, -128, 10, 11, -128, -128, 12, 13, -128, -128, 14, 15);
    return _mm256_castsi256_ps(_mm256_shuffle_epi8(x, to_top));
  }

  // C[MR][16] (ldc) = (acc ? C : 0) + A[MR][K] (lda) * B[K][16] (ldb). Beside step k < pf_n, the line at
  // pf + k * ldb is prefetched into L2 (decode's P·V: the next key block's v rows; prefill passes none).
  // B of any K/V element type (decode's P·V reads v rows in place).
  template <int MR, class T>
  static ATTNKIT_AVX2_INLINE void gemm(const float* A, int64_t lda, const T* B, int64_t ldb, float* C, int64_t ldc,
                          int64_t K, bool acc, const T* pf = nullptr, int64_t pf_n = 0) {
    gemm_tile<MR, false>(A, lda, B, ldb, C, ldc, K, acc, pf, pf_n);
  }

  // gemm with A stored transposed: element (r, k) at A[k * lda + r]. The backward's Pᵀ·dOut and dSᵀ·q
  // read P and dS as the score GEMMs wrote them (rows = queries), so no transposed copy is made.
  template <int MR>
  static ATTNKIT_AVX2_INLINE void gemm_at(const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                                          int64_t ldc, int64_t K, bool acc) {
    gemm_tile<MR, true, float>(A, lda, B, ldb, C, ldc, K, acc, nullptr, 0);
  }

  // The 6x16 tile of gemm and gemm_at; kTransposedA says where A's element (r, k) is.
  template <int MR, bool kTransposedA, class T>
  static ATTNKIT_AVX2_INLINE void gemm_tile(const float* A, int64_t lda, const T* B, int64_t ldb, float* C,
                                            int64_t ldc, int64_t K, bool acc, const T* pf, int64_t pf_n) {
    __m256 c0[MR], c1[MR];
    for (int r = 0; r < MR; ++r) {
      c0[r] = acc ? _mm256_loadu_ps(C + r * ldc) : _mm256_setzero_ps();
      c1[r] = acc ? _mm256_loadu_ps(C + r * ldc + 8) : _mm256_setzero_ps();
    }
    for (int64_t k = 0; k < K; ++k) {
      if (k < pf_n) _mm_prefetch(reinterpret_cast<const char*>(pf + k * ldb), _MM_HINT_T1);
      const __m256 b0 = load8(B + k * ldb), b1 = load8(B + k * ldb + 8);
      for (int r = 0; r < MR; ++r) {
        const __m256 x = _mm256_broadcast_ss(kTransposedA ? A + k * lda + r : A + r * lda + k);
        c0[r] = _mm256_fmadd_ps(x, b0, c0[r]);
        c1[r] = _mm256_fmadd_ps(x, b1, c1[r]);
      }
    }
    for (int r = 0; r < MR; ++r) {
      _mm256_storeu_ps(C + r * ldc, c0[r]);
      _mm256_storeu_ps(C + r * ldc + 8, c1[r]);
    }
  }

  // dst[d][16] = src[jj][d] for 16 keys: 8x8 register transposes, scalar for the d tail.
  template <class T>
  static inline void pack_k16(float* dst, const T* src, int64_t ldk, int64_t D) {
    int64_t d = 0;
    for (; d + 8 <= D; d += 8) {
      for (int half = 0; half < 2; ++half) {
        const T* s = src + half * 8 * ldk + d;
        __m256 r0 = load8(s), r1 = load8(s + ldk), r2 = load8(s + 2 * ldk), r3 = load8(s + 3 * ldk),
               r4 = load8(s + 4 * ldk), r5 = load8(s + 5 * ldk), r6 = load8(s + 6 * ldk), r7 = load8(s + 7 * ldk);
        __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
               t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
               t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
        __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
               u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
               u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
               u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
        float* o = dst + d * 16 + half * 8;
        _mm256_storeu_ps(o + 0 * 16, _mm256_permute2f128_ps(u0, u4, 0x20));
        _mm256_storeu_ps(o + 1 * 16, _mm256_permute2f128_ps(u1, u5, 0x20));
        _mm256_storeu_ps(o + 2 * 16, _mm256_permute2f128_ps(u2, u6, 0x20));
        _mm256_storeu_ps(o + 3 * 16, _mm256_permute2f128_ps(u3, u7, 0x20));
        _mm256_storeu_ps(o + 4 * 16, _mm256_permute2f128_ps(u0, u4, 0x31));
        _mm256_storeu_ps(o + 5 * 16, _mm256_permute2f128_ps(u1, u5, 0x31));
        _mm256_storeu_ps(o + 6 * 16, _mm256_permute2f128_ps(u2, u6, 0x31));
        _mm256_storeu_ps(o + 7 * 16, _mm256_permute2f128_ps(u3, u7, 0x31));
      }
    }
    for (; d < D; ++d)
      for (int64_t jj = 0; jj < 16; ++jj) dst[d * 16 + jj] = to_f32(src[jj * ldk + d]);
  }

  // Copies a v row into a zero-padded row; true when it holds a NaN or Inf (x - x is NaN then).
  template <class T>
  static inline bool copy_row(float* dst, const T* src, int64_t n, int64_t npad) {
    __m256 bad = _mm256_setzero_ps();
    int64_t d = 0;
    for (; d + 8 <= n; d += 8) {
      const __m256 x = load8(src + d);
      _mm256_storeu_ps(dst + d, x);
      bad = _mm256_or_ps(bad, _mm256_sub_ps(x, x));
    }
    bool nonfinite = _mm256_movemask_ps(_mm256_cmp_ps(bad, bad, _CMP_UNORD_Q)) != 0;
    for (; d < n; ++d) {
      dst[d] = to_f32(src[d]);
      nonfinite |= !std::isfinite(dst[d]);
    }
    for (; d < npad; ++d) dst[d] = 0.0f;
    return nonfinite;
  }

  // Scores s[j..j+8) (masked8) or s[j] (masked1) with the mask applied: + the additive mask am, or
  // -inf where the bool mask bm is 0 (masked -> -inf whatever s holds). Exactly one of bm, am is set.
  static ATTNKIT_AVX2_INLINE __m256 masked8(const float* s, const uint8_t* bm, const float* am, int64_t j) {
    const __m256 ninf = _mm256_set1_ps(-INFINITY);
    if (am) {
      const __m256 t = _mm256_loadu_ps(am + j);
      return _mm256_blendv_ps(_mm256_add_ps(_mm256_loadu_ps(s + j), t), ninf, _mm256_cmp_ps(t, ninf, _CMP_EQ_OQ));
    }
    const __m256i b = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(bm + j)));
    return _mm256_blendv_ps(_mm256_loadu_ps(s + j), ninf, _mm256_castsi256_ps(_mm256_cmpeq_epi32(b, _mm256_setzero_si256())));
  }
  static inline float masked1(const float* s, const uint8_t* bm, const float* am, int64_t j) {
    if (am) return am[j] == -INFINITY ? -INFINITY : am[j] + s[j];
    return bm[j] ? s[j] : -INFINITY;
  }

  // Maximum of the 8 lanes.
  static inline float hmax(__m256 m) {
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
    return _mm_cvtss_f32(h);
  }

  // The mask applied to s for j < nvis; -inf for [nvis, npad). Mask bytes/floats are read only below
  // nvis, so the mask buffer is never overrun.
  static inline void apply_mask(float* s, int64_t nvis, int64_t npad, const uint8_t* bm, const float* am) {
    int64_t j = 0;
    for (; j + 8 <= nvis; j += 8) _mm256_storeu_ps(s + j, masked8(s, bm, am, j));
    for (; j < nvis; ++j) s[j] = masked1(s, bm, am, j);
    for (; j < npad; ++j) s[j] = -INFINITY;
  }

  // apply_mask, and on the way the row's maximum over [0, npad) (NaN if a score is NaN) and whether
  // every score is finite (a masked key's -inf is not): the pass holds each score already, so the
  // softmax skips its own scan of the row (and a masked row its second one, row_max).
  static constexpr bool kMaskMax = true;
  static inline float apply_mask_max(float* s, int64_t nvis, int64_t npad, const uint8_t* bm, const float* am,
                                     bool* finite) {
    __m256 m = _mm256_set1_ps(-INFINITY), bad = _mm256_setzero_ps(), nan = _mm256_setzero_ps();
    int64_t j = 0;
    for (; j + 8 <= nvis; j += 8) {
      const __m256 x = masked8(s, bm, am, j);
      _mm256_storeu_ps(s + j, x);
      m = _mm256_max_ps(m, x);
      bad = _mm256_or_ps(bad, _mm256_sub_ps(x, x));  // NaN for +-inf and NaN
      nan = _mm256_or_ps(nan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    }
    float mx = -INFINITY;  // the tail below nvis, then the padding (-inf)
    bool any_nan = false, all_finite = true;
    for (; j < npad; ++j) {
      const float x = j < nvis ? masked1(s, bm, am, j) : -INFINITY;
      s[j] = x;
      mx = std::max(mx, x);
      any_nan |= std::isnan(x);
      all_finite &= std::isfinite(x);
    }
    *finite = all_finite && _mm256_movemask_ps(_mm256_cmp_ps(bad, bad, _CMP_UNORD_Q)) == 0;
    if (any_nan || _mm256_movemask_ps(nan)) return NAN;
    return std::max(mx, hmax(m));
  }

  // Max of a row (n a multiple of 8); NaN if any element is NaN.
  static inline float row_max(const float* s, int64_t n) {
    __m256 m = _mm256_set1_ps(-INFINITY), nan = _mm256_setzero_ps();
    for (int64_t j = 0; j < n; j += 8) {
      const __m256 x = _mm256_loadu_ps(s + j);
      m = _mm256_max_ps(m, x);
      nan = _mm256_or_ps(nan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    }
    if (_mm256_movemask_ps(nan)) return NAN;
    return hmax(m);
  }

  // Has row_max_finite and exp_row_dense: a row with no -inf (most rows without a mask) skips the
  // masked-key marking, three of the ~17 vector ops per 8 scores.
  static constexpr bool kDenseExp = true;

  // Max of a row (n a multiple of 8), and whether every element is finite; NaN if any is NaN.
  static inline float row_max_finite(const float* s, int64_t n, bool* finite) {
    __m256 m = _mm256_set1_ps(-INFINITY), bad = _mm256_setzero_ps();
    for (int64_t j = 0; j < n; j += 8) {
      const __m256 x = _mm256_loadu_ps(s + j);
      m = _mm256_max_ps(m, x);
      bad = _mm256_or_ps(bad, _mm256_sub_ps(x, x));  // x - x is NaN for +-inf and NaN
    }
    *finite = _mm256_movemask_ps(_mm256_cmp_ps(bad, bad, _CMP_UNORD_Q)) == 0;
    if (!*finite) return row_max(s, n);  // -inf (masked keys) or worse: the careful scan
    return hmax(m);
  }

  // s = exp(s - m) for a row of finite scores (row_max_finite said so): nothing to mark.
  static inline void exp_row_dense(float* s, int64_t n, float m, float* sum) {
    const __m256 vm = _mm256_set1_ps(m);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t j = 0; j < n; j += 8) {
      const __m256 p = exp_f32_avx2(_mm256_sub_ps(_mm256_loadu_ps(s + j), vm));
      _mm256_storeu_ps(s + j, p);
      acc = _mm256_add_ps(acc, p);
    }
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
    *sum = _mm_cvtss_f32(h);
  }

  // s = exp(s - m), masked (-inf) entries -> -0 so the exact P·V path can tell them apart.
  static inline bool exp_row(float* s, int64_t n, float m, float* sum) {
    const __m256 vm = _mm256_set1_ps(m), ninf = _mm256_set1_ps(-INFINITY), nzero = _mm256_set1_ps(-0.0f);
    __m256 acc = _mm256_setzero_ps(), masked = _mm256_setzero_ps();
    for (int64_t j = 0; j < n; j += 8) {
      const __m256 x = _mm256_loadu_ps(s + j);
      const __m256 off = _mm256_cmp_ps(x, ninf, _CMP_EQ_OQ);
      const __m256 p = _mm256_blendv_ps(exp_f32_avx2(_mm256_sub_ps(x, vm)), nzero, off);
      _mm256_storeu_ps(s + j, p);
      acc = _mm256_add_ps(acc, p);
      masked = _mm256_or_ps(masked, off);
    }
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
    *sum = _mm_cvtss_f32(h);
    return _mm256_movemask_ps(masked) != 0;
  }

  // s[r * lds] = q_r · k for R query rows (row stride ldq): k is loaded once for all rows (decode).
  // A independent accumulators per row hide the 4-cycle FMA latency when R is small.
  template <int R, class T>
  static inline void dots(const float* q, int64_t ldq, int64_t D, const T* k, float* s, int64_t lds) {
    constexpr int A = R == 1 ? 4 : (R == 2 ? 2 : 1);
    __m256 acc[R][A];
    for (int r = 0; r < R; ++r)
      for (int u = 0; u < A; ++u) acc[r][u] = _mm256_setzero_ps();
    int64_t d = 0;
    // Unrolled by hand (pragma): left to itself GCC kept acc on the stack inside the one-row decode
    // loop, a store and reload on every FMA chain.
    for (; d + 8 * A <= D; d += 8 * A) {
#pragma GCC unroll 8
      for (int u = 0; u < A; ++u) {
        const __m256 kv = load8(k + d + 8 * u);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) acc[r][u] = _mm256_fmadd_ps(_mm256_loadu_ps(q + r * ldq + d + 8 * u), kv, acc[r][u]);
      }
    }
    for (; d + 8 <= D; d += 8) {
      const __m256 kv = load8(k + d);
      for (int r = 0; r < R; ++r) acc[r][0] = _mm256_fmadd_ps(_mm256_loadu_ps(q + r * ldq + d), kv, acc[r][0]);
    }
    // Reduce every accumulator in fully unrolled code before the scalar tail: a runtime loop over
    // acc[r] made GCC keep the array on the stack, storing all R accumulators each iteration.
    float x[R];
    for (int r = 0; r < R; ++r) {
      __m256 t = acc[r][0];
      for (int u = 1; u < A; ++u) t = _mm256_add_ps(t, acc[r][u]);
      __m128 h = _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
      h = _mm_add_ps(h, _mm_movehl_ps(h, h));
      h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
      x[r] = _mm_cvtss_f32(h);
    }
    if (d < D)
      for (int r = 0; r < R; ++r)
        for (int64_t e = d; e < D; ++e) x[r] += q[r * ldq + e] * to_f32(k[e]);
    for (int r = 0; r < R; ++r) s[r * lds] = x[r];
  }

  // Scores of R <= 4 rows against two keys: s[r * lds] = q_r . k0, s[r * lds + 1] = q_r . k1. Each q
  // load feeds two FMAs and 2R chains run side by side (dots<R> for R = 4 runs four chains and loads
  // q once per FMA), and one horizontal-add tree reduces all 2R sums.
  // Prefetch into L2 beside the loads, rather than whole rows in a burst before the call (as avx512's
  // dots4x4; GQA decode figures in bench/results/2026-12-06-flash-comments.md and 2026-12-07-read-yardsticks.md):
  // - pk0, pk1 (or nullptr): two rows of D elements, a line of each every 64 bytes of a row read;
  // - Paced: pk0 and pk1 (each or nullptr) are spans of 2D elements (two adjacent k rows, two adjacent v
  //   rows), a line of each per 64 bytes of k0 and k1 read: both streams are prefetched at the pace they
  //   are read, one prefetch of each a step (float) or every other step (16-bit), never a burst.
  static constexpr bool kDots2 = true;
  static constexpr bool kSpreadPrefetch = true;
  template <int R, bool Paced = false, class T>
  static inline void dots2(const float* q, int64_t ldq, int64_t D, const T* k0, const T* k1, float* s,
                           int64_t lds, const T* pk0 = nullptr, const T* pk1 = nullptr) {
    static_assert(R >= 1 && R <= 4, "dots2 holds 2R <= 8 accumulators");
    __m256 v[8];
    for (int i = 0; i < 8; ++i) v[i] = _mm256_setzero_ps();
    int64_t d = 0;
    for (; d + 8 <= D; d += 8) {
      if constexpr (Paced) {
        if (sizeof(T) == 4 || d % 16 == 0) {  // element 2d of each span: a new line
          if (pk0) _mm_prefetch(reinterpret_cast<const char*>(pk0 + 2 * d), _MM_HINT_T1);
          if (pk1) _mm_prefetch(reinterpret_cast<const char*>(pk1 + 2 * d), _MM_HINT_T1);
        }
      } else if (pk0 && d % (64 / sizeof(T)) == 0) {  // a line of each row
        _mm_prefetch(reinterpret_cast<const char*>(pk0 + d), _MM_HINT_T1);
        _mm_prefetch(reinterpret_cast<const char*>(pk1 + d), _MM_HINT_T1);
      }
      const __m256 x0 = load8(k0 + d), x1 = load8(k1 + d);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) {
        __m256 qv = _mm256_loadu_ps(q + r * ldq + d);
#if defined(__GNUC__)
        asm("" : "+x"(qv));  // one load for both FMAs (GCC would fold it into each)
#endif
        v[r] = _mm256_fmadd_ps(qv, x0, v[r]);
        v[4 + r] = _mm256_fmadd_ps(qv, x1, v[4 + r]);
      }
    }
    // hadd(a, b) = [a01 a23 b01 b23 | a45 a67 b45 b67]: two rounds give each vector's two half sums,
    // one cross-lane add finishes them: lanes [k0: rows 0-3 | k1: rows 0-3].
    const __m256 h0 = _mm256_hadd_ps(_mm256_hadd_ps(v[0], v[1]), _mm256_hadd_ps(v[2], v[3]));
    const __m256 h1 = _mm256_hadd_ps(_mm256_hadd_ps(v[4], v[5]), _mm256_hadd_ps(v[6], v[7]));
    float t[8];
    _mm256_storeu_ps(t, _mm256_add_ps(_mm256_permute2f128_ps(h0, h1, 0x20), _mm256_permute2f128_ps(h0, h1, 0x31)));
    for (int r = 0; r < R; ++r) {
      float x0 = t[r], x1 = t[4 + r];
      for (int64_t e = d; e < D; ++e) {
        x0 += q[r * ldq + e] * to_f32(k0[e]);
        x1 += q[r * ldq + e] * to_f32(k1[e]);
      }
      s[r * lds] = x0;
      s[r * lds + 1] = x1;
    }
  }

  // One query row against four keys (MHA decode): s[u] = q . k[u], two accumulators per key. The keys
  // are taken one after the other, so the k rows are read in address order (loads interleaved across
  // the four rows read slower from memory); one transposing hadd tree reduces all four.
  static constexpr bool kDecodeRow4 = true;
  template <class T>
  static ATTNKIT_AVX2_INLINE void dots1x4(const float* q, int64_t D, const T* const k[4], float* s) {
    __m256 a[4], b[4];
    const int64_t D16 = D / 16 * 16, D8 = D / 8 * 8;
#pragma GCC unroll 4
    for (int u = 0; u < 4; ++u) {
      a[u] = b[u] = _mm256_setzero_ps();
      for (int64_t d = 0; d < D16; d += 16) {
        a[u] = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), load8(k[u] + d), a[u]);
        b[u] = _mm256_fmadd_ps(_mm256_loadu_ps(q + d + 8), load8(k[u] + d + 8), b[u]);
      }
      if (D8 > D16) a[u] = _mm256_fmadd_ps(_mm256_loadu_ps(q + D16), load8(k[u] + D16), a[u]);
    }
    // hadd(x, y) = [x01 x23 y01 y23 | x45 x67 y45 y67]: two rounds leave each key's two half sums,
    // one cross-lane add finishes them: [k0 k1 k2 k3].
    const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(_mm256_add_ps(a[0], b[0]), _mm256_add_ps(a[1], b[1])),
                                    _mm256_hadd_ps(_mm256_add_ps(a[2], b[2]), _mm256_add_ps(a[3], b[3])));
    __m128 t = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    if (D8 < D) {
      alignas(16) float x[4];
      _mm_store_ps(x, t);
      for (int u = 0; u < 4; ++u)
        for (int64_t e = D8; e < D; ++e) x[u] += q[e] * to_f32(k[u][e]);
      t = _mm_load_ps(x);
    }
    _mm_storeu_ps(s, t);
  }

  // o += p[0] v[0] + p[1] v[1] + p[2] v[2] + p[3] v[3], key by key (the same FMA chain as four axpy<1>
  // calls), o loaded and stored once for the four keys.
  template <class T>
  static ATTNKIT_AVX2_INLINE void axpy1x4(float* o, const float* p, const T* const v[4], int64_t n) {
    const __m256 p0 = _mm256_set1_ps(p[0]), p1 = _mm256_set1_ps(p[1]), p2 = _mm256_set1_ps(p[2]),
                 p3 = _mm256_set1_ps(p[3]);
    int64_t d = 0;
    for (; d + 8 <= n; d += 8) {
      __m256 x = _mm256_loadu_ps(o + d);
      x = _mm256_fmadd_ps(p0, load8(v[0] + d), x);
      x = _mm256_fmadd_ps(p1, load8(v[1] + d), x);
      x = _mm256_fmadd_ps(p2, load8(v[2] + d), x);
      x = _mm256_fmadd_ps(p3, load8(v[3] + d), x);
      _mm256_storeu_ps(o + d, x);
    }
    for (; d < n; ++d)
      for (int u = 0; u < 4; ++u) o[d] += p[u] * to_f32(v[u][d]);
  }

  // o_r += p_r * v for R rows (o row stride ldo, p stride ldp), v loaded once for all rows.
  template <int R, class T>
  static inline void axpy(float* o, int64_t ldo, const float* p, int64_t ldp, const T* v, int64_t n) {
    __m256 pv[R];
    for (int r = 0; r < R; ++r) pv[r] = _mm256_set1_ps(p[r * ldp]);
    int64_t d = 0;
    for (; d + 8 <= n; d += 8) {
      const __m256 x = load8(v + d);
      for (int r = 0; r < R; ++r)
        _mm256_storeu_ps(o + r * ldo + d, _mm256_fmadd_ps(pv[r], x, _mm256_loadu_ps(o + r * ldo + d)));
    }
    for (; d < n; ++d)
      for (int r = 0; r < R; ++r) o[r * ldo + d] += p[r * ldp] * to_f32(v[d]);
  }

  // s = cap * tanh(s / cap) on [0, n). tanh|y| = (1 - e) / (1 + e) with e = exp(-2|y|); below
  // |y| = 0.25, where 1 - e cancels, the odd Taylor series to y^9 (error < 1e-8). NaN stays NaN.
  static inline void softcap(float* s, int64_t n, float cap) {
    const __m256 vcap = _mm256_set1_ps(cap), inv = _mm256_set1_ps(1.0f / cap), sign = _mm256_set1_ps(-0.0f);
    const __m256 one = _mm256_set1_ps(1.0f), small = _mm256_set1_ps(0.25f);
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
      const __m256 y = _mm256_mul_ps(_mm256_loadu_ps(s + j), inv);
      const __m256 a = _mm256_andnot_ps(sign, y);
      const __m256 e = exp_f32_avx2(_mm256_mul_ps(a, _mm256_set1_ps(-2.0f)));
      // (1 - e) / (1 + e) with 1 + e in [1, 2]: a reciprocal estimate and one Newton step (~1 ulp)
      // cost a third of a division.
      const __m256 den = _mm256_add_ps(one, e);
      __m256 r = _mm256_rcp_ps(den);
      r = _mm256_mul_ps(r, _mm256_fnmadd_ps(den, r, _mm256_set1_ps(2.0f)));
      const __m256 big = _mm256_mul_ps(_mm256_sub_ps(one, e), r);
      const __m256 a2 = _mm256_mul_ps(a, a);
      __m256 poly = _mm256_set1_ps(62.0f / 2835.0f);
      poly = _mm256_fmadd_ps(poly, a2, _mm256_set1_ps(-17.0f / 315.0f));
      poly = _mm256_fmadd_ps(poly, a2, _mm256_set1_ps(2.0f / 15.0f));
      poly = _mm256_fmadd_ps(poly, a2, _mm256_set1_ps(-1.0f / 3.0f));
      poly = _mm256_fmadd_ps(_mm256_mul_ps(poly, a2), a, a);
      const __m256 t = _mm256_blendv_ps(big, poly, _mm256_cmp_ps(a, small, _CMP_LT_OQ));
      _mm256_storeu_ps(s + j, _mm256_mul_ps(vcap, _mm256_or_ps(t, _mm256_and_ps(sign, y))));
    }
    for (; j < n; ++j) s[j] = cap * std::tanh(s[j] / cap);
  }

  static inline void scale_row(float* o, int64_t n, float alpha) {
    const __m256 a = _mm256_set1_ps(alpha);
    for (int64_t j = 0; j < n; j += 8) _mm256_storeu_ps(o + j, _mm256_mul_ps(_mm256_loadu_ps(o + j), a));
  }
};

}  // namespace
}  // namespace attnkit
