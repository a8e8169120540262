// Portable probe loops: NEON on arm64, plain float arrays elsewhere (the compiler vectorises them with
// the baseline ISA: SSE2 on x86-64).
#include <cstring>

#include "probes.h"

#if defined(__aarch64__) || defined(_M_ARM64)
#include <arm_neon.h>
#endif

namespace attnkit {

#if defined(__aarch64__) || defined(_M_ARM64)

// 12 independent NEON FMA chains (latency 4, up to 4 pipes on big cores).
std::uint64_t probe_fma_loop_generic(std::uint64_t iters, float* sink) {
  const float32x4_t a = vdupq_n_f32(0.9999999f);
  const float32x4_t b = vdupq_n_f32(1e-7f);
  // Distinct starting values: identical chains would be merged into one by the compiler.
  float32x4_t c[12];
  for (int r = 0; r < 12; r++) c[r] = vdupq_n_f32(*sink + 1.0f + 0.1f * r);
  for (std::uint64_t i = 0; i < iters; i++) {
    // Unrolled so the 12 chains live in registers, not in the array on the stack.
#pragma GCC unroll 12
    for (int r = 0; r < 12; r++) c[r] = vfmaq_f32(b, c[r], a);
  }
  float32x4_t s = c[0];
  for (int r = 1; r < 12; r++) s = vaddq_f32(s, c[r]);
  *sink = vaddvq_f32(s);
  return iters * 12 * 4 * 2;
}

float probe_read_loop_generic(const float* p, std::size_t n) {
  float32x4_t s0 = vdupq_n_f32(0), s1 = s0, s2 = s0, s3 = s0;
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = vaddq_f32(s0, vld1q_f32(p + i));
    s1 = vaddq_f32(s1, vld1q_f32(p + i + 4));
    s2 = vaddq_f32(s2, vld1q_f32(p + i + 8));
    s3 = vaddq_f32(s3, vld1q_f32(p + i + 12));
  }
  float t = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
  for (; i < n; i++) t += p[i];
  return t;
}

#else

// 12 chains of 4 lanes; without FMA hardware this counts a multiply and an add as two flops.
std::uint64_t probe_fma_loop_generic(std::uint64_t iters, float* sink) {
  // Distinct starting values: identical chains would be merged into one by the compiler.
  float c[12][4];
  for (int r = 0; r < 12; r++)
    for (int l = 0; l < 4; l++) c[r][l] = *sink + 1.0f + 0.1f * r + 0.01f * l;
  const float a = 0.9999999f, b = 1e-7f;
  for (std::uint64_t i = 0; i < iters; i++)
    for (auto& row : c)
      for (float& x : row) x = x * a + b;
  float s = 0;
  for (auto& row : c)
    for (float x : row) s += x;
  *sink = s;
  return iters * 12 * 4 * 2;
}

float probe_read_loop_generic(const float* p, std::size_t n) {
  float s[16] = {0};
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int l = 0; l < 16; l++) s[l] += p[i + l];
  float t = 0;
  for (float x : s) t += x;
  for (; i < n; i++) t += p[i];
  return t;
}

#endif

}  // namespace attnkit
