// exp_f32_avx2 (avx2/exp_f32_avx2.h) on 16 lanes: the same operations in the same order, so every lane
// gives the same bits as the AVX2 version (same error: 8.8e-8 relative over [-87, 0], by
// scripts/check-exp.sh). Include only from files built with -mavx512f.
#pragma once
#include <immintrin.h>

namespace attnkit {

static inline __m512 exp_f32_avx512(__m512 x) {
  const __m512 magic = _mm512_set1_ps(12583039.0f);  // 1.5 * 2^23 + 127
  x = _mm512_max_ps(_mm512_set1_ps(-87.3f), x);
  const __m512 t = _mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504088896341f), magic);
  const __m512 n = _mm512_sub_ps(t, magic);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.384365372e-3f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.374155499e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.166800156e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.666643173e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.999999404e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  const __m512i e = _mm512_slli_epi32(_mm512_castps_si512(t), 23);
  return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}

}  // namespace attnkit
