// Max relative error of exp_f32_avx2 vs std::exp (double) over the softmax's range [-87, 0].
// Built and run by scripts/check-exp.sh; not part of the addon.
#include <cmath>
#include <cstdio>

#include "../kernels/avx2/exp_f32_avx2.h"

int main() {
  double worst = 0, at = 0;
  const int n = 1 << 24;
  for (int i = 0; i <= n; i += 8) {
    float xs[8], ys[8];
    for (int l = 0; l < 8; ++l) xs[l] = -87.0f * static_cast<float>(i + l) / n;
    _mm256_storeu_ps(ys, attnkit::exp_f32_avx2(_mm256_loadu_ps(xs)));
    for (int l = 0; l < 8; ++l) {
      const double want = std::exp(static_cast<double>(xs[l]));
      const double err = std::fabs(ys[l] - want) / want;
      if (err > worst) worst = err, at = xs[l];
    }
  }
  std::printf("exp_f32_avx2: max relative error %.3g at x = %.6g over [-87, 0]\n", worst, at);
  // The edges the softmax relies on: exp(0) is exactly 1 (the row maximum); -inf and anything far
  // below give a tiny normal float, never a denormal (a denormal result slowed masked rows;
  // masked keys are blended to -0 anyway); NaN stays NaN.
  float edge[8] = {0.0f, -INFINITY, NAN, -1000.0f, -87.5f, 88.0f, -0.0f, 1.0f}, got[8];
  _mm256_storeu_ps(got, attnkit::exp_f32_avx2(_mm256_loadu_ps(edge)));
  auto tiny_normal = [](float y) { return std::fpclassify(y) == FP_NORMAL && y > 0.0f && y < 1.3e-38f; };
  const bool edges_ok = got[0] == 1.0f && got[6] == 1.0f && tiny_normal(got[1]) && std::isnan(got[2]) &&
                        tiny_normal(got[3]) && tiny_normal(got[4]) && std::fabs(got[5] / std::exp(88.0) - 1) < 5e-7 &&
                        std::fabs(got[7] / std::exp(1.0) - 1) < 5e-7;
  // Every input from the clamp down to ln(2^-126) and below is a normal float.
  bool never_denormal = true;
  for (float x = -87.4f; x <= -87.2f; x = std::nextafter(x, 0.0f)) {
    float xs[8] = {x, x, x, x, x, x, x, x}, ys[8];
    _mm256_storeu_ps(ys, attnkit::exp_f32_avx2(_mm256_loadu_ps(xs)));
    never_denormal &= std::fpclassify(ys[0]) == FP_NORMAL;
  }
  std::printf("exp_f32_avx2 edges: exp(0) = %g, exp(-inf) = %g, exp(NaN) = %g, exp(88) = %g -> %s\n", got[0], got[1], got[2],
              got[5], edges_ok ? "ok" : "WRONG");
  std::printf("exp_f32_avx2 on [-87.4, -87.2]: %s\n", never_denormal ? "normal floats only" : "DENORMAL results");
  return worst < 5e-7 && edges_ok && never_denormal ? 0 : 1;
}
