// Vectorised expf for AVX2+FMA (include only from files built with -mavx2 -mfma), for x <= 88
// (the softmax and softcap call it on x <= 0).
// exp(x) = 2^n * e^r with n = round(x * log2 e), r = x - n ln2 (ln2 split hi + lo, |r| <= ln2/2).
// n comes from one FMA against 1.5 * 2^23 + 127, whose low mantissa bits then hold n + 127: the
// same register, shifted, is 2^n (no round or int conversion). e^r is a degree-6 polynomial fitted
// for minimum relative error on [-ln2/2, ln2/2] (fit error 2e-9, below float rounding).
// Max relative error vs std::exp over [-87, 0]: 8.8e-8 (about 1 ulp), checked by scripts/check-exp.sh
// (native/tests/exp_error.cpp).
// Inputs below -87.3 (masked keys' -inf among them) give exp(-87.3) = 1.22e-38, a normal float, where
// exp is ~0 anyway; NaN propagates (max returns its second operand on NaN). The clamp stays above
// -87.34 = ln(2^-126) on purpose: there the result was a denormal, and every floating-point op that
// then read it (the blend that turns a masked lane into -0, a sum) took a microcode assist, which made
// masked rows several times slower.
#pragma once
#include <immintrin.h>

namespace attnkit {

static inline __m256 exp_f32_avx2(__m256 x) {
  const __m256 magic = _mm256_set1_ps(12583039.0f);  // 1.5 * 2^23 + 127
  x = _mm256_max_ps(_mm256_set1_ps(-87.3f), x);
  const __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), magic);
  const __m256 n = _mm256_sub_ps(t, magic);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.384365372e-3f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.374155499e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.166800156e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.666643173e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.999999404e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  const __m256i e = _mm256_slli_epi32(_mm256_castps_si256(t), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

}  // namespace attnkit
