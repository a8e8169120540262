// The online softmax of the fused forward pass: a row's state (RowState) and its set-up (init_rows,
// with the sink's start), the scores finished with softcap, mask and position terms (finish_scores,
// add_bias), the per-block update of m, l and O (softmax_block), and the way out of a row, normalised
// (write_row) or as the partial of one key chunk (save_partial, merged by split.h's merge_task).
//
// Online softmax (Dao 2023, FlashAttention-2), per query row over key blocks t = 1..T:
//   m_t = max(m_{t-1}, max_j s_j)            running row max (NaN sticks)
//   P_j = exp(s_j - m_t)                      block probabilities, masked keys -> -0
//   l_t = l_{t-1} * exp(m_{t-1} - m_t) + sum_j P_j
//   O_t = O_{t-1} * exp(m_{t-1} - m_t) + P V  unnormalised accumulator
//   out = O_T / l_T, lse = m_T + log l_T; a row whose keys are all masked (m_T = -inf) gives zeros.
// Attention sinks start a row at m_0 = sink, l_0 = 1 (exp(sink - m_0)) instead of -inf and 0.
// Score of a visible key: s = softcap(scale*q.k) + mask + ALiBi + relative bias (see attnkit.h).
#pragma once
#include "tiling.h"

namespace attnkit {
namespace flash {
namespace {  // private to each ISA translation unit (see tiling.h)

// What one tile row needs to finish its scores: its mask row, visible key range and position terms.
struct RowState {
  RowMask mask;
  int64_t lo, hi;  // keys [lo, hi) left by the entry's length, causal, the window and the task's key range
  RowBias bias;
};

// Sets up the G * nq rows of kv head hk, queries [q0, q0 + nq) (row r = g * nq + ii): q packed
// pre-scaled into qp [row][D], so scores come out of the GEMM as (q*scale)·k; each row's mask, keys
// within [k_begin, k_end) and position terms; m, l from the sink or empty. Widens [k_first, k_last)
// to every key a row sees.
inline void init_rows(const Plan& p, int64_t b, int64_t hk, int64_t q0, int64_t nq, int64_t k_begin, int64_t k_end,
                      bool with_sinks, float* qp, RowState* rows, float* M, float* L, int64_t& k_first,
                      int64_t& k_last) {
  const attn_sdpa_args& a = *p.a;
  const int64_t D = a.dim_qk;
  for (int64_t g = 0; g < p.G; ++g) {
    const int64_t h = hk * p.G + g;
    for (int64_t ii = 0; ii < nq; ++ii) {
      const int64_t r = g * nq + ii, i = q0 + ii;
      const float* q = a.q + b * a.q_view.stride_b + h * a.q_view.stride_h + i * a.q_view.stride_l;
      for (int64_t d = 0; d < D; ++d) qp[r * D + d] = q[d] * a.scale;
      const KeyRange keys = key_range(a, b, i);
      RowState& row = rows[r];
      row.mask = row_mask(a, b, h, i);
      row.lo = std::max(keys.lo, k_begin);
      row.hi = std::min(keys.hi, k_end);
      row.bias = row_bias(a, b, h, i);
      if (row.lo < row.hi) {
        k_first = std::min(k_first, row.lo);
        k_last = std::max(k_last, row.hi);
      }
      const bool sink = with_sinks && a.sinks;
      M[r] = sink ? a.sinks[h] : -INFINITY;
      L[r] = sink ? 1.0f : 0.0f;
    }
  }
}

// ALiBi and relative-bias terms for keys [k0, k0 + n); -inf (masked) stays -inf since both are finite.
inline void add_bias(float* s, int64_t n, const RowBias& rb, int64_t k0) {
  if (rb.rel)
    for (int64_t j = 0; j < n; ++j) s[j] += rb.rel[k0 + j];
  if (rb.slope != 0.0f) {
    // Distances in float from a 32-bit index (AVX2 has no int64 -> float conversion); n <= BK.
    const float d0 = static_cast<float>(rb.pos - k0);
    const int nn = static_cast<int>(n);
    for (int j = 0; j < nn; ++j) s[j] -= rb.slope * std::fabs(d0 - static_cast<float>(j));
  }
}

// Scores of one row for keys [kb, kb + nk): capped, masked and biased; keys outside the row's
// [lo, hi) and the padding up to npad -> -inf. Returns true when the masking pass also found the
// row's maximum (*bmax, NaN if a score is NaN) and whether every score is finite (*finite), so the
// softmax need not scan the row again.
template <class Ops>
bool finish_scores(float* s, int64_t nk, int64_t npad, const RowState& row, int64_t kb, float softcap, float* bmax,
                   bool* finite) {
  const int64_t nvis = std::max<int64_t>(0, std::min(row.hi - kb, nk));
  const int64_t nlo = std::max<int64_t>(0, std::min(row.lo - kb, nvis));
  if (softcap > 0.0f) Ops::softcap(s, nvis, softcap);
  const RowMask& rm = row.mask;
  if (rm.kind == ATTN_MASK_NONE) {
    for (int64_t j = nvis; j < npad; ++j) s[j] = -INFINITY;  // scale is folded into q: nothing else to do
  } else if (rm.stride_k == 1) {
    const uint8_t* bm = rm.bool_row ? rm.bool_row + kb : nullptr;
    const float* am = rm.add_row ? rm.add_row + kb : nullptr;
    if constexpr (Ops::kMaskMax) {
      if (!row.bias.any() && nlo == 0) {  // nothing changes the scores after the mask
        *bmax = Ops::apply_mask_max(s, nvis, npad, bm, am, finite);
        return true;
      }
    }
    Ops::apply_mask(s, nvis, npad, bm, am);  // the scale is folded into q
  } else {
    // Broadcast or strided mask along keys: rare, scalar.
    for (int64_t j = 0; j < npad; ++j) {
      float t = j < nvis ? mask_term(rm, kb + j) : -INFINITY;
      s[j] = t == -INFINITY ? -INFINITY : t + s[j];
    }
  }
  if (row.bias.any()) add_bias(s + nlo, nvis - nlo, row.bias, kb + nlo);
  for (int64_t j = 0; j < nlo; ++j) s[j] = -INFINITY;  // before the window's left edge
  return false;
}

inline bool is_masked_p(float p) { return p == 0.0f && std::signbit(p); }

// Online-softmax update of rows [r0, r0 + nr) whose scores for keys [kb, kb + nk) are in S (row stride lds).
// In phases across the rows (every row's maximum, then every row's exponentials, then the
// rescaling) so the rows' dependency chains (max -> reduce -> exp -> sum) overlap instead of
// running one after another.
// Prefill: the packed path's blocks, where Ops::exp_row_dense_wide and exp_row_wide (kWideExp) take
// every row: both sum in the same lanes, so a row's sum never depends on which of the two it took.
template <class Ops, bool Prefill = false>
bool softmax_block(float* S, int nr, int64_t r0, int64_t kb, int64_t nk, int64_t npad, const std::vector<RowState>& rows,
                   float softcap, float* M, float* L, float* O, int64_t dv16, int64_t lds = BK) {
  static_assert(TILE_ROWS_MAX >= DIRECT_MAX_ROWS, "softmax_block takes decode groups and prefill tiles");
  float m_new[TILE_ROWS_MAX], sum[TILE_ROWS_MAX];
  bool finite[TILE_ROWS_MAX] = {};
  for (int r = 0; r < nr; ++r) {
    float* s = S + r * lds;
    float bmax = NAN;  // set by finish_scores or below (GCC 12 cannot tell)
    if (!finish_scores<Ops>(s, nk, npad, rows[r0 + r], kb, softcap, &bmax, &finite[r])) {
      if constexpr (Ops::kDenseExp)
        bmax = Ops::row_max_finite(s, npad, &finite[r]);
      else
        bmax = Ops::row_max(s, npad);
    }
    const float m_old = M[r0 + r];
    m_new[r] = (std::isnan(bmax) || std::isnan(m_old)) ? NAN : std::max(m_old, bmax);
  }
  bool any_masked = false;
  for (int r = 0; r < nr; ++r) {
    if constexpr (Ops::kDenseExp) {
      if (finite[r]) {
        if constexpr (Prefill && Ops::kWideExp)
          Ops::exp_row_dense_wide(S + r * lds, npad, m_new[r], &sum[r]);
        else
          Ops::exp_row_dense(S + r * lds, npad, m_new[r], &sum[r]);
        continue;
      }
    }
    if constexpr (Prefill && Ops::kWideExp)
      any_masked |= Ops::exp_row_wide(S + r * lds, npad, m_new[r], &sum[r]);
    else
      any_masked |= Ops::exp_row(S + r * lds, npad, m_new[r], &sum[r]);
  }
  for (int r = 0; r < nr; ++r) {
    const int64_t row = r0 + r;
    const float m_old = M[row];
    const float alpha = m_old == m_new[r] ? 1.0f : std::exp(m_old - m_new[r]);
    if (alpha != 1.0f) Ops::scale_row(O + row * dv16, dv16, alpha);
    L[row] = L[row] * alpha + sum[r];
    M[row] = m_new[r];
  }
  return any_masked;
}

// Normalises row r of scratch into out and lse.
inline void write_row(const attn_sdpa_args& a, int64_t b, int64_t h, int64_t i, float m, float l, const float* o) {
  float* out = a.out ? a.out + b * a.out_view.stride_b + h * a.out_view.stride_h + i * a.out_view.stride_l : nullptr;
  float* lse = a.lse ? a.lse + (b * a.heads_q + h) * a.len_q + i : nullptr;
  if (m == -INFINITY) {  // no key visible: zeros, never NaN
    if (out) std::fill_n(out, a.dim_v, 0.0f);
    if (lse) *lse = -INFINITY;
    return;
  }
  const float inv = 1.0f / l;
  for (int64_t d = 0; d < a.dim_v; ++d) out[d] = o[d] * inv;
  if (lse) *lse = m + std::log(l);
}

// Stores the m, l, O of the G * Lq scratch rows from r0 as the partial of (b * Hkv + hk, chunk c).
inline void save_partial(const Plan& p, const Scratch& sc, int64_t bh, int64_t c, int64_t r0) {
  const int64_t R = p.G * p.a->len_q, stride = p.dv16 + 2;
  float* dst = p.partial + (bh * p.nchunk + c) * R * stride;
  for (int64_t r = 0; r < R; ++r) {
    dst[r * stride] = sc.m[r0 + r];
    dst[r * stride + 1] = sc.l[r0 + r];
    std::copy_n(sc.o.data() + (r0 + r) * p.dv16, p.dv16, dst + r * stride + 2);
  }
}

}  // namespace
}  // namespace flash
}  // namespace attnkit
