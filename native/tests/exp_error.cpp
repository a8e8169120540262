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
  return worst < 5e-7 ? 0 : 1;
}
