// Which keys a query row may see, shared by every kernel so masks mean one thing everywhere.
// static inline: SIMD translation units include this too, and a shared inline copy built with
// -mavx2 could be picked by the linker for the scalar code.
#pragma once
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

// Number of leading keys [0, n) the causal rule leaves visible to query i.
static inline int64_t causal_key_count(const attn_sdpa_args& a, int64_t i) {
  if (!a.causal) return a.len_k;
  int64_t n = i + a.causal_offset + 1;
  return n < 0 ? 0 : (n > a.len_k ? a.len_k : n);
}

// Additive term for key j, or -inf when the key is masked. Checked before k is read,
// so garbage (NaN/Inf) at masked positions never reaches the arithmetic.
static inline float mask_term(const RowMask& m, int64_t j) {
  if (m.kind == ATTN_MASK_BOOL) return m.bool_row[j * m.stride_k] ? 0.0f : -INFINITY;
  if (m.kind == ATTN_MASK_ADDITIVE) return m.add_row[j * m.stride_k];
  return 0.0f;
}

}  // namespace attnkit
