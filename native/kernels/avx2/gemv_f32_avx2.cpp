// AVX2 + FMA projection for a few rows (decoding: one token at a time): y[r, o] = b[o] + x[r]·w[o],
// straight from nn.Linear's [out, in] rows. The 6x16 GEMM packs all of w on every call, which one
// row cannot repay; here each w row is read once for all rows, two outputs
// at a time (2R <= 8 accumulators, each x load feeding two FMAs).
#include <immintrin.h>

#include "../scalar/gemm_f32.h"

namespace attnkit {

namespace {

// Rows per pass over w: 2 x 4 accumulators, each x load feeding two FMAs.
constexpr int64_t kGemvMaxRows = 4;

// Sums of the 8 lanes of each of a, b: [sum a, sum b] in the low two floats.
inline void hsum2(__m256 a, __m256 b, float* sa, float* sb) {
  const __m256 h = _mm256_hadd_ps(a, b);  // [a01 a23 b01 b23 | a45 a67 b45 b67]
  const __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));  // [a0123+a4567.. ]
  const __m128 s = _mm_hadd_ps(q, q);  // [sum a, sum b, sum a, sum b]
  *sa = _mm_cvtss_f32(s);
  *sb = _mm_cvtss_f32(_mm_shuffle_ps(s, s, 1));
}

template <int R>
void outputs(const attn_linear_args& a, const float* x, float* y, int64_t o0, int64_t o1) {
  const int64_t n = a.in_features, m = a.out_features;
  for (int64_t o = o0; o < o1; o += 2) {
    const float* w0 = a.w + o * n;
    const float* w1 = o + 1 < o1 ? w0 + n : w0;  // a lone last output pairs with itself
    __m256 acc0[R], acc1[R];
    for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const __m256 v0 = _mm256_loadu_ps(w0 + i), v1 = _mm256_loadu_ps(w1 + i);
      for (int r = 0; r < R; ++r) {
        const __m256 xv = _mm256_loadu_ps(x + r * n + i);
        acc0[r] = _mm256_fmadd_ps(xv, v0, acc0[r]);
        acc1[r] = _mm256_fmadd_ps(xv, v1, acc1[r]);
      }
    }
    for (int r = 0; r < R; ++r) {
      float s0, s1;
      hsum2(acc0[r], acc1[r], &s0, &s1);
      for (int64_t k = i; k < n; ++k) {
        s0 += x[r * n + k] * w0[k];
        s1 += x[r * n + k] * w1[k];
      }
      y[r * m + o] = s0 + (a.bias ? a.bias[o] : 0.0f);
      if (o + 1 < o1) y[r * m + o + 1] = s1 + (a.bias ? a.bias[o + 1] : 0.0f);
    }
  }
}

}  // namespace

void attn_gemv_f32__avx2(const attn_linear_args& a, int64_t o_begin, int64_t o_end) {
  const int64_t n = a.in_features;
  for (int64_t r = 0; r < a.rows; r += kGemvMaxRows) {
    const float* x = a.x + r * n;
    float* y = a.y + r * a.out_features;
    switch (a.rows - r < kGemvMaxRows ? a.rows - r : kGemvMaxRows) {
      case 4: outputs<4>(a, x, y, o_begin, o_end); break;
      case 3: outputs<3>(a, x, y, o_begin, o_end); break;
      case 2: outputs<2>(a, x, y, o_begin, o_end); break;
      default: outputs<1>(a, x, y, o_begin, o_end); break;
    }
  }
}

}  // namespace attnkit
