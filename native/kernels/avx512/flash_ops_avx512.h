// AVX-512 Ops for kernels/common/flash_fwd.h (include only from files built with -mavx512f -mavx512vl
// -mavx512dq -mavx512bw): the AVX2 Ops, plus what 32 registers of 16 floats buy.
// - GQA decode, 4 or 8 rows per kv head (bhsd, and bshd across heads): dots4x4 computes 4 rows x 4 keys
//   of dot products in 16 accumulators (AVX2's dots2 holds 4 x 2 in 8, and loads q once per two FMAs
//   instead of once per four), and pv4x64 keeps 4 rows x 64 columns of O in 16 registers across a block's
//   keys (AVX2's gemm<4> holds 4 x 16).
// - The prefill softmax's exp on 16 lanes (half the instructions for the same FMAs).
// - FlashOpsAvx512Zmm: prefill GEMMs on zmm tiles, for cores that run a 512-bit FMA at full width; Zen 4
//   splits it into two 256-bit halves, so there FlashOpsAvx512 keeps the AVX2 6 x 16 tiles.
// The library must be built with -mavx512vl: without it the AVX2 micro-kernels compiled here cannot use
// ymm16-31, and GCC spills a P·V accumulator to the stack.
#pragma once
#include <immintrin.h>

#include <cmath>
#include <cstdint>

#include "../avx2/flash_ops_avx2.h"
#include "exp_f32_avx512.h"

namespace attnkit {
namespace {  // private to the AVX-512 translation unit, as FlashOpsAvx2 is to each that includes it

struct FlashOpsAvx512 : FlashOpsAvx2 {
  // Has dots4x4 and pv4x64: common/flash/decode.h takes them for 4 and 8 rows per kv head.
  static constexpr bool kWideDecode = true;
  // GQA decode's spread k/v prefetch was measured on an AVX2-only core (Zen 3); this level keeps the
  // k-row bursts and the GEMM's v prefetch it was tuned with.
  static constexpr bool kSpreadPrefetch = false;

