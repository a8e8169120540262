// exp_f32_avx512 must give exactly the bits of exp_f32_avx2 (same operations per lane), so the AVX2
// error bound (native/tests/exp_error.cpp) holds for it too. Every float in [-87.4, 0] with a step of
// 1/64 of the range's ulp density (about 2^24 inputs), the edges and every input near the clamp.
// Built and run by scripts/check-exp.sh on a CPU with AVX-512F; not part of the addon.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "../kernels/avx2/exp_f32_avx2.h"
#include "../kernels/avx512/exp_f32_avx512.h"

int main() {
  std::vector<float> xs;
  const int n = 1 << 24;
  for (int i = 0; i <= n; ++i) xs.push_back(-87.4f * static_cast<float>(i) / n);
  for (float x = -87.4f; x <= -87.2f; x = std::nextafter(x, 0.0f)) xs.push_back(x);
  const float edges[] = {0.0f, -0.0f, -INFINITY, NAN, -1000.0f, -87.5f, 88.0f, 1.0f, 20.0f, -1e-30f};
  xs.insert(xs.end(), std::begin(edges), std::end(edges));
  while (xs.size() % 16) xs.push_back(0.0f);
  long long mismatches = 0;
  for (size_t i = 0; i < xs.size(); i += 16) {
    float a[16], b[16];
    _mm256_storeu_ps(a, attnkit::exp_f32_avx2(_mm256_loadu_ps(&xs[i])));
    _mm256_storeu_ps(a + 8, attnkit::exp_f32_avx2(_mm256_loadu_ps(&xs[i + 8])));
    _mm512_storeu_ps(b, attnkit::exp_f32_avx512(_mm512_loadu_ps(&xs[i])));
    mismatches += std::memcmp(a, b, sizeof a) != 0;
  }
  std::printf("exp_f32_avx512 vs exp_f32_avx2 on %zu inputs: %s\n", xs.size(),
              mismatches == 0 ? "bit-identical" : "DIFFERENT");
  return mismatches == 0 ? 0 : 1;
}
