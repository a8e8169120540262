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

// Keys batch entry b holds: [0, kv_lens[b]), or all len_k. Clamped to [0, len_k] (the argument check
// refuses anything else) so that no loop or bias row can pass len_k, even if the lengths changed since.
static inline int64_t key_count(const attn_sdpa_args& a, int64_t b) {
  return a.kv_lens ? std::min<int64_t>(std::max<int32_t>(a.kv_lens[b], 0), a.len_k) : a.len_k;
}

// Query i of batch entry b sits at position p = i + entry_position_offset(a, b): position_offset, or with
// kv_lens_shift that many positions earlier as the entry has padding keys, so its last query sits at its
// last valid key as in an unpadded call of its length.
static inline int64_t entry_position_offset(const attn_sdpa_args& a, int64_t b) {
  return a.kv_lens && a.kv_lens_shift ? a.position_offset - (a.len_k - key_count(a, b)) : a.position_offset;
}

// Keys [lo, hi) that the entry's length, causal and the sliding window leave visible to query i of batch
// entry b (lo <= hi; equal when none). Padding keys lie past hi: loops over [lo, hi) never reach them.
struct KeyRange {
  int64_t lo, hi;
};

static inline KeyRange key_range(const attn_sdpa_args& a, int64_t b, int64_t i) {
  const int64_t p = i + entry_position_offset(a, b);
  int64_t lo = 0, hi = key_count(a, b);
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

static inline RowBias row_bias(const attn_sdpa_args& a, int64_t b, int64_t h, int64_t i) {
  const int64_t offset = entry_position_offset(a, b);
  RowBias rb{0.0f, i + offset, nullptr};
  if (a.alibi_slopes) rb.slope = a.alibi_slopes[h];
  // Diagonal (j - i) + Lq - 1, moved with the position when kv_lens shifts it: the same distance j - p
  // reads the same entry. Every visible key (j < key_count) stays within the row's Lq + Lk - 1 entries.
  if (a.rel_bias) rb.rel = a.rel_bias + h * a.rel_bias_stride_h + (a.len_q - 1 - i) + (a.position_offset - offset);
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
