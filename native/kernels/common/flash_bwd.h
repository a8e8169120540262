// Fused attention backward pass in the manner of FlashAttention-2 (Dao 2023, Algorithm 2), written
// once over an ISA "Ops" struct (the forward's gemm<MR>, pack_k16, copy_row, exp_row, softcap, and
// gemm_at<MR>, the micro-kernel reading A transposed).
// For query row i of head h and a visible key j, s the forward's finished score:
//
//   P_ij  = exp(s_ij - lse_i)           recomputed from q, k and the forward's log-sum-exp
//   D_i   = sum_d dOut_id * out_id
//   dP_ij = dOut_i . v_j
//   dS_ij = P_ij (dP_ij - D_i) * ds/dx  x = scale * q_i . k_j before the soft-cap (ds/dx = 1 - tanh^2)
//   dv_j += P_ij dOut_i,  dk_j += dS_ij (scale q_i),  dq_i += scale * dS_ij k_j
//   dSinks[h] = -sum_i exp(sink_h - lse_i) D_i
//
// Work unit ("task"): batch b, kv head hk, a chunk of key blocks, for all G * Lq query rows that read
// hk (row r = g * Lq + i), so dk and dv of a shared kv head sum over its query heads without copying k
// or v. Per key block of BK_BWD keys (outer) and tile of BQ_BWD rows (inner), five GEMMs on the
// micro-kernel: S = (scale q) K^T, dP = dOut V^T, dV += P^T dOut, dK += dS^T (scale q), dQ += dS K; the
// two with P^T and dS^T read P and dS in place (gemm_at). A tile on the causal diagonal skips the part
// above it that no row sees (tile_extents).
// A block's dK, dV finish in the task's scratch and are stored; each chunk adds its rows' dQ into its
// own partial, and the partials are summed in chunk order (one chunk: the task writes dq itself). The
// chunk count depends on the shape only, so results are bit-identical whatever the number of threads.
// Nothing Lq x Lk is stored; the extra memory is the partials (at most about BWD_PARTIAL_BYTES), the
// row terms and per-thread scratch (a block, a tile, and with one chunk its group's dq rows).
//
// A row that sees no key (its range empty, every key masked, or lse -inf) gets dq = 0 and gives
// nothing: its q and dOut rows are packed as zeros, so NaN there cannot leak. A key block holding a
// NaN or Inf in k or v takes an exact path where a masked pair adds nothing (as the forward's).
#pragma once
#include <memory>

#include "flash/softmax.h"

