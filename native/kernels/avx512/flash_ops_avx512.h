// AVX-512 Ops for kernels/common/flash_fwd.h (include only from files built with -mavx512f): the AVX2
// Ops, with the prefill softmax's exp on 16 lanes (half the instructions for the same FMAs).
//
// Measured on this Zen 4 (in-process A/B against the AVX2 kernel, 1 core, calls alternated):
// - prefill D = 64, S = 512 and 2048: +2.6-3.4 % with exp_row_dense_wide;
// - a 16-column zmm GEMM micro-kernel: the same speed, bit for bit (Zen 4 splits a 512-bit FMA into
//   two 256-bit halves, so the FMA peak is the AVX2 one), so the GEMM stays AVX2's;
// - GQA decode with 4 rows x 4 keys of dot products in 16 zmm accumulators and 4 rows x 64 columns of
//   P·V in registers: +13-18 % in cache, but 0.93-0.98x from memory (32 MiB of K/V), 0.80x with 8 rows
//   per kv head, so decode stays AVX2's too (bench/README.md, "tried, not kept").
// On cores with two 512-bit FMA pipes (Intel server cores) a 512-bit GEMM would double the peak; that
// needs such a machine to measure.
#pragma once
#include <immintrin.h>

#include <cmath>
#include <cstdint>

#include "../avx2/flash_ops_avx2.h"
#include "exp_f32_avx512.h"

namespace attnkit {
namespace {  // private to the AVX-512 translation unit, as FlashOpsAvx2 is to each that includes it

struct FlashOpsAvx512 : FlashOpsAvx2 {
  // exp_row_dense and exp_row on 16 lanes (n a multiple of 16: rows are padded to 16 keys), for
  // prefill only (softmax_block<Ops, true>), which calls one or the other for every row. Both sum key j
  // in lane j % 16 and reduce alike: a causal row is dense in one tile and masked (padding past its last
  // key) in a wider one, and its sum must not change with the tile, which depends on the thread count.
  // Decode keeps AVX2's: with these loops in the same function, GQA decode from memory ran ~10 %
  // slower even where they never ran (blocks of 64 keys).
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

}  // namespace
}  // namespace attnkit