  // s[r * lds + j] = q_r . k[j] for 4 rows (row stride ldq) and 4 keys. A D tail below 16 is loaded under
  // a mask into the same accumulators. The 16 sums are reduced together by a tree of shuffles and adds
  // that treats each accumulator alike, so a key's score does not depend on its place among the four
  // (a block's last keys pass repeated pointers).
  // pf (or nullptr): four rows of D floats to prefetch into L2 (prefetcht1), a line of each beside each
  // step's loads, which keeps the memory stream paced where a burst of whole rows before the call starves
  // the loads; prefetcht0 would bring lines into L1 and evict the rows in use.
  static ATTNKIT_AVX2_INLINE void dots4x4(const float* q, int64_t ldq, int64_t D, const float* const k[4], float* s,
                                          int64_t lds, const float* const pf[4] = nullptr) {
    // Every loop over v is unrolled by pragma, and the masked tail step is written out rather than shared
    // with the main loop through a helper: either way GCC kept v on the stack (cleared by rep stos on
    // every call).
    __m512 v[16];
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) v[i] = _mm512_setzero_ps();
    int64_t d = 0;
    for (; d + 16 <= D; d += 16) {
      if (pf) prefetch4(pf, d);
      const __m512 k0 = _mm512_loadu_ps(k[0] + d), k1 = _mm512_loadu_ps(k[1] + d), k2 = _mm512_loadu_ps(k[2] + d),
                   k3 = _mm512_loadu_ps(k[3] + d);
#pragma GCC unroll 4
      for (int r = 0; r < 4; ++r) {
        const __m512 qv = _mm512_loadu_ps(q + r * ldq + d);
        v[4 * r + 0] = _mm512_fmadd_ps(qv, k0, v[4 * r + 0]);
        v[4 * r + 1] = _mm512_fmadd_ps(qv, k1, v[4 * r + 1]);
        v[4 * r + 2] = _mm512_fmadd_ps(qv, k2, v[4 * r + 2]);
        v[4 * r + 3] = _mm512_fmadd_ps(qv, k3, v[4 * r + 3]);
      }
    }
    if (d < D) {
      if (pf) prefetch4(pf, d);
      const __mmask16 m = static_cast<__mmask16>((1u << (D - d)) - 1);
      const __m512 k0 = _mm512_maskz_loadu_ps(m, k[0] + d), k1 = _mm512_maskz_loadu_ps(m, k[1] + d),
                   k2 = _mm512_maskz_loadu_ps(m, k[2] + d), k3 = _mm512_maskz_loadu_ps(m, k[3] + d);
#pragma GCC unroll 4
      for (int r = 0; r < 4; ++r) {
        const __m512 qv = _mm512_maskz_loadu_ps(m, q + r * ldq + d);
        v[4 * r + 0] = _mm512_fmadd_ps(qv, k0, v[4 * r + 0]);
        v[4 * r + 1] = _mm512_fmadd_ps(qv, k1, v[4 * r + 1]);
        v[4 * r + 2] = _mm512_fmadd_ps(qv, k2, v[4 * r + 2]);
        v[4 * r + 3] = _mm512_fmadd_ps(qv, k3, v[4 * r + 3]);
      }
    }
    // Tree: pairs interleaved within 128-bit lanes (8 vectors), then quads (4), then the four 128-bit
    // lanes folded twice: z holds accumulator i's total in lane i.
    __m512 w[8], x[4];
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i)
      w[i] = _mm512_add_ps(_mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]), _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]));
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i)
      x[i] = _mm512_add_ps(_mm512_shuffle_ps(w[2 * i], w[2 * i + 1], 0x44),
                           _mm512_shuffle_ps(w[2 * i], w[2 * i + 1], 0xEE));
    const __m512 y0 = _mm512_add_ps(_mm512_shuffle_f32x4(x[0], x[1], 0x88), _mm512_shuffle_f32x4(x[0], x[1], 0xDD));
    const __m512 y1 = _mm512_add_ps(_mm512_shuffle_f32x4(x[2], x[3], 0x88), _mm512_shuffle_f32x4(x[2], x[3], 0xDD));
    const __m512 z = _mm512_add_ps(_mm512_shuffle_f32x4(y0, y1, 0x88), _mm512_shuffle_f32x4(y0, y1, 0xDD));
    _mm_storeu_ps(s, _mm512_castps512_ps128(z));
    _mm_storeu_ps(s + lds, _mm512_extractf32x4_ps(z, 1));
    _mm_storeu_ps(s + 2 * lds, _mm512_extractf32x4_ps(z, 2));
    _mm_storeu_ps(s + 3 * lds, _mm512_extractf32x4_ps(z, 3));
  }

  // The line at column d of each of four rows, into L2.
  static ATTNKIT_AVX2_INLINE void prefetch4(const float* const row[4], int64_t d) {
#pragma GCC unroll 4
    for (int u = 0; u < 4; ++u) _mm_prefetch(reinterpret_cast<const char*>(row[u] + d), _MM_HINT_T1);
  }

  // O[r][0, 64) (row stride ldo) += sum_j p[r * ldp + j] * v[j * ldv + (0, 64)] for 4 rows, j in [0, n):
  // O stays in 16 registers across the keys, summed in key order (as gemm<R>).
  // Beside key j, the same 64 columns of row j of pf (stride ldv) are prefetched into L2 for j < pf_n:
  // the next key block's v rows, spread over this block's FMAs rather than sent in a burst (see
  // common/flash/decode.h, run_rows_direct_wide).
  static ATTNKIT_AVX2_INLINE void pv4x64(float* o, int64_t ldo, const float* p, int64_t ldp, const float* v,
                                         int64_t ldv, int64_t n, const float* pf = nullptr, int64_t pf_n = 0) {
    __m512 c[4][4];
    for (int r = 0; r < 4; ++r)
      for (int u = 0; u < 4; ++u) c[r][u] = _mm512_loadu_ps(o + r * ldo + 16 * u);
    for (int64_t j = 0; j < n; ++j) {
      const float* vr = v + j * ldv;
      if (j < pf_n) {
#pragma GCC unroll 4
        for (int u = 0; u < 4; ++u) _mm_prefetch(reinterpret_cast<const char*>(pf + j * ldv + 16 * u), _MM_HINT_T1);
      }
      const __m512 v0 = _mm512_loadu_ps(vr), v1 = _mm512_loadu_ps(vr + 16), v2 = _mm512_loadu_ps(vr + 32),
                   v3 = _mm512_loadu_ps(vr + 48);
#pragma GCC unroll 4
      for (int r = 0; r < 4; ++r) {
        const __m512 pr = _mm512_set1_ps(p[r * ldp + j]);
        c[r][0] = _mm512_fmadd_ps(pr, v0, c[r][0]);
        c[r][1] = _mm512_fmadd_ps(pr, v1, c[r][1]);
        c[r][2] = _mm512_fmadd_ps(pr, v2, c[r][2]);
        c[r][3] = _mm512_fmadd_ps(pr, v3, c[r][3]);
      }
    }
    for (int r = 0; r < 4; ++r)
      for (int u = 0; u < 4; ++u) _mm512_storeu_ps(o + r * ldo + 16 * u, c[r][u]);
  }

  // exp_row_dense and exp_row on 16 lanes (n a multiple of 16: rows are padded to 16 keys), for
  // prefill only (softmax_block<Ops, true>), which calls one or the other for every row. Both sum key j
  // in lane j % 16 and reduce alike: a causal row is dense in one tile and masked (padding past its last
  // key) in a wider one, and its sum must not change with the tile, which depends on the thread count.
  // Decode keeps AVX2's: with these loops in the same function GQA decode from memory slowed down, even
  // where they never ran (blocks of 64 keys).
  static constexpr bool kWideExp = true;
  static inline void exp_row_dense_wide(float* s, int64_t n, float m, float* sum) {
    const __m512 vm = _mm512_set1_ps(m);
    __m512 acc = _mm512_setzero_ps();
    for (int64_t j = 0; j < n; j += 16) {
      const __m512 p = exp_f32_avx512(_mm512_sub_ps(_mm512_loadu_ps(s + j), vm));
      _mm512_storeu_ps(s + j, p);
      acc = _mm512_add_ps(acc, p);
    }
    *sum = _mm512_reduce_add_ps(acc);
  }

  // As FlashOpsAvx2::exp_row: masked (-inf) entries -> -0 (adding -0 leaves a lane's sum unchanged).
  static inline bool exp_row_wide(float* s, int64_t n, float m, float* sum) {
    const __m512 vm = _mm512_set1_ps(m), nzero = _mm512_set1_ps(-0.0f), ninf = _mm512_set1_ps(-INFINITY);
    __m512 acc = _mm512_setzero_ps();
    __mmask16 masked = 0;
    for (int64_t j = 0; j < n; j += 16) {
      const __m512 x = _mm512_loadu_ps(s + j);
      const __mmask16 off = _mm512_cmp_ps_mask(x, ninf, _CMP_EQ_OQ);
      const __m512 p = _mm512_mask_blend_ps(off, exp_f32_avx512(_mm512_sub_ps(x, vm)), nzero);
      _mm512_storeu_ps(s + j, p);
      acc = _mm512_add_ps(acc, p);
      masked |= off;
    }
    *sum = _mm512_reduce_add_ps(acc);
    return masked != 0;
  }
};

