// The direct (decode) paths of the fused forward pass: tasks of at most DIRECT_MAX_ROWS rows per kv
// head read K and V rows in place, unpacked. One row: run_rows_direct_pipelined; 2..8 rows:
// run_rows_direct_interleaved (dots_rows2 and pv_block), or run_rows_direct_wide for 4 and 8 rows where
// the Ops have dots4x4 and pv4x64; K/V of every kv head side by side (bshd): run_heads_direct and
// run_heads_blocked, one task for all heads (heads_task). Software prefetch keeps the K and V streams
// ahead where the hardware prefetcher does not.
#pragma once
#include "softmax.h"

namespace attnkit {
namespace flash {
namespace {  // private to each ISA translation unit (see tiling.h)

template <class Ops, class KV>
void dots_rows(int R, const float* q, int64_t D, const KV* k, float* s) {
  with_rows(R, [&](auto rows) { Ops::template dots<decltype(rows)::value>(q, D, D, k, s, BK); });
}

// Scores of R rows against keys k0 and k1: s[r * BK] and s[r * BK + 1]. A block's lone last key
// passes k1 = k0 (s[r * BK + 1] is then a padding column, which the softmax sets to -inf), so every
// key's score comes from the same reduction whatever its place in the block. pk0, pk1 (or nullptr):
// two k rows to prefetch, by dots2 beside its loads, else whole before the dots; Paced (Ops with
// kSpreadPrefetch only): two spans of two rows each, at the pace k0 and k1 are read (see dots2).
template <class Ops, bool Paced = false, class KV>
void dots_rows2(int R, const float* q, int64_t D, const KV* k0, const KV* k1, float* s, const KV* pk0 = nullptr,
                const KV* pk1 = nullptr) {
  if constexpr (Ops::kDots2) {
    switch (R) {
      case 8: case 7: case 6: case 5:  // two passes of at most 4 rows; the second reads k0, k1 from L1
        Ops::template dots2<4, Paced>(q, D, D, k0, k1, s, BK, pk0, pk1);
        dots_rows2<Ops>(R - 4, q + 4 * D, D, k0, k1, s + 4 * BK);
        return;
      case 4: Ops::template dots2<4, Paced>(q, D, D, k0, k1, s, BK, pk0, pk1); return;
      case 3: Ops::template dots2<3, Paced>(q, D, D, k0, k1, s, BK, pk0, pk1); return;
      case 2: Ops::template dots2<2, Paced>(q, D, D, k0, k1, s, BK, pk0, pk1); return;
      default: break;
    }
  }
  for (const KV* row : {pk0, pk1})
    if (row) prefetch_row(row, Paced ? 2 * D : D);
  dots_rows<Ops>(R, q, D, k0, s);
  dots_rows<Ops>(R, q, D, k1, s + 1);
}

template <class Ops, class KV>
void axpy_rows(int R, float* o, int64_t ldo, const float* p, const KV* v, int64_t n) {
  with_rows(R, [&](auto rows) { Ops::template axpy<decltype(rows)::value>(o, ldo, p, BK, v, n); });
}

// Decode-sized tasks skip packing: each K and V row is read once for all rows, straight from the
// caller's buffers.
//
// One row (MHA decode): software-pipelined over key blocks: while the dot products of block b stream
// its K rows, the P·V update of block b-1 streams its V rows, a step of KEYS keys of each in turn, so K
// and V reads are in flight together. (Block b's softmax, which rescales O, runs once b-1's P·V is
// done.)
// - float K/V: a step is one key, and the hardware prefetcher alone follows both streams (four-key
//   steps and software prefetch were slower).
// - 16-bit K/V (half the bytes per key for the same arithmetic, plus the conversions): with
//   Ops::kDecodeRow4 a step is four keys (dots1x4, axpy1x4: fewer reductions, O loaded and stored once
//   per four keys), and each step prefetches whole rows, v rows PF_ROW_V_AHEAD keys ahead of the P·V
//   and k rows PF_ROW_K_AHEAD ahead of the dots: without it the V stream falls behind.
// Whole rows prefetched this many keys ahead: v and k rows here, k rows by run_rows_direct_interleaved.
constexpr int64_t PF_ROW_V_AHEAD = 16;
constexpr int64_t PF_ROW_K_AHEAD = 8;
template <class Ops, class KV>
void run_rows_direct_pipelined(const attn_sdpa_args& a, int64_t dv16, const KV* kbase, const KV* vbase,
                               int64_t k_first, int64_t k_last, const float* qp, float* S, float* O, float* M, float* L,
                               const std::vector<RowState>& rows) {
  constexpr bool half = !std::is_same<KV, float>::value;
  constexpr bool row4 = half && Ops::kDecodeRow4;
  constexpr int64_t KEYS = row4 ? 4 : 1;
  const int64_t D = a.dim_qk, Dv = a.dim_v, ldk = a.k_view.stride_l, ldv = a.v_view.stride_l;
  float* const buf[2] = {S, S + BK};
  const float* Sp = nullptr;  // the previous block's probabilities, P·V pending
  int64_t prev_kb = 0, prev_n = 0;
  // Prefetches the rows (n elements, stride ld) of keys [key, key + KEYS) below k_last.
  auto prefetch_rows = [&](const KV* base, int64_t ld, int64_t n, int64_t key) {
    if (row4)
      for (int64_t j = key; j < std::min(key + KEYS, k_last); ++j) prefetch_row(base + j * ld, n);
  };
  // O += p_j v_j for keys [j, min(j + KEYS, prev_n)) of the previous block. A masked key (p = -0) never
  // touches its v row, which may hold NaN garbage.
  auto pv_step = [&](int64_t j) {
    prefetch_rows(vbase, ldv, Dv, prev_kb + j + PF_ROW_V_AHEAD);
    if constexpr (row4) {
      if (j + 4 <= prev_n && !is_masked_p(Sp[j]) && !is_masked_p(Sp[j + 1]) && !is_masked_p(Sp[j + 2]) &&
          !is_masked_p(Sp[j + 3])) {
        const KV* const v[4] = {vbase + (prev_kb + j) * ldv, vbase + (prev_kb + j + 1) * ldv,
                                vbase + (prev_kb + j + 2) * ldv, vbase + (prev_kb + j + 3) * ldv};
        Ops::axpy1x4(O, Sp + j, v, Dv);
        return;
      }
    }
    for (int64_t jj = j; jj < std::min(j + KEYS, prev_n); ++jj)
      if (!is_masked_p(Sp[jj])) Ops::template axpy<1>(O, dv16, Sp + jj, BK, vbase + (prev_kb + jj) * ldv, Dv);
  };
  // Scores of keys [kb + j, kb + j + KEYS) into s[j..]; past the block's last key the last key repeats
  // into padding columns (below npad), which the softmax sets to -inf.
  auto dots_step = [&](int64_t kb, int64_t nk, int64_t j, float* s) {
    if (D == 0) {
      std::fill_n(s + j, KEYS, 0.0f);
      return;
    }
    prefetch_rows(kbase, ldk, D, kb + j + PF_ROW_K_AHEAD);
    if constexpr (row4) {
      const KV* k[4];
      for (int u = 0; u < 4; ++u) k[u] = kbase + (kb + std::min<int64_t>(j + u, nk - 1)) * ldk;
      Ops::dots1x4(qp, D, k, s + j);
    } else {
      Ops::template dots<1>(qp, D, D, kbase + (kb + j) * ldk, s + j, BK);
    }
  };
  int cur = 0;
  for (int64_t kb = k_first; kb < k_last; kb += BK_DIRECT) {
    const int64_t nk = std::min(BK_DIRECT, k_last - kb), npad = round_up(nk, NR);
    float* Sc = buf[cur];
    const bool pv = Sp != nullptr && Dv > 0;
    for (int64_t j = 0; j < nk; j += KEYS) {
      dots_step(kb, nk, j, Sc);
      if (pv && j < prev_n) pv_step(j);
    }
    if (pv)
      for (int64_t j = round_up(nk, KEYS); j < prev_n; j += KEYS) pv_step(j);
    softmax_block<Ops>(Sc, 1, 0, kb, nk, npad, rows, a.softcap, M, L, O, dv16);
    Sp = Sc;
    prev_kb = kb;
    prev_n = nk;
    cur ^= 1;
  }
  if (Sp != nullptr && Dv > 0)
    for (int64_t j = 0; j < prev_n; j += KEYS) pv_step(j);
}

// o_r += p_r v for the R rows (o stride dv16, p stride BK) whose p is not a masked key's -0: exact,
// a masked key never touches its v row, which may hold NaN garbage.
template <class Ops, class KV>
void axpy_visible(int R, float* o, int64_t dv16, const float* p, const KV* v, int64_t Dv) {
  for (int r = 0; r < R; ++r)
    if (!is_masked_p(p[r * BK])) Ops::template axpy<1>(o + r * dv16, dv16, p + r * BK, BK, v, Dv);
}

// Decode rows per kv head that take Ops::dots4x4 and Ops::pv4x64 (kWideDecode): see dots_block_wide.
inline bool wide_decode_rows(int64_t rows) { return rows == 4 || rows == 8; }

// Whether the wide decode kernels serve K/V of type KV: they read float rows only (16-bit K/V take
// dots_rows2 and the GEMM on v).
template <class Ops, class KV>
constexpr bool wide_decode() { return Ops::kWideDecode && std::is_same<KV, float>::value; }

// Whether pv_block's P·V runs in micro-kernels (pv4x64 or the small GEMM on v) that can prefetch the
// next block's v rows beside their FMAs.
template <class Ops>
inline bool pv_prefetches(const attn_sdpa_args& a, int R, bool any_masked) {
  return Ops::kKernelPrefetch && !any_masked && a.dim_v > 0 && a.dim_v % NR == 0 && R >= 2;
}

// O (R rows, stride dv16) += P V for keys [kb, kb + nk), P in S (row stride BK), v rows read in place.
// Where pv_prefetches, the v rows of keys [kb + nk, kb + nk + pf_n) are prefetched into L2 meanwhile.
template <class Ops, class KV>
ATTNKIT_FLASH_INLINE void pv_block(const attn_sdpa_args& a, int64_t dv16, const KV* vbase, int R, int64_t kb, int64_t nk, bool any_masked,
              const float* S, float* O, int64_t pf_n = 0) {
  const int64_t Dv = a.dim_v, ldv = a.v_view.stride_l;
  if (Dv == 0) return;
  if constexpr (wide_decode<Ops, KV>()) {
    if (!any_masked && Dv % 64 == 0 && wide_decode_rows(R)) {
      for (int r0 = 0; r0 < R; r0 += 4)
        for (int64_t c = 0; c < Dv; c += 64)
          Ops::pv4x64(O + r0 * dv16 + c, dv16, S + r0 * BK, BK, vbase + kb * ldv + c, ldv, nk,
                      pf_n > 0 ? vbase + (kb + nk) * ldv + c : nullptr, r0 == 0 ? pf_n : 0);
      return;
    }
  }
  if (!any_masked && Dv % NR == 0 && R >= 2) {
    // Several rows (GQA decode): a small GEMM on v in place, O stays in registers per panel.
    for (int64_t r0 = 0; r0 < R; r0 += MR)
      for (int64_t c = 0; c < Dv; c += NR)
        gemm_rows<Ops>(static_cast<int>(std::min<int64_t>(MR, R - r0)), S + r0 * BK, BK, vbase + kb * ldv + c, ldv,
                       O + r0 * dv16 + c, dv16, nk, true, pf_n > 0 ? vbase + (kb + nk) * ldv + c : nullptr,
                       r0 == 0 ? pf_n : 0);
    return;
  }
  for (int64_t j = 0; j < nk; ++j) {
    const KV* vr = vbase + (kb + j) * ldv;
    int live = 0;
    if (any_masked)
      for (int r = 0; r < R; ++r) live += !is_masked_p(S[r * BK + j]);
    if (!any_masked || live == R)
      axpy_rows<Ops>(R, O, dv16, S + j, vr, Dv);
    else
      axpy_visible<Ops>(R, O, dv16, S + j, vr, Dv);
  }
}

// k rows prefetched this many keys ahead by the wide decode kernels (dots4x4, a line beside each load):
// near enough that a task's first keys do not wait on a whole block of misses, far enough to cover the
// latency.
constexpr int64_t PF_K_AHEAD = 16;

// The k row keys_ahead keys after `row` (key `key`, row stride ld), to prefetch; past the last key the
// row itself (in L1 already) stands in, so no prefetch address leaves K.
template <class KV>
inline const KV* row_ahead(const KV* row, int64_t key, int64_t keys_ahead, int64_t ld, int64_t k_last) {
  return key + keys_ahead < k_last ? row + keys_ahead * ld : row;
}

// Scores by Ops::dots4x4 (kWideDecode) of R = 4 or 8 rows per kv head, for keys [kb, kb + nk) of `heads`
// kv heads whose K / V rows lie hsk / hsv apart (one head from bhsd; every head of a key side by side
// from bshd): head h's rows are qp + h * R * D and S + h * R * BK. Four keys at a time, heads inner (bshd
// rows in address order). The k rows pf_keys keys ahead are prefetched by dots4x4 itself, a line per
// step rather than in bursts of whole rows; with prefetch_v, each key's v row too, in a burst
// (otherwise the previous block's P·V has prefetched them).
// A block's last keys repeat the last key (their columns are padding). With pv_block's pv4x64 this
// serves 4 and 8 rows only; other row counts take dots_rows2 (a form templated on every row count was
// slower).
template <class Ops>
void dots_block_wide(const attn_sdpa_args& a, const float* kbase, const float* vbase, int64_t heads, int64_t hsk,
                     int64_t hsv, int R, int64_t kb, int64_t nk, int64_t k_last, int64_t pf_keys, const float* qp,
                     float* S, bool prefetch_v) {
  const int64_t D = a.dim_qk, Dv = a.dim_v, ldk = a.k_view.stride_l, ldv = a.v_view.stride_l;
  for (int64_t j = 0; j < nk; j += 4)
    for (int64_t h = 0; h < heads; ++h) {
      const float *kr[4], *ahead[4];
      for (int u = 0; u < 4; ++u) {
        const int64_t key = kb + std::min<int64_t>(j + u, nk - 1);
        kr[u] = kbase + key * ldk + h * hsk;
        ahead[u] = row_ahead(kr[u], key, pf_keys, ldk, k_last);
        if (prefetch_v && Dv > 0 && j + u < nk) prefetch_row(vbase + key * ldv + h * hsv, Dv);
      }
      const float* q = qp + h * R * D;
      float* s = S + h * R * BK + j;
      Ops::dots4x4(q, D, D, kr, s, BK, ahead);
      if (R == 8) Ops::dots4x4(q + 4 * D, D, D, kr, s + 4 * BK, BK);  // the four k rows are in L1 now
    }
}

// Decode-sized tasks of 4 or 8 rows where the Ops have the wide kernels (wide_decode, float K/V): per key
// block, the dots (dots_block_wide), then the softmax, then P·V (pv4x64). K rows are prefetched
// PF_K_AHEAD keys ahead by dots4x4; v rows a block ahead by the previous block's pv4x64 (else in a
// burst beside the dots). Other row counts and K/V types take run_rows_direct_interleaved.
template <class Ops>
void run_rows_direct_wide(const attn_sdpa_args& a, int64_t dv16, const float* kbase, const float* vbase, int R,
                          int64_t k_first, int64_t k_last, const float* qp, float* S, float* O, float* M, float* L,
                          const std::vector<RowState>& rows) {
  bool v_ahead = false;  // this block's v rows were prefetched by the previous block's P·V
  for (int64_t kb = k_first; kb < k_last; kb += BK_DIRECT) {
    const int64_t nk = std::min(BK_DIRECT, k_last - kb), npad = round_up(nk, NR);
    dots_block_wide<Ops>(a, kbase, vbase, 1, 0, 0, R, kb, nk, k_last, PF_K_AHEAD, qp, S, !v_ahead);
    const bool any_masked = softmax_block<Ops>(S, R, 0, kb, nk, npad, rows, a.softcap, M, L, O, dv16);
    // The next block's v rows load during this P·V, a line beside each key's FMAs.
    const int64_t pf_n = pv_prefetches<Ops>(a, R, any_masked) ? std::min(BK_DIRECT, k_last - kb - nk) : 0;
    pv_block<Ops>(a, dv16, vbase, R, kb, nk, any_masked, S, O, pf_n);
    v_ahead = pf_n > 0;
  }
}

// Keys per step of run_rows_direct_interleaved: the dots of this many keys of one block, then the P·V
// of as many keys of the block before.
constexpr int64_t STEP_KEYS = 16;

// Decode-sized tasks of 2..DIRECT_MAX_ROWS rows (GQA decode, short query blocks), key blocks of
// BK_DIRECT: the dots of block b (keys in pairs, dots_rows2) read K while the P·V of block b-1 (pv_block)
// reads V, STEP_KEYS keys of each in turn, so both streams are in flight together rather than K alone,
// then V alone. Block b's softmax runs once b-1's P·V is done. Each output element is the same FMA chain
// over the keys in order, whatever the step. Software prefetch (the hardware prefetcher alone runs only
// a few lines ahead of a demand stream this slow):
// - Ops::kSpreadPrefetch, float16 K/V whose rows are each one run of memory (ld = D = Dv, as a KVCache's):
//   dots2 prefetches, a line beside its loads, the two k rows and the two v rows PF_SPREAD_KEYS keys
//   ahead of those the step reads, so both streams stay paced and ahead (how a synthetic loop with this
//   arithmetic hides it under the reads: 2026-12-07-read-yardsticks.md);
// - otherwise whole k rows PF_ROW_K_AHEAD keys ahead, a burst per key pair, and the next step's v rows
//   beside the P·V FMAs (kKernelPrefetch).
constexpr int64_t PF_SPREAD_KEYS = 16;
template <class Ops, class KV>
void run_rows_direct_interleaved(const attn_sdpa_args& a, int64_t dv16, const KV* kbase, const KV* vbase, int R,
                                 int64_t k_first, int64_t k_last, const float* qp, float* S, float* O, float* M,
                                 float* L, const std::vector<RowState>& rows) {
  const int64_t D = a.dim_qk, Dv = a.dim_v, ldk = a.k_view.stride_l;
  float* const buf[2] = {S, S + BK_DIRECT};  // a row's two 64-key halves (BK = 2 * BK_DIRECT)
  const float* Sp = nullptr;                 // the previous block's probabilities, P·V pending
  int64_t prev_kb = 0, prev_n = 0;
  bool prev_masked = false;
  const int64_t ldv = a.v_view.stride_l;
  // float16 only: float32 and bfloat16 K/V read no faster with it (2026-12-07-read-yardsticks.md).
  const bool spread = Ops::kSpreadPrefetch && std::is_same<KV, f16_t>::value && D > 0 && Dv == D && ldk == D &&
                      ldv == D;
  // P·V of keys [s0, s1) of the previous block; unless the dots beside it prefetch them (spread), the v
  // rows of the next step's keys are prefetched.
  auto pv_step = [&](int64_t s0, int64_t s1, bool dots_beside) {
    if (s0 >= s1) return;
    const int64_t pf_n = !(spread && dots_beside) && pv_prefetches<Ops>(a, R, prev_masked)
                             ? std::max<int64_t>(0, std::min(STEP_KEYS, k_last - (prev_kb + s1)))
                             : 0;
    pv_block<Ops>(a, dv16, vbase, R, prev_kb + s0, s1 - s0, prev_masked, Sp + s0, O, pf_n);
  };
  // The rows of `key` and key + 1 from base (adjacent) if both are rows the task reads, else nullptr.
  auto rows_if = [&](const KV* base, int64_t key) {
    return key >= k_first && key + 1 < k_last ? base + key * D : nullptr;
  };
  int cur = 0;
  for (int64_t kb = k_first; kb < k_last; kb += BK_DIRECT) {
    const int64_t nk = std::min(BK_DIRECT, k_last - kb), npad = round_up(nk, NR);
    float* Sc = buf[cur];
    for (int64_t s0 = 0; s0 < std::max(nk, Sp ? prev_n : 0); s0 += STEP_KEYS) {
      for (int64_t j = s0; j < std::min(nk, s0 + STEP_KEYS); j += 2) {
        const int64_t j1 = std::min(j + 1, nk - 1);
        const KV *k0 = kbase + (kb + j) * ldk, *k1 = kbase + (kb + j1) * ldk;
        if (spread) {
          // k rows ahead of this pair; v rows ahead of the previous block's P·V beside these dots.
          const int64_t kk = kb + j + PF_SPREAD_KEYS, vk = kb - BK_DIRECT + j + PF_SPREAD_KEYS;
          dots_rows2<Ops, Ops::kSpreadPrefetch>(R, qp, D, k0, k1, Sc + j, rows_if(kbase, kk), rows_if(vbase, vk));
          continue;
        }
        for (int64_t key = kb + j + PF_ROW_K_AHEAD; key <= std::min(k_last - 1, kb + j1 + PF_ROW_K_AHEAD); ++key)
          prefetch_row(kbase + key * ldk, D);
        if (D > 0)
          dots_rows2<Ops>(R, qp, D, k0, k1, Sc + j);
        else
          for (int r = 0; r < R; ++r) Sc[r * BK + j] = Sc[r * BK + j + 1] = 0.0f;
      }
      if (Sp && Dv > 0) pv_step(s0, std::min(prev_n, s0 + STEP_KEYS), s0 < nk);
    }
    prev_masked = softmax_block<Ops>(Sc, R, 0, kb, nk, npad, rows, a.softcap, M, L, O, dv16);
    Sp = Sc;
    prev_kb = kb;
    prev_n = nk;
    cur ^= 1;
  }
  if (Sp && Dv > 0)
    for (int64_t s0 = 0; s0 < prev_n; s0 += STEP_KEYS) pv_step(s0, std::min(prev_n, s0 + STEP_KEYS), false);
}

// Sets up the Rg rows of every kv head of batch entry b (head hk's from row hk * Rg) as init_rows
// does for one head, and zeroes their O. Returns the rows; [k_first, k_last) = every key a row sees.
inline std::vector<RowState> init_heads(const Plan& p, Scratch& sc, int64_t b, int64_t Rg, int64_t k_begin,
                                        int64_t k_end, bool with_sinks, int64_t& k_first, int64_t& k_last) {
  const attn_sdpa_args& a = *p.a;
  std::vector<RowState> rows(static_cast<size_t>(a.heads_kv * Rg));
  k_first = k_end;
  k_last = k_begin;
  for (int64_t hk = 0; hk < a.heads_kv; ++hk)
    init_rows(p, b, hk, 0, a.len_q, k_begin, k_end, with_sinks, sc.qp.data() + hk * Rg * a.dim_qk,
              rows.data() + hk * Rg, sc.m.data() + hk * Rg, sc.l.data() + hk * Rg, k_first, k_last);
  std::fill_n(sc.o.data(), a.heads_kv * Rg * p.dv16, 0.0f);
  return rows;
}

// Decode with every kv head's K/V rows side by side (bshd: key l's rows of all heads are one run of
// memory). Walking one head at a time would read 512-byte rows a page apart, which neither the
// hardware prefetcher nor the TLB follows. Here one task takes
// keys [k_begin, k_end) for all Hkv * Rg rows (Rg = G * Lq <= 2 rows per kv head, rows of head hk from
// hk * Rg). Per key block: every key's K rows of all heads in address order (the dots), the softmax,
// then every key's V rows likewise (P·V), each v row prefetched PF_V_KEYS keys ahead. Leaves m, l, O
// of every row in scratch.
// Not the one-row pipeline of run_rows_direct_pipelined: across 32 heads q and O take 16 KiB each,
// and a pipeline that needs both at every key keeps the 32 KiB L1 full beside the K and V lines
// streaming through. Only v is prefetched: prefetching k does not help. (On one head, bhsd, the
// pipeline is faster.)
constexpr int64_t PF_V_KEYS = 2;  // v rows prefetched this many keys ahead: a few keys cover the latency
template <class Ops, class KV, int Rg>
void run_heads_direct(const Plan& p, Scratch& sc, int64_t b, int64_t k_begin, int64_t k_end, bool with_sinks) {
  const attn_sdpa_args& a = *p.a;
  const int64_t D = a.dim_qk, Dv = a.dim_v, dv16 = p.dv16, Hkv = a.heads_kv;
  const int64_t ldk = a.k_view.stride_l, ldv = a.v_view.stride_l, hsk = a.k_view.stride_h, hsv = a.v_view.stride_h;
  float *const qp = sc.qp.data(), *const S = sc.s.data(), *const O = sc.o.data();
  int64_t k_first, k_last;
  const std::vector<RowState> rows = init_heads(p, sc, b, Rg, k_begin, k_end, with_sinks, k_first, k_last);

  const KV* kbase = k_rows<KV>(a) + b * a.k_view.stride_b;
  const KV* vbase = v_rows<KV>(a) + b * a.v_view.stride_b;
  std::vector<char> masked(static_cast<size_t>(Hkv));  // this block of head hk holds masked keys
  for (int64_t kb = k_first; kb < k_last; kb += BK_DIRECT) {
    const int64_t nk = std::min(BK_DIRECT, k_last - kb), npad = round_up(nk, NR);
    for (int64_t j = 0; j < nk; ++j) {
      const KV* krow = kbase + (kb + j) * ldk;
      for (int64_t hk = 0; hk < Hkv; ++hk) {
        float* sh = S + hk * Rg * BK + j;
        if (D > 0)
          Ops::template dots<Rg>(qp + hk * Rg * D, D, D, krow + hk * hsk, sh, BK);
        else
          for (int r = 0; r < Rg; ++r) sh[r * BK] = 0.0f;
      }
    }
    for (int64_t hk = 0; hk < Hkv; ++hk)
      masked[hk] = softmax_block<Ops>(S + hk * Rg * BK, Rg, hk * Rg, kb, nk, npad, rows, a.softcap, sc.m.data(),
                                      sc.l.data(), O, dv16);
    if (Dv == 0) continue;
    for (int64_t j = 0; j < nk; ++j) {
      const KV* vrow = vbase + (kb + j) * ldv;
      const bool ahead = kb + j + PF_V_KEYS < k_last;
      for (int64_t hk = 0; hk < Hkv; ++hk) {
        if (ahead) prefetch_row(vrow + PF_V_KEYS * ldv + hk * hsv, Dv);
        const float* ph = S + hk * Rg * BK + j;
        float* o = O + hk * Rg * dv16;
        if (!masked[hk])
          Ops::template axpy<Rg>(o, dv16, ph, BK, vrow + hk * hsv, Dv);
        else
          axpy_visible<Ops>(Rg, o, dv16, ph, vrow + hk * hsv, Dv);
      }
    }
  }
}

// As run_heads_direct, for 3..DIRECT_MAX_ROWS rows per kv head (GQA decode from a bshd cache). Per
// key block: the dots of every head, key by key, so each key's K rows of all heads are read in
// address order; then per head the softmax and P·V as the blocked path's GEMM on v in place. Software
// prefetch is spread one head's row at a time: this key's v row and the k row PF_KEYS keys ahead
// (spread out rather than a burst of whole rows per head, which was slower).
constexpr int64_t PF_KEYS = 8;  // k rows prefetched this many keys ahead, one head's row at a time
template <class Ops, class KV>
void run_heads_blocked(const Plan& p, Scratch& sc, int64_t b, int64_t k_begin, int64_t k_end, bool with_sinks) {
  const attn_sdpa_args& a = *p.a;
  const int64_t D = a.dim_qk, Dv = a.dim_v, dv16 = p.dv16, Hkv = a.heads_kv, Rg = p.G * a.len_q;
  const int64_t ldk = a.k_view.stride_l, ldv = a.v_view.stride_l, hsk = a.k_view.stride_h, hsv = a.v_view.stride_h;
  float *const qp = sc.qp.data(), *const S = sc.s.data(), *const O = sc.o.data();
  int64_t k_first, k_last;
  const std::vector<RowState> rows = init_heads(p, sc, b, Rg, k_begin, k_end, with_sinks, k_first, k_last);

  const KV* kbase = k_rows<KV>(a) + b * a.k_view.stride_b;
  const KV* vbase = v_rows<KV>(a) + b * a.v_view.stride_b;
  bool v_ahead = false;  // as in run_rows_direct_wide, for every head
  for (int64_t kb = k_first; kb < k_last; kb += BK_DIRECT) {
    const int64_t nk = std::min(BK_DIRECT, k_last - kb), npad = round_up(nk, NR);
    bool wide = false;
    if constexpr (wide_decode<Ops, KV>()) {
      wide = wide_decode_rows(Rg) && D > 0;
      if (wide)
        dots_block_wide<Ops>(a, kbase, vbase, Hkv, hsk, hsv, static_cast<int>(Rg), kb, nk, k_last, PF_KEYS, qp, S,
                             !v_ahead);
    }
    for (int64_t j = 0; j < nk && !wide; j += 2) {
      const int64_t j1 = std::min(j + 1, nk - 1);
      const KV* krow = kbase + (kb + j) * ldk;
      const KV* krow1 = kbase + (kb + j1) * ldk;
      for (int64_t hk = 0; hk < Hkv; ++hk) {
        for (int64_t jj = j; jj <= j1 && !v_ahead; ++jj)
          if (Dv > 0) prefetch_row(vbase + (kb + jj) * ldv + hk * hsv, Dv);
        float* sh = S + hk * Rg * BK + j;
        const KV *k0 = krow + hk * hsk, *k1 = krow1 + hk * hsk;
        if (D > 0)
          dots_rows2<Ops>(static_cast<int>(Rg), qp + hk * Rg * D, D, k0, k1, sh,
                          row_ahead(k0, kb + j, PF_KEYS, ldk, k_last), row_ahead(k1, kb + j1, PF_KEYS, ldk, k_last));
        else
          for (int r = 0; r < Rg; ++r) sh[r * BK] = sh[r * BK + 1] = 0.0f;
      }
    }
    bool all_ahead = true;
    for (int64_t hk = 0; hk < Hkv; ++hk) {
      float* sh = S + hk * Rg * BK;
      const bool any_masked = softmax_block<Ops>(sh, static_cast<int>(Rg), hk * Rg, kb, nk, npad, rows, a.softcap,
                                                 sc.m.data(), sc.l.data(), O, dv16);
      const bool ahead = pv_prefetches<Ops>(a, static_cast<int>(Rg), any_masked);
      all_ahead &= ahead;
      pv_block<Ops>(a, dv16, vbase + hk * hsv, static_cast<int>(Rg), kb, nk, any_masked, sh, O + hk * Rg * dv16,
                    ahead ? std::min(BK_DIRECT, k_last - kb - nk) : 0);
    }
    v_ahead = all_ahead && kb + nk < k_last;
  }
}

// Interleaved-heads task t = (b, chunk): every kv head over one key chunk; with one chunk the rows
// start from their sinks and are written out, else their partials go to the merge (as split_task).
template <class Ops, class KV>
void heads_task(void* arg, int64_t t) {
  const Plan& p = *static_cast<const Plan*>(arg);
  const attn_sdpa_args& a = *p.a;
  const int64_t c = t % p.nchunk, b = t / p.nchunk;
  const int64_t Rg = p.G * a.len_q, R = a.heads_kv * Rg;
  Scratch& sc = scratch();
  sc.ensure(R, a.dim_qk, p.dv16, R);
  const bool whole = p.nchunk == 1;
  const int64_t k_begin = c * p.chunk, k_end = std::min(a.len_k, (c + 1) * p.chunk);
  // One or two rows per kv head: the one-row pipeline across heads, its micro-kernels inlined with
  // constant row counts; more: the blocked path across heads.
  if (Rg == 1)
    run_heads_direct<Ops, KV, 1>(p, sc, b, k_begin, k_end, whole);
  else if (Rg == 2)
    run_heads_direct<Ops, KV, 2>(p, sc, b, k_begin, k_end, whole);
  else
    run_heads_blocked<Ops, KV>(p, sc, b, k_begin, k_end, whole);
  for (int64_t hk = 0; hk < a.heads_kv; ++hk) {
    if (!whole) {
      save_partial(p, sc, b * a.heads_kv + hk, c, hk * Rg);
      continue;
    }
    for (int64_t rr = 0; rr < Rg; ++rr) {
      const int64_t r = hk * Rg + rr;
      write_row(a, b, hk * p.G + rr / a.len_q, rr % a.len_q, sc.m[r], sc.l[r], sc.o.data() + r * p.dv16);
    }
  }
}

}  // namespace
}  // namespace flash
}  // namespace attnkit
