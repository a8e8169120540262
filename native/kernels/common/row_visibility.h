// Which keys a query row may see, shared by every kernel so masks mean one thing everywhere.
// static inline: SIMD translation units include this too, and a shared inline copy built with
// -mavx2 could be picked by the linker for the scalar code.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include "attnkit.h"

namespace attnkit {

// Pointers to one query row's slice of the mask (or nullptr), resolved once per row.
struct RowMask {
  int32_t kind;
  const uint8_t* bool_row;
  const float* add_row;
  int64_t stride_k;
};

static inline RowMask row_mask(const attn_sdpa_args& a, int64_t b, int64_t h, int64_t i) {
  RowMask m{a.mask_kind, nullptr, nullptr, a.mask_stride_k};
  const int64_t off = b * a.mask_stride_b + h * a.mask_stride_h + i * a.mask_stride_q;
  if (a.mask_kind == ATTN_MASK_BOOL) m.bool_row = static_cast<const uint8_t*>(a.mask) + off;
  if (a.mask_kind == ATTN_MASK_ADDITIVE) m.add_row = static_cast<const float*>(a.mask) + off;
  return m;
}

// Keys [lo, hi) that causal and the sliding window leave visible to query i (lo <= hi; equal when none).
struct KeyRange {
  int64_t lo, hi;
};

static inline KeyRange key_range(const attn_sdpa_args& a, int64_t i) {
  const int64_t p = i + a.causal_offset;
  int64_t lo = 0, hi = a.len_k;
  if (a.causal) hi = std::min(hi, p + 1);
  if (a.window & ATTN_WINDOW_RIGHT) hi = std::min(hi, p + a.window_right + 1);
  if (a.window & ATTN_WINDOW_LEFT) lo = std::max<int64_t>(lo, p - a.window_left);
  if (hi < 0) hi = 0;
  if (lo > hi) lo = hi;
  return KeyRange{lo, hi};
}

// The position terms of one query row: ALiBi slope and the row of the relative bias aligned so that
// rel[j] is key j's term. Zero / nullptr when unused.
struct RowBias {
  float slope;
  int64_t pos;       // the query's position p
  const float* rel;  // rel[j] for j in [0, Lk)
  bool any() const { return slope != 0.0f || rel != nullptr; }
};

static inline RowBias row_bias(const attn_sdpa_args& a, int64_t h, int64_t i) {
  RowBias rb{0.0f, i + a.causal_offset, nullptr};
  if (a.alibi_slopes) rb.slope = a.alibi_slopes[h];
  if (a.rel_bias) rb.rel = a.rel_bias + h * a.rel_bias_stride_h + (a.len_q - 1 - i);
  return rb;
}

static inline float bias_term(const RowBias& rb, int64_t j) {
  float t = 0.0f;
  if (rb.slope != 0.0f) t -= rb.slope * std::fabs(static_cast<float>(rb.pos - j));
  if (rb.rel) t += rb.rel[j];
  return t;
}

static inline float softcap_score(float s, float cap) { return cap > 0.0f ? cap * std::tanh(s / cap) : s; }

// Additive term for key j, or -inf when the key is masked. Checked before k is read,
// so garbage (NaN/Inf) at masked positions never reaches the arithmetic.
static inline float mask_term(const RowMask& m, int64_t j) {
  if (m.kind == ATTN_MASK_BOOL) return m.bool_row[j * m.stride_k] ? 0.0f : -INFINITY;
  if (m.kind == ATTN_MASK_ADDITIVE) return m.add_row[j * m.stride_k];
  return 0.0f;
}

}  // namespace attnkit