namespace attnkit {
namespace flash {
namespace {  // private to each ISA translation unit (see flash/tiling.h)

constexpr int64_t BK_BWD = 64;  // keys per block: its packed K, V and dK, dV accumulators stay in L1/L2
constexpr int64_t BQ_BWD = 64;  // rows per tile: the reduction length of the dV and dK GEMMs
constexpr int64_t BWD_TASKS = 16;  // about this many (batch, kv head, chunk) tasks when chunks allow
constexpr int64_t BWD_PARTIAL_BYTES = 16 << 20;  // at most about this much for the dq partials

struct BwdPlan {
  const attn_sdpa_bwd_args* a;
  int64_t G, R, d16, dv16, nkb, chunks, blocks_per_chunk;
  const float* lse;  // [B, Hq, Lq]
  float* rowD;       // [B, Hq, Lq] D_i, 0 for dead rows
  uint8_t* live;     // [B, Hq, Lq] the row sees a key
  float* partial;    // [chunks][B * Hkv][R][d16] when chunks > 1, else nullptr (each task writes its dq)
};

// Per-thread scratch of the backward, reused across calls.
struct BwdScratch {
  std::vector<float> kp, vp, kr, dk, dv, qt, dot, s, dp, dsdx;
  std::vector<float> dq;  // [R][d16] the task's dq when one chunk covers every key (no partials)
  std::vector<RowState> rows;
  void ensure(int64_t d, int64_t d16, int64_t dim_v, int64_t dv16, int64_t R) {
    grow_to(kp, BK_BWD * d + 1);
    grow_to(vp, BK_BWD * dim_v + 1);
    grow_to(kr, BK_BWD * d16 + 1);
    grow_to(dk, BK_BWD * d16 + 1);
    grow_to(dv, BK_BWD * dv16 + 1);
    grow_to(qt, BQ_BWD * d16 + 1);
    grow_to(dot, BQ_BWD * dv16 + 1);
    grow_to(s, BQ_BWD * BK_BWD);
    grow_to(dp, BQ_BWD * BK_BWD);
    grow_to(dsdx, BQ_BWD * BK_BWD);
    if (static_cast<int64_t>(rows.size()) < R) rows.resize(static_cast<size_t>(R));
  }
};

inline BwdScratch& bwd_scratch() {
  static thread_local BwdScratch s;
  return s;
}

// Whether row (b, h, i) sees a key: its range is not empty and the mask leaves one of its keys.
inline bool row_sees_a_key(const attn_sdpa_args& a, int64_t b, int64_t h, int64_t i) {
  const KeyRange keys = key_range(a, b, i);
  if (keys.lo >= keys.hi) return false;
  if (a.mask_kind == ATTN_MASK_NONE) return true;
  const RowMask m = row_mask(a, b, h, i);
  for (int64_t j = keys.lo; j < keys.hi; ++j)
    if (mask_term(m, j) != -INFINITY) return true;
  return false;
}

// Row terms of the (b, h) rows: D_i (float64 sum), whether the row is live; dead rows get D_i = 0.
inline void rows_task(void* arg, int64_t t) {
  const BwdPlan& p = *static_cast<const BwdPlan*>(arg);
  const attn_sdpa_bwd_args& ba = *p.a;
  const attn_sdpa_args& a = ba.fwd;
  const int64_t b = t / a.heads_q, h = t % a.heads_q;
  for (int64_t i = 0; i < a.len_q; ++i) {
    const int64_t at = t * a.len_q + i;
    const bool live = p.lse[at] != -INFINITY && row_sees_a_key(a, b, h, i);
    p.live[at] = live;
    double sum = 0;
    if (live) {
      const float* o = a.out + b * a.out_view.stride_b + h * a.out_view.stride_h + i * a.out_view.stride_l;
      const float* g = ba.dout + b * ba.dout_view.stride_b + h * ba.dout_view.stride_h + i * ba.dout_view.stride_l;
      for (int64_t d = 0; d < a.dim_v; ++d) sum += double(g[d]) * double(o[d]);
    }
    p.rowD[at] = static_cast<float>(sum);
  }
}

// Packs a key block's rows [kb, kb + nk) (zero padded to npan panels of 16): src transposed in
// 16-key panels [npan][dim][16] into tp, and (rows != nullptr) as rows of dim16 into rows. Returns
// true when a value is NaN or Inf.
template <class Ops>
bool pack_block(const float* base, int64_t ld, int64_t nk, int64_t npan, int64_t dim, int64_t dim16, float* tp,
                float* rows) {
  bool bad = false;
  for (int64_t pn = 0; pn < npan; ++pn) {
    float* dst = tp + pn * dim * NR;
    const int64_t nj = std::min<int64_t>(NR, nk - pn * NR);
    if (nj == NR && dim > 0) {
      Ops::pack_k16(dst, base + pn * NR * ld, ld, dim);
    } else {
      for (int64_t jj = 0; jj < NR; ++jj) {
        const float* r = base + (pn * NR + jj) * ld;
        for (int64_t d = 0; d < dim; ++d) dst[d * NR + jj] = jj < nj ? r[d] : 0.0f;
      }
    }
  }
  float scratch_row[NR];
  for (int64_t j = 0; j < npan * NR; ++j) {
    if (j < nk) {
      if (rows) {
        bad |= Ops::copy_row(rows + j * dim16, base + j * ld, dim, dim16);
      } else {
        for (int64_t d = 0; d < dim; d += NR)
          bad |= Ops::copy_row(scratch_row, base + j * ld + d, std::min<int64_t>(NR, dim - d), NR);
      }
    } else if (rows) {
      std::fill_n(rows + j * dim16, dim16, 0.0f);
    }
  }
  return bad;
}

// C[mr][16] (ldc) += A^T B over K rows, A stored transposed (element (r, k) at A[k * lda + r]).
template <class Ops>
ATTNKIT_FLASH_INLINE void gemm_at_rows(int mr, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                                       int64_t ldc, int64_t K) {
  switch (mr) {
    case 6: Ops::template gemm_at<6>(A, lda, B, ldb, C, ldc, K, true); break;
    case 5: Ops::template gemm_at<5>(A, lda, B, ldb, C, ldc, K, true); break;
    case 4: Ops::template gemm_at<4>(A, lda, B, ldb, C, ldc, K, true); break;
    case 3: Ops::template gemm_at<3>(A, lda, B, ldb, C, ldc, K, true); break;
    case 2: Ops::template gemm_at<2>(A, lda, B, ldb, C, ldc, K, true); break;
    default: Ops::template gemm_at<1>(A, lda, B, ldb, C, ldc, K, true); break;
  }
}

// What a tile computes of its BQ_BWD x BK_BWD block pair. Row group g (rows [g * MR, g * MR + MR)):
// scores, P and dS for keys [0, width[g]), its dQ sums keys [0, keys[g]); key group g's dV and dK sum
// rows [first_row[g], nr). When the rows' visible key counts grow down the tile (the causal diagonal),
// the parts above it that no row sees are skipped; otherwise everything is computed (the pairs masked out
// give exact zeros). width covers MR - 1 keys past a group's last visible one, so every row a key group
// reads holds that group's keys.
struct TileExtents {
  int64_t width[BQ_BWD / MR + 1], keys[BQ_BWD / MR + 1], first_row[BK_BWD / MR + 1];
};

inline TileExtents tile_extents(const int64_t* nvis, int64_t nr, int64_t nk, int64_t npad) {
  TileExtents e;
  bool grows = true;
  for (int64_t x = 1; x < nr; ++x) grows &= nvis[x] >= nvis[x - 1];
  for (int64_t x = 0; x < nr; x += MR) {
    const int64_t last = nvis[std::min<int64_t>(x + MR, nr) - 1];  // the group's most keys when they grow
    e.width[x / MR] = !grows ? npad : last == 0 ? 0 : std::min(npad, round_up(last + MR - 1, NR));
    e.keys[x / MR] = grows ? last : nk;
  }
  int64_t x = 0;
  for (int64_t j = 0; j < nk; j += MR) {
    if (grows)
      while (x < nr && nvis[x] <= j) ++x;  // rows above x see no key from j on
    e.first_row[j / MR] = x;
  }
  return e;
}

// dq of the (b, hk) group from `parts` partials per row (parts_of(r) the first, the next d16 * bh * R
// floats on): summed in chunk order, times scale; dead rows 0.
template <class PartsOf>
void write_dq(const BwdPlan& p, int64_t b, int64_t hk, const PartsOf& parts_of, int64_t parts) {
  const attn_sdpa_bwd_args& ba = *p.a;
  const attn_sdpa_args& a = ba.fwd;
  const int64_t D = a.dim_qk, step = a.batch * a.heads_kv * p.R * p.d16;
  for (int64_t r = 0; r < p.R; ++r) {
    const int64_t h = hk * p.G + r / a.len_q, i = r % a.len_q;
    float* dq = ba.dq + b * ba.dq_view.stride_b + h * ba.dq_view.stride_h + i * ba.dq_view.stride_l;
    if (!p.live[(b * a.heads_q + h) * a.len_q + i]) {
      std::fill_n(dq, D, 0.0f);
      continue;
    }
    const float* part = parts_of(r);
    for (int64_t d = 0; d < D; ++d) {
      float acc = part[d];
      for (int64_t c = 1; c < parts; ++c) acc += part[c * step + d];
      dq[d] = acc * a.scale;
    }
  }
}

// The partials' sum for the (b, hk) group t.
inline void dq_task(void* arg, int64_t t) {
  const BwdPlan& p = *static_cast<const BwdPlan*>(arg);
  const int64_t hkv = p.a->fwd.heads_kv;
  write_dq(p, t / hkv, t % hkv, [&](int64_t r) { return p.partial + (t * p.R + r) * p.d16; }, p.chunks);
}

// One task: batch b, kv head hk, key blocks [c * blocks_per_chunk, ...) of chunk c.
template <class Ops>
void bwd_task(void* arg, int64_t t) {
  const BwdPlan& p = *static_cast<const BwdPlan*>(arg);
  const attn_sdpa_bwd_args& ba = *p.a;
  const attn_sdpa_args& a = ba.fwd;
  const int64_t bh = a.batch * a.heads_kv;
  const int64_t c = t / bh, b = (t % bh) / a.heads_kv, hk = t % a.heads_kv;
  const int64_t D = a.dim_qk, Dv = a.dim_v, d16 = p.d16, dv16 = p.dv16, R = p.R, G = p.G, Lq = a.len_q;
  BwdScratch& sc = bwd_scratch();
  sc.ensure(D, d16, Dv, dv16, R);
  if (!p.partial) grow_to(sc.dq, R * d16 + 1);
  float* dq = p.partial ? p.partial + ((c * bh) + b * a.heads_kv + hk) * R * d16 : sc.dq.data();
  std::fill_n(dq, R * d16, 0.0f);

  // Row terms of the group and the keys any live row sees.
  RowState* rows = sc.rows.data();
  int64_t k_first = a.len_k, k_last = 0;
  for (int64_t r = 0; r < R; ++r) {
    const int64_t h = hk * G + r / Lq, i = r % Lq;
    RowState& row = rows[r];
    const KeyRange keys = key_range(a, b, i);
    row.mask = row_mask(a, b, h, i);
    row.bias = row_bias(a, b, h, i);
    row.lo = keys.lo;
    row.hi = keys.hi;
    if (!p.live[(b * a.heads_q + h) * Lq + i]) row.hi = row.lo;  // dead: contributes nothing
    if (row.lo < row.hi) {
      k_first = std::min(k_first, row.lo);
      k_last = std::max(k_last, row.hi);
    }
  }

  const float* kbase = a.k + b * a.k_view.stride_b + hk * a.k_view.stride_h;
  const float* vbase = a.v + b * a.v_view.stride_b + hk * a.v_view.stride_h;
  const int64_t kb_begin = c * p.blocks_per_chunk * BK_BWD;
  const int64_t kb_end = std::min(a.len_k, (c + 1) * p.blocks_per_chunk * BK_BWD);
  float *kp = sc.kp.data(), *vp = sc.vp.data(), *kr = sc.kr.data(), *dkb = sc.dk.data(), *dvb = sc.dv.data();
  float *qt = sc.qt.data(), *dot = sc.dot.data(), *S = sc.s.data(), *dP = sc.dp.data(), *dsdx = sc.dsdx.data();
  const float softcap = a.softcap;
  auto q_row = [&](int64_t r) {
    return a.q + b * a.q_view.stride_b + (hk * G + r / Lq) * a.q_view.stride_h + (r % Lq) * a.q_view.stride_l;
  };
  auto dout_row = [&](int64_t r) {
    return ba.dout + b * ba.dout_view.stride_b + (hk * G + r / Lq) * ba.dout_view.stride_h +
           (r % Lq) * ba.dout_view.stride_l;
  };

  for (int64_t kb = kb_begin; kb < kb_end; kb += BK_BWD) {
    const int64_t nblk = std::min(BK_BWD, kb_end - kb);  // keys of the block written out
    const int64_t nk = std::max<int64_t>(0, std::min(nblk, k_last - kb));  // keys any live row may see
    std::fill_n(dkb, nblk * d16, 0.0f);
    std::fill_n(dvb, nblk * dv16, 0.0f);
    if (nk > 0 && kb + nk > k_first) {
      const int64_t npan = (nk + NR - 1) / NR, npad = npan * NR;
      bool bad = pack_block<Ops>(kbase + kb * a.k_view.stride_l, a.k_view.stride_l, nk, npan, D, d16, kp, kr);
      bad |= pack_block<Ops>(vbase + kb * a.v_view.stride_l, a.v_view.stride_l, nk, npan, Dv, dv16, vp, nullptr);

      for (int64_t r0 = 0; r0 < R; r0 += BQ_BWD) {
        const int64_t nr = std::min(BQ_BWD, R - r0);
        // Keys of the block each tile row sees, [0, nvis): 0 for a row that sees none of them.
        int64_t nvis[BQ_BWD];
        bool any = false;
        for (int64_t x = 0; x < nr; ++x) {
          const RowState& row = rows[r0 + x];
          const bool vis = row.lo < row.hi && row.lo < kb + nk && row.hi > kb;
          nvis[x] = vis ? std::min(row.hi - kb, nk) : 0;
          any |= vis;
        }
        if (!any) continue;
        const TileExtents ext = tile_extents(nvis, nr, nk, npad);
        // The tile's scaled q and dOut rows, zeros for rows that see no key of the block.
        for (int64_t x = 0; x < nr; ++x) {
          const int64_t r = r0 + x;
          float* qd = qt + x * d16;
          float* gd = dot + x * dv16;
          if (nvis[x] > 0) {
            const float* q = q_row(r);
            const float* g = dout_row(r);
            for (int64_t d = 0; d < D; ++d) qd[d] = q[d] * a.scale;
            std::fill(qd + D, qd + d16, 0.0f);
            Ops::copy_row(gd, g, Dv, dv16);
          } else {
            std::fill_n(qd, d16, 0.0f);
            std::fill_n(gd, dv16, 0.0f);
          }
        }
        // S = (scale q) K^T and dP = dOut V^T, row group g's keys [0, width[g]), row stride BK_BWD.
        for (int64_t x = 0; x < nr; x += MR) {
          const int mr = static_cast<int>(std::min<int64_t>(MR, nr - x));
          const int64_t np = ext.width[x / MR] / NR;
          for (int64_t pn = 0; pn < np; ++pn) {
            gemm_rows<Ops>(mr, qt + x * d16, d16, kp + pn * D * NR, NR, S + x * BK_BWD + pn * NR, BK_BWD, D, false);
            gemm_rows<Ops>(mr, dot + x * dv16, dv16, vp + pn * Dv * NR, NR, dP + x * BK_BWD + pn * NR, BK_BWD, Dv,
                           false);
          }
        }
        // P, and dS in place of dP, per row over its group's keys.
        for (int64_t x = 0; x < nr; ++x) {
          const int64_t r = r0 + x, h = hk * G + r / Lq, i = r % Lq;
          const int64_t w = ext.width[x / MR];
          if (r + BQ_BWD < R) {  // the next tile's rows into L2 while this one computes (else read from L3)
            prefetch_row(q_row(r + BQ_BWD), D);
            prefetch_row(dout_row(r + BQ_BWD), Dv);
            prefetch_row(dq + (r + BQ_BWD) * d16, D);
          }
          float* s = S + x * BK_BWD;
          float* dp = dP + x * BK_BWD;
          const RowState& row = rows[r];
          if (nvis[x] == 0) {
            std::fill_n(s, w, -0.0f);
            std::fill_n(dp, w, 0.0f);
            continue;
          }
          float* dx = dsdx + x * BK_BWD;
          if (softcap > 0.0f) {
            Ops::softcap(s, nvis[x], softcap);
            const float inv = 1.0f / softcap;
            for (int64_t j = 0; j < nvis[x]; ++j) {
              const float u = s[j] * inv;
              dx[j] = 1.0f - u * u;
            }
          }
          float bmax;
          bool finite;
          finish_scores<Ops>(s, std::min(nk, w), w, row, kb, 0.0f, &bmax, &finite);
          float sum;
          const int64_t at = (b * a.heads_q + h) * Lq + i;
          if constexpr (Ops::kDenseExp) {
            // No -inf to mark in a row that sees all its w keys, unmasked and not a window's left edge.
            if (!bad && row.mask.kind == ATTN_MASK_NONE && nvis[x] == w && row.lo <= kb)
              Ops::exp_row_dense(s, w, p.lse[at], &sum);
            else
              Ops::exp_row(s, w, p.lse[at], &sum);  // masked keys -> -0
          } else {
            Ops::exp_row(s, w, p.lse[at], &sum);
          }
          const float Di = p.rowD[at];
          if (bad) {
            // Exact: a masked pair's dP may be NaN (a hidden v), and must add nothing.
            for (int64_t j = 0; j < w; ++j) dp[j] = is_masked_p(s[j]) ? 0.0f : s[j] * (dp[j] - Di);
          } else {
            for (int64_t j = 0; j < w; ++j) dp[j] = s[j] * (dp[j] - Di);
          }
          if (softcap > 0.0f)
            for (int64_t j = 0; j < nvis[x]; ++j) dp[j] *= dx[j];
        }
        // dV += P^T dOut, dK += dS^T (scale q): key group j's reduction over the rows [first_row[j], nr).
        for (int64_t j = 0; j < nk; j += MR) {
          const int mr = static_cast<int>(std::min<int64_t>(MR, nk - j));
          const int64_t x0 = ext.first_row[j / MR];
          if (x0 >= nr) continue;
          for (int64_t pn = 0; pn < dv16 / NR; ++pn)
            gemm_at_rows<Ops>(mr, S + x0 * BK_BWD + j, BK_BWD, dot + x0 * dv16 + pn * NR, dv16, dvb + j * dv16 + pn * NR,
                              dv16, nr - x0);
          for (int64_t pn = 0; pn < d16 / NR; ++pn)
            gemm_at_rows<Ops>(mr, dP + x0 * BK_BWD + j, BK_BWD, qt + x0 * d16 + pn * NR, d16, dkb + j * d16 + pn * NR,
                              d16, nr - x0);
        }
        // dQ (unscaled) += dS K, row group g's keys [0, keys[g]).
        for (int64_t x = 0; x < nr; x += MR) {
          const int mr = static_cast<int>(std::min<int64_t>(MR, nr - x));
          const int64_t kq = ext.keys[x / MR];
          if (kq == 0) continue;
          float* dqx = dq + (r0 + x) * d16;
          if (!bad) {
            for (int64_t pn = 0; pn < d16 / NR; ++pn)
              gemm_rows<Ops>(mr, dP + x * BK_BWD, BK_BWD, kr + pn * NR, d16, dqx + pn * NR, d16, kq, true);
          } else {
            for (int64_t y = 0; y < mr; ++y)
              for (int64_t j = 0; j < kq; ++j) {
                if (is_masked_p(S[(x + y) * BK_BWD + j])) continue;
                const float g = dP[(x + y) * BK_BWD + j];
                for (int64_t d = 0; d < D; ++d) dqx[y * d16 + d] += g * kr[j * d16 + d];
              }
          }
        }
      }
    }
    float* dk = ba.dk + b * ba.dk_view.stride_b + hk * ba.dk_view.stride_h;
    float* dv = ba.dv + b * ba.dv_view.stride_b + hk * ba.dv_view.stride_h;
    for (int64_t j = 0; j < nblk; ++j) {
      std::copy_n(dkb + j * d16, D, dk + (kb + j) * ba.dk_view.stride_l);
      std::copy_n(dvb + j * dv16, Dv, dv + (kb + j) * ba.dv_view.stride_l);
    }
  }
  if (!p.partial) write_dq(p, b, hk, [&](int64_t r) { return dq + r * d16; }, 1);
}

// The backward pass; lse must be given (a.lse, [B, Hq, Lq]).
// Zeros of a [B, H, L, dim] view.
inline void zero_view(float* x, const attn_view& v, int64_t B, int64_t H, int64_t L, int64_t dim) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t l = 0; l < L; ++l) std::fill_n(x + b * v.stride_b + h * v.stride_h + l * v.stride_l, dim, 0.0f);
}

template <class Ops>
void sdpa_backward(const attn_sdpa_bwd_args& ba, const ParallelFor* pf) {
  const attn_sdpa_args& a = ba.fwd;
  if (a.batch <= 0 || a.heads_q <= 0 || a.heads_kv <= 0 || a.len_q <= 0 || a.len_k <= 0) {  // no score: zeros
    zero_view(ba.dq, ba.dq_view, a.batch, a.heads_q, a.len_q, a.dim_qk);
    zero_view(ba.dk, ba.dk_view, a.batch, a.heads_kv, a.len_k, a.dim_qk);
    zero_view(ba.dv, ba.dv_view, a.batch, a.heads_kv, a.len_k, a.dim_v);
    if (ba.dsinks) std::fill_n(ba.dsinks, std::max<int64_t>(0, a.heads_q), 0.0f);
    return;
  }
  BwdPlan p{};
  p.a = &ba;
  p.lse = ba.lse;
  p.G = a.heads_q / a.heads_kv;
  p.R = p.G * a.len_q;
  p.d16 = round_up(a.dim_qk, NR);
  p.dv16 = round_up(a.dim_v, NR);
  p.nkb = (a.len_k + BK_BWD - 1) / BK_BWD;
  const int64_t bh = a.batch * a.heads_kv;
  const double copy_bytes = 4.0 * double(bh) * double(p.R) * double(std::max<int64_t>(p.d16, 1));
  int64_t chunks = std::min(p.nkb, (BWD_TASKS + bh - 1) / bh);
  chunks = std::max<int64_t>(1, std::min<int64_t>(chunks, static_cast<int64_t>(BWD_PARTIAL_BYTES / copy_bytes)));
  p.blocks_per_chunk = (p.nkb + chunks - 1) / chunks;
  p.chunks = (p.nkb + p.blocks_per_chunk - 1) / p.blocks_per_chunk;

  const int64_t nrows = a.batch * a.heads_q * a.len_q;
  std::vector<float> rowD(static_cast<size_t>(nrows));
  std::vector<uint8_t> live(static_cast<size_t>(nrows));
  // Uninitialised: each task zeroes its own partial, in parallel.
  std::unique_ptr<float[]> partial(p.chunks > 1 ? new float[static_cast<size_t>(p.chunks * bh * p.R * p.d16)] : nullptr);
  p.rowD = rowD.data();
  p.live = live.data();
  p.partial = partial.get();
  parallel_for(pf, a.batch * a.heads_q, rows_task, &p);
  parallel_for(pf, p.chunks * bh, bwd_task<Ops>, &p);
  if (p.chunks > 1) parallel_for(pf, bh, dq_task, &p);
  if (ba.dsinks) {
    for (int64_t h = 0; h < a.heads_q; ++h) {
      double sum = 0;
      if (a.sinks)
        for (int64_t b = 0; b < a.batch; ++b)
          for (int64_t i = 0; i < a.len_q; ++i) {
            const int64_t at = (b * a.heads_q + h) * a.len_q + i;
            if (live[at]) sum -= std::exp(double(a.sinks[h]) - double(p.lse[at])) * double(rowD[at]);
          }
      ba.dsinks[h] = static_cast<float>(sum);
    }
  }
}

}  // namespace
}  // namespace flash
}  // namespace attnkit
