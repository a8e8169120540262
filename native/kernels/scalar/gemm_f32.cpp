// Scalar projection GEMM: y[r, o] = b[o] + Σ_i x[r, i]·w[o, i].
// Both operands run along the reduction dim (w is nn.Linear's [out, in]), so each output is a
// contiguous dot product; four outputs share every x load, four accumulators hide add latency.
#include "gemm_f32.h"

namespace attnkit {

void attn_gemm_f32__scalar(const attn_linear_args& a, int64_t o_begin, int64_t o_end) {
  const int64_t n = a.in_features, m = a.out_features;
  for (int64_t r = 0; r < a.rows; r++) {
    const float* xr = a.x + r * n;
    float* yr = a.y + r * m;
    int64_t o = o_begin;
    for (; o + 4 <= o_end; o += 4) {
      const float* w0 = a.w + o * n;
      const float* w1 = w0 + n;
      const float* w2 = w1 + n;
      const float* w3 = w2 + n;
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (int64_t i = 0; i < n; i++) {
        const float xi = xr[i];
        s0 += xi * w0[i];
        s1 += xi * w1[i];
        s2 += xi * w2[i];
        s3 += xi * w3[i];
      }
      yr[o] = s0 + (a.bias ? a.bias[o] : 0.0f);
      yr[o + 1] = s1 + (a.bias ? a.bias[o + 1] : 0.0f);
      yr[o + 2] = s2 + (a.bias ? a.bias[o + 2] : 0.0f);
      yr[o + 3] = s3 + (a.bias ? a.bias[o + 3] : 0.0f);
    }
    for (; o < o_end; o++) {
      const float* wo = a.w + o * n;
      float s = 0;
      for (int64_t i = 0; i < n; i++) s += xr[i] * wo[i];
      yr[o] = s + (a.bias ? a.bias[o] : 0.0f);
    }
  }
}

}  // namespace attnkit
