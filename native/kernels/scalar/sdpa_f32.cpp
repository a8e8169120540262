// Portable scalar attention: one query row at a time, two-pass softmax.
// It is the reference the SIMD kernels are tested against and the fallback on any CPU.
#include <cmath>
#include <algorithm>
#include <vector>

#include "../common/row_visibility.h"
#include "kernels.h"

namespace attnkit {

namespace {

float dot(const float* x, const float* y, int64_t n) {
  float acc = 0.0f;
  for (int64_t d = 0; d < n; ++d) acc += x[d] * y[d];
  return acc;
}

// Softmax of one query row over the visible keys, then the weighted sum of v. Only keys [lo, hi) of
// key_range are visited (padding past the entry's length, causal and the window bound them); within
// them scores[j] = -inf marks a key that does not take part (masked, or -inf additive).
void attend_row(const attn_sdpa_args& a, int64_t b, int64_t h, int64_t i, float* scores) {
  const int64_t hk = h / (a.heads_q / a.heads_kv);
  const float* q = a.q + b * a.q_view.stride_b + h * a.q_view.stride_h + i * a.q_view.stride_l;
  const float* k = a.k + b * a.k_view.stride_b + hk * a.k_view.stride_h;
  const float* v = a.v + b * a.v_view.stride_b + hk * a.v_view.stride_h;
  float* out = a.out + b * a.out_view.stride_b + h * a.out_view.stride_h + i * a.out_view.stride_l;
  float* weights = a.weights ? a.weights + ((b * a.heads_q + h) * a.len_q + i) * a.len_k : nullptr;

  const RowMask mask = row_mask(a, b, h, i);
  const KeyRange keys = key_range(a, b, i);
  const RowBias bias = row_bias(a, b, h, i);
  float row_max = -INFINITY;
  for (int64_t j = keys.lo; j < keys.hi; ++j) {
    float s = mask_term(mask, j);
    if (s != -INFINITY) s += softcap_score(dot(q, k + j * a.k_view.stride_l, a.dim_qk) * a.scale, a.softcap) + bias_term(bias, j);
    scores[j] = s;
    if (row_max == row_max && !(s <= row_max)) row_max = s;  // NaN sticks: a NaN score makes the whole row NaN
  }

  std::fill_n(out, a.dim_v, 0.0f);  // not memset: out may be null when Dv = 0
  if (weights) std::fill_n(weights, a.len_k, 0.0f);  // hidden keys keep 0
  if (row_max == -INFINITY) {  // no key visible: a zero row, never NaN
    if (a.lse) a.lse[(b * a.heads_q + h) * a.len_q + i] = a.sinks ? a.sinks[h] : -INFINITY;  // log of the sink alone
    return;
  }
  // A sink joins the denominator only: it may raise the max used for stability, never the numerators.
  const float sink = a.sinks ? a.sinks[h] : -INFINITY;
  if (sink > row_max) row_max = sink;
  float sum = a.sinks ? std::exp(sink - row_max) : 0.0f;
  for (int64_t j = keys.lo; j < keys.hi; ++j) {
    if (scores[j] == -INFINITY) continue;
    scores[j] = std::exp(scores[j] - row_max);
    sum += scores[j];
  }
  const float inv_sum = 1.0f / sum;
  for (int64_t j = keys.lo; j < keys.hi; ++j) {
    if (scores[j] == -INFINITY) continue;
    const float p = scores[j] * inv_sum;
    if (weights) weights[j] = p;
    const float* vj = v + j * a.v_view.stride_l;
    for (int64_t d = 0; d < a.dim_v; ++d) out[d] += p * vj[d];
  }
  if (a.lse) a.lse[(b * a.heads_q + h) * a.len_q + i] = row_max + std::log(sum);
}

}  // namespace

void attn_sdpa_f32__scalar(const attn_sdpa_args& a) {
  std::vector<float> scores(static_cast<size_t>(a.len_k > 0 ? a.len_k : 1));
  for (int64_t b = 0; b < a.batch; ++b)
    for (int64_t h = 0; h < a.heads_q; ++h)
      for (int64_t i = 0; i < a.len_q; ++i) attend_row(a, b, h, i, scores.data());
}

}  // namespace attnkit
