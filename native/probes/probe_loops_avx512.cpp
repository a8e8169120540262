// The AVX-512F FMA probe loop. Built into bench/probes' attnkit_probe_loops_avx512 library (-mavx512f); callers check
// probe_has_avx512() first. Cores with two full 512-bit FMA pipes (Intel server cores, Zen 5 EPYC) reach
// twice their AVX2 peak with it; Zen 4 splits each 512-bit FMA in two and reaches the same peak either way.
#include <immintrin.h>

#include "probes.h"

namespace attnkit {

// 12 independent chains, as probe_fma_loop_avx2: 2 pipes x latency 4 needs at least 8.
std::uint64_t probe_fma_loop_avx512(std::uint64_t iters, float* sink) {
  const __m512 a = _mm512_set1_ps(0.9999999f);
  const __m512 b = _mm512_set1_ps(1e-7f);
  const float seed = *sink;  // distinct starting values keep the chains apart
  __m512 c[12];
  for (int i = 0; i < 12; ++i) c[i] = _mm512_set1_ps(seed + 1.0f + 0.1f * static_cast<float>(i));
  for (std::uint64_t i = 0; i < iters; i++) {
#pragma GCC unroll 12
    for (int j = 0; j < 12; ++j) c[j] = _mm512_fmadd_ps(c[j], a, b);
  }
  __m512 s = c[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, c[i]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s);
  *sink = lanes[0] + lanes[15];
  return iters * 12 * 16 * 2;
}

}  // namespace attnkit
