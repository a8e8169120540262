// Vectorised expf for AVX2+FMA (include only from files built with -mavx2 -mfma).
// exp(x) = 2^n * e^r with n = round(x * log2 e), r = x - n ln2 (ln2 split hi + lo, |r| <= ln2/2),
// e^r by the degree-6 Cephes expf polynomial; 2^n built in the exponent bits.
// Max relative error vs std::exp over [-87, 0]: 1.2e-7 (~1 ulp), measured by
// scripts/check-exp.sh (native/tests/exp_error.cpp). Inputs below -87.34 give 2^-126 * e^r
// (about 1e-38, where exp is ~0 anyway); NaN propagates (min/max return the second operand on NaN).
#pragma once
#include <immintrin.h>

namespace attnkit {

static inline __m256 exp_f32_avx2(__m256 x) {
  x = _mm256_min_ps(_mm256_set1_ps(88.0f), x);
  x = _mm256_max_ps(_mm256_set1_ps(-87.33654475f), x);
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

}  // namespace attnkit
