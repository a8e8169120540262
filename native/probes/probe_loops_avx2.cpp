// AVX2+FMA probe loops. This file alone is compiled with -mavx2 -mfma (its own static library in
// binding.gyp); callers check probe_has_avx2() first.
#include <immintrin.h>

#include "probes.h"

namespace attnkit {

// 12 independent accumulators: Zen 3 / Skylake have 2 FMA pipes of latency 4-5, so at least 8-10
// chains are needed to keep both pipes full.
std::uint64_t probe_fma_loop_avx2(std::uint64_t iters, float* sink) {
  const __m256 a = _mm256_set1_ps(0.9999999f);
  const __m256 b = _mm256_set1_ps(1e-7f);
  // Distinct starting values: identical chains would be merged into one by the compiler.
  const float seed = *sink;
  __m256 c0 = _mm256_set1_ps(seed + 1.0f), c1 = _mm256_set1_ps(seed + 1.1f), c2 = _mm256_set1_ps(seed + 1.2f);
  __m256 c3 = _mm256_set1_ps(seed + 1.3f), c4 = _mm256_set1_ps(seed + 1.4f), c5 = _mm256_set1_ps(seed + 1.5f);
  __m256 c6 = _mm256_set1_ps(seed + 1.6f), c7 = _mm256_set1_ps(seed + 1.7f), c8 = _mm256_set1_ps(seed + 1.8f);
  __m256 c9 = _mm256_set1_ps(seed + 1.9f), c10 = _mm256_set1_ps(seed + 2.0f), c11 = _mm256_set1_ps(seed + 2.1f);
  for (std::uint64_t i = 0; i < iters; i++) {
    c0 = _mm256_fmadd_ps(c0, a, b);
    c1 = _mm256_fmadd_ps(c1, a, b);
    c2 = _mm256_fmadd_ps(c2, a, b);
    c3 = _mm256_fmadd_ps(c3, a, b);
    c4 = _mm256_fmadd_ps(c4, a, b);
    c5 = _mm256_fmadd_ps(c5, a, b);
    c6 = _mm256_fmadd_ps(c6, a, b);
    c7 = _mm256_fmadd_ps(c7, a, b);
    c8 = _mm256_fmadd_ps(c8, a, b);
    c9 = _mm256_fmadd_ps(c9, a, b);
    c10 = _mm256_fmadd_ps(c10, a, b);
    c11 = _mm256_fmadd_ps(c11, a, b);
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
                           _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)));
  s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(c10, c11)));
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  *sink = lanes[0] + lanes[7];
  return iters * 12 * 8 * 2;
}

// Four accumulators hide the add latency; the loads are what is measured. Unaligned loads (the same
// instruction speed on aligned data) and a scalar tail: a span of probe_read_spans starts where its rows do.
float probe_read_loop_avx2(const float* p, std::size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_add_ps(s0, _mm256_loadu_ps(p + i));
    s1 = _mm256_add_ps(s1, _mm256_loadu_ps(p + i + 8));
    s2 = _mm256_add_ps(s2, _mm256_loadu_ps(p + i + 16));
    s3 = _mm256_add_ps(s3, _mm256_loadu_ps(p + i + 24));
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  float t = lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
  for (; i < n; i++) t += p[i];
  return t;
}

}  // namespace attnkit