// For cores that run a zmm FMA at full width (Zen 5, Intel server cores): the prefill GEMMs on zmm
// register tiles of kPrefillRows rows x 32 columns (28 of the 32 registers accumulate; each broadcast of
// A feeds two FMAs). Same FMA chain per element as FlashOpsAvx2::gemm, so the results are bit-identical.
struct FlashOpsAvx512Zmm : FlashOpsAvx512 {
  static constexpr int kPrefillRows = 14;
  static constexpr int kPrefillPanels = 2;

  // C[MR][16 * NP] (ldc) = (acc ? C : 0) + A[MR][K] (lda) * NP panels of B, panel p [K][16] at B + p * ldp.
  template <int MR, int NP>
  static ATTNKIT_AVX2_INLINE void gemm_panels(const float* A, int64_t lda, const float* B, int64_t ldp, float* C,
                                              int64_t ldc, int64_t K, bool acc) {
    __m512 c[MR][NP];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int p = 0; p < NP; ++p) c[r][p] = acc ? _mm512_loadu_ps(C + r * ldc + 16 * p) : _mm512_setzero_ps();
    for (int64_t k = 0; k < K; ++k) {
      __m512 b[NP];
#pragma GCC unroll 4
      for (int p = 0; p < NP; ++p) b[p] = _mm512_loadu_ps(B + p * ldp + k * 16);
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        const __m512 x = _mm512_set1_ps(A[r * lda + k]);
#pragma GCC unroll 4
        for (int p = 0; p < NP; ++p) c[r][p] = _mm512_fmadd_ps(x, b[p], c[r][p]);
      }
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int p = 0; p < NP; ++p) _mm512_storeu_ps(C + r * ldc + 16 * p, c[r][p]);
  }
};

}  // namespace
}  // namespace attnkit