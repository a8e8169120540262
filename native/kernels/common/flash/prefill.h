// The packed (prefill) path of the fused forward pass: run_rows runs the rows of one task, by the
// direct paths of decode.h when the plan is direct, else by packing each key block (K transposed in
// 16-key panels, V in 16-column panels) and running tiles of Ops::kPrefillRows rows through the GEMM
// Q·Kᵀ, softmax_block and the GEMM P·V; prefill_task is one task of query blocks, written out.
#pragma once
#include "decode.h"

namespace attnkit {
namespace flash {
namespace {  // private to each ISA translation unit (see tiling.h)

// Prefetch of the mask slices [kb, kb + nk) of n rows. A tile's mask rows lie Lk elements apart (a
// page each at Lk = 1024 for an additive mask), and a task walks them a key block at a time: a column
// of short pieces that the hardware prefetcher does not follow.
inline void prefetch_masks(const RowState* rows, int64_t n, int64_t kb, int64_t nk) {
  for (int64_t r = 0; r < n; ++r) {
    const RowMask& m = rows[r].mask;
    if (m.stride_k != 1) continue;
    if (m.bool_row) prefetch_bytes(m.bool_row + kb, nk);
    if (m.add_row) prefetch_bytes(m.add_row + kb, 4 * nk);
  }
}

// Where prefill task t sits: batch entry b, kv head hk, query positions [q0, q0 + nq). Query blocks go
// in reverse order (heaviest first under causal) so dynamic scheduling balances the tail.
struct PrefillTask {
  int64_t b = -1, hk = 0, q0 = 0, nq = 0;  // b < 0: none
  bool any() const { return b >= 0; }
};

inline PrefillTask prefill_task_at(const Plan& p, int64_t t) {
  const attn_sdpa_args& a = *p.a;
  const int64_t bh = a.batch * a.heads_kv;
  if (t >= p.nqb * bh) return PrefillTask{};
  const int64_t q0 = (p.nqb - 1 - t / bh) * p.bq;
  return PrefillTask{(t % bh) / a.heads_kv, t % a.heads_kv, q0, std::min(p.bq, a.len_q - q0)};
}

// The q rows and the first key block's K and V rows of the task a thread likely runs next (the dynamic
// schedule hands out tasks in order, so about `workers` tasks on), prefetched into L2 a slice per tile
// of the current task's last key block. On short rows (BERT's S = 128) a task is over in tens of
// microseconds, and its first touch of q, K and V in memory would otherwise stall it.
template <class KV>
void prefetch_next_slice(const Plan& p, const PrefillTask& nt, int64_t slice, int64_t slices) {
  const attn_sdpa_args& a = *p.a;
  const int64_t rows = p.G * nt.nq, keys = std::min(p.bk, key_count(a, nt.b));
  for (int64_t r = rows * slice / slices, r_end = rows * (slice + 1) / slices; r < r_end; ++r) {
    const int64_t h = nt.hk * p.G + r / nt.nq, i = nt.q0 + r % nt.nq;
    prefetch_row(a.q + nt.b * a.q_view.stride_b + h * a.q_view.stride_h + i * a.q_view.stride_l, a.dim_qk);
  }
  for (int64_t j = keys * slice / slices, j_end = keys * (slice + 1) / slices; j < j_end; ++j) {
    prefetch_row(k_rows<KV>(a) + nt.b * a.k_view.stride_b + nt.hk * a.k_view.stride_h + j * a.k_view.stride_l, a.dim_qk);
    prefetch_row(v_rows<KV>(a) + nt.b * a.v_view.stride_b + nt.hk * a.v_view.stride_h + j * a.v_view.stride_l, a.dim_v);
  }
}

// Runs the rows of one task over keys [k_begin, k_end); leaves m, l, O in scratch. with_sinks: the
// task covers every key, so the rows start from their sink (split-K chunks leave it to the merge).
// next: the task to prefetch for (prefill only).
template <class Ops, class KV>
void run_rows(const Plan& p, Scratch& sc, int64_t b, int64_t hk, int64_t q0, int64_t nq, int64_t k_begin,
              int64_t k_end, bool with_sinks, const PrefillTask& next = PrefillTask{}) {
  const attn_sdpa_args& a = *p.a;
  const int64_t D = a.dim_qk, Dv = a.dim_v, dv16 = p.dv16, R = p.G * nq;
  float* qp = sc.qp.data();
  float* kp = sc.kp.data();
  float* vp = sc.vp.data();
  float* S = sc.s.data();
  float* O = sc.o.data();
  float* M = sc.m.data();
  float* L = sc.l.data();

  std::vector<RowState> rows(static_cast<size_t>(R));
  int64_t k_first = k_end, k_last = k_begin;
  init_rows(p, b, hk, q0, nq, k_begin, k_end, with_sinks, qp, rows.data(), M, L, k_first, k_last);
  std::fill_n(O, R * dv16, 0.0f);
  // bf16 prefill: q as pairs along D (the direct paths below stay fp32).
  const int64_t D2 = (D + 1) / 2;
  uint32_t *qb = nullptr, *kb2 = nullptr, *vb2 = nullptr, *pb = nullptr;
  if constexpr (Ops::kBf16) {
    if (!p.direct) {
      sc.ensure_bf16(R, D, dv16, p.bk);
      qb = sc.qb.data();
      kb2 = sc.kb.data();
      vb2 = sc.vb.data();
      pb = sc.pb.data();
      for (int64_t r = 0; r < R; ++r) Ops::row_pairs(qb + r * D2, qp + r * D, D);
    }
  }

  const KV* kbase = k_rows<KV>(a) + b * a.k_view.stride_b + hk * a.k_view.stride_h;
  const KV* vbase = v_rows<KV>(a) + b * a.v_view.stride_b + hk * a.v_view.stride_h;
  if (p.direct) {
    if (R == 1) {
      run_rows_direct_pipelined<Ops>(a, dv16, kbase, vbase, k_first, k_last, qp, S, O, M, L, rows);
      return;
    }
    if constexpr (wide_decode<Ops, KV>()) {
      if (wide_decode_rows(R) && D > 0) {
        run_rows_direct_wide<Ops>(a, dv16, kbase, vbase, static_cast<int>(R), k_first, k_last, qp, S, O, M, L, rows);
        return;
      }
    }
    run_rows_direct_interleaved<Ops>(a, dv16, kbase, vbase, static_cast<int>(R), k_first, k_last, qp, S, O, M, L, rows);
    return;
  }
  // Keys outside every row's causal and window limits, or past the entry's length (kv_lens), are never
  // visited: whole blocks are skipped.
  // Blocks sit on a grid of bk keys, so a row meets the same blocks whichever task holds it.
  const int64_t bk = p.bk;
  for (int64_t kb = k_first - k_first % bk; kb < k_last; kb += bk) {
    const int64_t nk = std::min(bk, k_last - kb);
    const int64_t npan = (nk + NR - 1) / NR;
    // Pack K transposed in 16-key panels; padding keys are zero (their scores are set to -inf).
    if (D > 0) {
      for (int64_t pn = 0; pn < npan; ++pn) {
        float* dst = kp + pn * D * NR;
        const int64_t nj = std::min<int64_t>(NR, nk - pn * NR);
        if (nj == NR) {
          Ops::pack_k16(dst, kbase + (kb + pn * NR) * a.k_view.stride_l, a.k_view.stride_l, D);
        } else {
          for (int64_t jj = 0; jj < NR; ++jj) {
            const KV* kr = kbase + (kb + pn * NR + jj) * a.k_view.stride_l;
            for (int64_t d = 0; d < D; ++d) dst[d * NR + jj] = jj < nj ? to_f32(kr[d]) : 0.0f;
          }
        }
      }
    }
    // V copied in 16-column panels ([Dv/16][bk][16], zero padded): the P·V GEMM then reads each panel
    // in address order, 64 bytes per key, where rows of dv16 floats made it stride dv16 * 4 bytes
    // through the block once per panel.
    bool v_nonfinite = false;
    for (int64_t j = 0; j < nk; ++j)
      for (int64_t c = 0; c < dv16; c += NR)
        v_nonfinite |= Ops::copy_row(vp + c * bk + j * NR, vbase + (kb + j) * a.v_view.stride_l + c,
                                     std::min<int64_t>(NR, Dv - c), NR);
    if constexpr (Ops::kBf16) {
      // K panels as pairs along D, V panels as pairs of keys [Dv16/16][bk/2][16]. A block whose v holds a
      // NaN or Inf keeps fp32 P·V (a pair must never multiply a hidden key's v).
      for (int64_t pn = 0; pn < npan && D > 0; ++pn) Ops::panel_pairs(kb2 + pn * D2 * NR, kp + pn * D * NR, D);
      if (!v_nonfinite)
        for (int64_t c = 0; c < dv16; c += NR) Ops::panel_pairs(vb2 + c * (bk / 2), vp + c * bk, nk);
    }

    // Tiles of at most kPrefillRows rows, evened out (128 rows: 13 and 12, not 9 x 14 and a slow 2).
    constexpr int TR = Ops::kPrefillRows;
    const int64_t ntiles = (R + TR - 1) / TR, tile_base = R / ntiles, tile_extra = R % ntiles;
    const bool last_block = kb + bk >= k_last;
    for (int64_t t = 0, r0 = 0; t < ntiles; r0 += tile_base + (t < tile_extra), ++t) {
      const int mr = static_cast<int>(tile_base + (t < tile_extra));
      const int64_t r_next = r0 + mr;
      if (last_block && next.any()) prefetch_next_slice<KV>(p, next, t, ntiles);
      // The next tile's mask slices (after the last tile: the first tile's, next block) load while
      // this tile computes: a tile's mask rows lie Lk apart, a column of short pieces the hardware
      // prefetcher does not follow.
      if (a.mask_kind != ATTN_MASK_NONE) {
        if (r_next < R)
          prefetch_masks(rows.data() + r_next, std::min<int64_t>(TR, R - r_next), kb, nk);
        else if (kb + bk < k_last)
          prefetch_masks(rows.data(), std::min<int64_t>(TR, R), kb + bk, std::min(bk, k_last - kb - bk));
      }
      // Causal or window: the tile's GEMMs and softmax cover only the 16-key panels between the first
      // and the last key any of its rows sees in this block, and skip the block when it sees none.
      // Scores left of the first panel are never computed or read: they lie left of every row's
      // window, so they would be -inf, their probabilities -0, and P·V would add only -0 * v.
      int64_t lo = kb + nk, hi = kb;
      for (int r = 0; r < mr; ++r) {
        const RowState& row = rows[r0 + r];
        if (row.lo < row.hi && row.lo < kb + nk && row.hi > kb) {
          lo = std::min(lo, std::max(row.lo, kb));
          hi = std::max(hi, std::min(row.hi, kb + nk));
        }
      }
      if (hi == kb) continue;
      const int64_t nkt = hi - kb, npant = (nkt + NR - 1) / NR, npadt = npant * NR;
      const int64_t p0 = (lo - kb) / NR, k0 = p0 * NR;
      if constexpr (Ops::kBf16)
        gemm_panels<Ops>(mr, qb + r0 * D2, D2, kb2 + p0 * D2 * NR, D2 * NR, npant - p0, S + k0, BK_MAX, D2, false);
      else
        gemm_panels<Ops>(mr, qp + r0 * D, D, kp + p0 * D * NR, D * NR, npant - p0, S + k0, BK_MAX, D, false);
      // The softmax also starts at the first panel: keys left of it are -inf in every row of the tile.
      const bool any_masked =
          softmax_block<Ops, true>(S + k0, mr, r0, kb + k0, nkt - k0, npadt - k0, rows, a.softcap, M, L, O, dv16, BK_MAX);
      if (dv16 == 0) continue;
      if (any_masked && v_nonfinite) {
        // Exact path: a masked key (p = -0) must not multiply a NaN/Inf in v.
        for (int r = 0; r < mr; ++r) {
          float* o = O + (r0 + r) * dv16;
          for (int64_t j = k0; j < nkt; ++j) {
            const float pj = S[r * BK_MAX + j];
            if (is_masked_p(pj)) continue;
            for (int64_t d = 0; d < Dv; ++d) o[d] += pj * vp[(d - d % NR) * bk + j * NR + d % NR];
          }
        }
        continue;
      }
      if constexpr (Ops::kBf16) {
        if (!v_nonfinite) {
          // The tile's probabilities as pairs of keys from k0 (even: panels start on 16 keys).
          const int64_t n = nkt - k0, n2 = (n + 1) / 2;
          for (int r = 0; r < mr; ++r) Ops::row_pairs(pb + r * (BK_MAX / 2), S + r * BK_MAX + k0, n);
          gemm_panels<Ops>(mr, pb, BK_MAX / 2, vb2 + k0 / 2 * NR, bk / 2 * NR, dv16 / NR, O + r0 * dv16, dv16, n2, true);
          continue;
        }
      }
      gemm_panels<Ops>(mr, S + k0, BK_MAX, vp + k0 * NR, bk * NR, dv16 / NR, O + r0 * dv16, dv16, nkt - k0, true);
    }
  }
}

// Prefill task t (see prefill_task_at), written out.
template <class Ops, class KV>
void prefill_task(void* arg, int64_t t) {
  const Plan& p = *static_cast<const Plan*>(arg);
  const attn_sdpa_args& a = *p.a;
  const PrefillTask task = prefill_task_at(p, t);
  const int64_t b = task.b, hk = task.hk, q0 = task.q0, nq = task.nq;
  Scratch& sc = scratch();
  sc.ensure(p.rows_max, a.dim_qk, p.dv16, DIRECT_MAX_ROWS, p.bk);
  run_rows<Ops, KV>(p, sc, b, hk, q0, nq, 0, a.len_k, true, prefill_task_at(p, t + p.workers));
  for (int64_t g = 0; g < p.G; ++g)
    for (int64_t ii = 0; ii < nq; ++ii) {
      const int64_t r = g * nq + ii;
      write_row(a, b, hk * p.G + g, q0 + ii, sc.m[r], sc.l[r], sc.o.data() + r * p.dv16);
    }
}

}  // namespace
}  // namespace flash
}  // namespace attnkit
