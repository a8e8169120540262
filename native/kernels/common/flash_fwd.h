// Fused FlashAttention-2-style forward pass, written once over an ISA "Ops" struct
// (kernels/<isa>/flash_ops_<isa>.h). The Lq x Lk score matrix is never materialised.
//
// Online softmax (Dao 2023, FlashAttention-2), per query row over key blocks t = 1..T:
//   m_t = max(m_{t-1}, max_j s_j)            running row max (NaN sticks)
//   P_j = exp(s_j - m_t)                      block probabilities, masked keys -> -0
//   l_t = l_{t-1} * exp(m_{t-1} - m_t) + sum_j P_j
//   O_t = O_{t-1} * exp(m_{t-1} - m_t) + P V  unnormalised accumulator
//   out = O_T / l_T, lse = m_T + log l_T; a row whose keys are all masked (m_T = -inf) gives zeros.
// Attention sinks start a row at m_0 = sink, l_0 = 1 (exp(sink - m_0)) instead of -inf and 0.
// Score of a visible key: s = softcap(scale*q.k) + mask + ALiBi + relative bias (see attnkit.h).
//
// Work unit ("task"): batch b, kv head hk, a block of query positions, for all G = Hq/Hkv query
// heads that read hk, so each K/V block is packed once for the whole GQA group. Tile rows are
// r = g * nq + ii (head hk*G + g, query q0 + ii). Per key block of bk keys (block_keys: 128-512):
//   Kp  [bk/16][D][16]  K transposed in 16-key panels (zero padded), B operand of Q·Kᵀ
//   Vp  [Dv16/16][bk][16]  V in 16-column panels (zero padded), B operand of P·V
//   S   [TR][BK_MAX]    scores, then probabilities, of a tile of TR = Ops::kPrefillRows rows
//   O   [R][Dv16]       accumulators of the task's R rows; m, l [R]
// Decode (few rows, long Lk) splits the keys into chunks sized from the shape (split-K, as
// flash-decoding) whose partial (m, l, O) are merged in chunk order. Every partition depends on the
// shape only, never on the thread count, so results are bit-identical whatever the number of threads.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "parallel.h"
#include "row_visibility.h"

namespace attnkit {

// Unnamed namespace: every ISA translation unit gets private copies, so the linker can never
// hand the scalar build a function compiled with -mavx2 (or the reverse).
namespace flash {
namespace {

constexpr int MR = 6;               // rows per micro-kernel call on the decode paths
constexpr int NR = 16;              // columns per panel (packed K and V, micro-kernel calls)
constexpr int TILE_ROWS_MAX = 16;   // prefill tile rows at most (Ops::kPrefillRows)
// Block and task sizes, measured on the 2-core EPYC (Zen 4 per cpuid) at D = 64 and 128 (serial A/B,
// same run): 128-key blocks and ~1024-row tasks ran 87-91 GFLOP/s on 1 core against 77-81 for 64 keys
// and 192 rows, since the packing of K/V and the per-block softmax bookkeeping are shared by more work.
// Prefill blocks grow to 512 keys when D and Dv are small (see block_keys).
constexpr int64_t BK = 128;           // row stride of S on the direct paths (two 64-key halves)
constexpr int64_t BK_MAX = 512;       // keys per packed prefill block at most; the row stride of its S tile
constexpr int64_t BK_DIRECT = 64;     // keys per block on the direct (decode) paths
constexpr int64_t TASK_BYTES = 512 << 10;  // packed q + O of a task: half this CPU's 1 MiB L2 (measured)
constexpr int64_t MIN_TASK_ROWS = 96;      // never split a task finer than this for threads
constexpr int64_t MAX_TASK_ROWS = 2048;     // caps the scratch when D + Dv is small
// Split-K chunks: as long as still leaves SPLIT_TASKS (b, kv head, chunk) tasks, never under
// SPLIT_MIN_CHUNK keys. Each chunk costs a pipeline fill and drain and a partial to merge: on
// (1, 32, 1, 2048, 128) one 2048-key chunk per head streamed 15.8 -> 17.1-18.4 GB/s against 256-key
// chunks, and GQA decode (1, 32/8, 1, 4096, 128) 12.6 -> 14.3 with 1024 (1 core, serial A/B).
constexpr int64_t SPLIT_MIN_CHUNK = 256;
constexpr int64_t SPLIT_TASKS = 32;
constexpr int DIRECT_MAX_ROWS = 8;    // problems this small (G * Lq rows) skip packing: dots straight from K rows

inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Keys per packed prefill block: packed K and V of about 256-512 KiB, in L2 beside the task's q and O.
// Serial A/B on 1 core, same runs: at D = 64 512 keys ran 2-3 % faster than 128 (S = 512-2048; the
// online-softmax rescaling and bookkeeping happen a quarter as often) and 4 % with a random [Lq, Lk]
// additive mask (a mask row is read 2 KiB at a time, one TLB miss per 2 KiB instead of per 512 bytes);
// D = 32 +4.5 %; D = 128 level for 128-512 keys; D = 256 with 512 keys -8 %.
inline int64_t block_keys(int64_t d, int64_t dv16) {
  const int64_t per_key = d + dv16;
  return per_key <= 128 ? 512 : per_key <= 512 ? 256 : 128;
}

// Keys per split-K chunk when `owners` tasks exist without a split: about SPLIT_TASKS tasks in all.
inline int64_t split_chunk(int64_t len_k, int64_t owners) {
  const int64_t chunks = (SPLIT_TASKS + owners - 1) / owners;
  return std::max(SPLIT_MIN_CHUNK, round_up((len_k + chunks - 1) / chunks, BK_DIRECT));
}

// Per-thread scratch, reused across calls (pool threads live as long as the addon).
struct Scratch {
  std::vector<float> qp, kp, vp, s, o, m, l;
  // bf16 prefill (Ops::kBf16): q, K panels, V panels and a tile's probabilities as bf16 pairs.
  std::vector<uint32_t> qb, kb, vb, pb;
  // s_rows: rows of S (MR-row tiles and decode groups need DIRECT_MAX_ROWS; the interleaved-heads
  // decode path holds every head's rows).
  void ensure(int64_t rows, int64_t d, int64_t dv16, int64_t s_rows = DIRECT_MAX_ROWS, int64_t bk = BK) {
    auto grow = [](std::vector<float>& v, int64_t n) {
      if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
    };
    grow(qp, rows * d + 1);
    grow(kp, bk * d + 1);
    grow(vp, bk * dv16 + 1);
    grow(s, std::max(s_rows * BK, TILE_ROWS_MAX * BK_MAX));
    grow(o, rows * dv16 + 1);
    grow(m, rows);
    grow(l, rows);
  }
  // Pairs along D for q and K, along keys for V and P (bk is even).
  void ensure_bf16(int64_t rows, int64_t d, int64_t dv16, int64_t bk) {
    auto grow = [](std::vector<uint32_t>& v, int64_t n) {
      if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
    };
    const int64_t d2 = (d + 1) / 2;
    grow(qb, rows * d2 + 1);
    grow(kb, bk * d2 + 1);
    grow(vb, bk / 2 * dv16 + 1);
    grow(pb, TILE_ROWS_MAX * BK_MAX / 2);
  }
};

inline Scratch& scratch() {
  static thread_local Scratch s;
  return s;
}

struct Plan {
  const attn_sdpa_args* a;
  int64_t G, bq, nqb, nchunk, chunk, dv16, rows_max, bk;  // bk: keys per packed prefill block
  bool direct;     // G * Lq <= DIRECT_MAX_ROWS: every task takes the direct path (shape only, never threads)
  bool interleaved;  // direct, and K/V rows of all kv heads side by side (bshd): see heads_task
  float* partial;  // split-K: [B*Hkv][nchunk][rows][Dv16 + 2] (m, l, O), else nullptr
};

#if defined(__GNUC__)
#define ATTNKIT_FLASH_INLINE inline __attribute__((always_inline))
#else
#define ATTNKIT_FLASH_INLINE inline
#endif

// Ops::gemm<MR>, with the rows to prefetch where the Ops take them (kKernelPrefetch); pf_n is 0 otherwise.
template <class Ops, int MR>
ATTNKIT_FLASH_INLINE void gemm_pf(const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc,
                                  int64_t K, bool acc, const float* pf, int64_t pf_n) {
  if constexpr (Ops::kKernelPrefetch) {
    Ops::template gemm<MR>(A, lda, B, ldb, C, ldc, K, acc, pf, pf_n);
  } else {
    (void)pf;
    (void)pf_n;
    Ops::template gemm<MR>(A, lda, B, ldb, C, ldc, K, acc);
  }
}

// Inlined at each call so the micro-kernel sees constant strides (measured: 51 vs 77 GFLOP/s on 1 core
// at S = 512 when GCC outlined it).
template <class Ops>
ATTNKIT_FLASH_INLINE void gemm_rows(int mr, const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc, int64_t K,
               bool acc, const float* pf = nullptr, int64_t pf_n = 0) {
  switch (mr) {
    case 6: gemm_pf<Ops, 6>(A, lda, B, ldb, C, ldc, K, acc, pf, pf_n); break;
    case 5: gemm_pf<Ops, 5>(A, lda, B, ldb, C, ldc, K, acc, pf, pf_n); break;
    case 4: gemm_pf<Ops, 4>(A, lda, B, ldb, C, ldc, K, acc, pf, pf_n); break;
    case 3: gemm_pf<Ops, 3>(A, lda, B, ldb, C, ldc, K, acc, pf, pf_n); break;
    case 2: gemm_pf<Ops, 2>(A, lda, B, ldb, C, ldc, K, acc, pf, pf_n); break;
    default: gemm_pf<Ops, 1>(A, lda, B, ldb, C, ldc, K, acc, pf, pf_n); break;
  }
}

// Calls f(std::integral_constant<int, R>{}) for a run-time row count R in 1..N.
template <int N, class F>
ATTNKIT_FLASH_INLINE void with_rows_upto(int R, const F& f) {
  if constexpr (N <= 1) {
    f(std::integral_constant<int, 1>{});
  } else {
    if (R == N)
      f(std::integral_constant<int, N>{});
    else
      with_rows_upto<N - 1>(R, f);
  }
}

// Prefill GEMM of a tile: C[mr][16 * np] (ldc) = (acc ? C : 0) + A[mr][K] (lda) * np panels of B, panel p
// [K][16] at B + p * ldp. Ops with wider tiles (kPrefillPanels > 1) take the panels that many at a time.
// Every element is the same FMA chain over k whatever the tile, so the results do not depend on it.
// With T = uint32_t, A and B are bf16 pairs and K counts pairs (Ops::gemm_bf16).
template <class Ops, class T>
ATTNKIT_FLASH_INLINE void gemm_panels(int mr, const T* A, int64_t lda, const T* B, int64_t ldp, int64_t np,
                                      float* C, int64_t ldc, int64_t K, bool acc) {
  if constexpr (std::is_same<T, uint32_t>::value) {
    static_assert(Ops::kBf16, "bf16 pairs need Ops::gemm_bf16");
    with_rows_upto<Ops::kPrefillRows>(mr, [&](auto rows) {
      constexpr int R = decltype(rows)::value;
      int64_t p = 0;
      for (; p + 2 <= np; p += 2) Ops::template gemm_bf16<R, 2>(A, lda, B + p * ldp, ldp, C + p * NR, ldc, K, acc);
      if (p < np) Ops::template gemm_bf16<R, 1>(A, lda, B + p * ldp, ldp, C + p * NR, ldc, K, acc);
    });
  } else if constexpr (Ops::kPrefillPanels > 1) {
    static_assert(Ops::kPrefillPanels == 2 && Ops::kPrefillRows <= TILE_ROWS_MAX, "tiles of 1 or 2 panels");
    with_rows_upto<Ops::kPrefillRows>(mr, [&](auto rows) {
      constexpr int R = decltype(rows)::value;
      int64_t p = 0;
      for (; p + 2 <= np; p += 2) Ops::template gemm_panels<R, 2>(A, lda, B + p * ldp, ldp, C + p * NR, ldc, K, acc);
      if (p < np) Ops::template gemm_panels<R, 1>(A, lda, B + p * ldp, ldp, C + p * NR, ldc, K, acc);
    });
  } else {
    for (int64_t p = 0; p < np; ++p) gemm_rows<Ops>(mr, A, lda, B + p * ldp, NR, C + p * NR, ldc, K, acc);
  }
}

// What one tile row needs to finish its scores: its mask row, visible key range and position terms.
struct RowState {
  RowMask mask;
  int64_t lo, hi;  // keys [lo, hi) left by causal, the window and the task's key range
  RowBias bias;
};

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
// softmax need not scan the row again: serial A/B, random [Lq, Lk] masks, S = 1024, 1 core, +2 %.
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

// Calls f(std::integral_constant<int, R>{}) for a run-time row count R in 1..DIRECT_MAX_ROWS, so the
// micro-kernel f calls is compiled for a constant row count.
template <class F>
inline void with_rows(int R, const F& f) {
  static_assert(DIRECT_MAX_ROWS == 8, "with_rows lists 1..8 rows");
  switch (R) {
    case 8: f(std::integral_constant<int, 8>{}); break;
    case 7: f(std::integral_constant<int, 7>{}); break;
    case 6: f(std::integral_constant<int, 6>{}); break;
    case 5: f(std::integral_constant<int, 5>{}); break;
    case 4: f(std::integral_constant<int, 4>{}); break;
    case 3: f(std::integral_constant<int, 3>{}); break;
    case 2: f(std::integral_constant<int, 2>{}); break;
    default: f(std::integral_constant<int, 1>{}); break;
  }
}

// Software prefetch of `bytes` bytes from p into L2, a line (64 bytes) at a time (GCC/Clang; a no-op
// elsewhere).
inline void prefetch_bytes(const void* p, int64_t bytes) {
#if defined(__GNUC__)
  const char* c = static_cast<const char*>(p);
  for (int64_t i = 0; i < bytes; i += 64) __builtin_prefetch(c + i, 0, 2);
  // GCC 12 may judge a function of nothing but prefetches free of side effects and drop calls to it
  // (it did through a lambda); an empty volatile asm keeps them.
  asm volatile("");
#else
  (void)p;
  (void)bytes;
#endif
}

inline void prefetch_row(const float* p, int64_t n) { prefetch_bytes(p, 4 * n); }

template <class Ops>
void dots_rows(int R, const float* q, int64_t D, const float* k, float* s) {
  with_rows(R, [&](auto rows) { Ops::template dots<decltype(rows)::value>(q, D, D, k, s, BK); });
}

// Scores of R rows against keys k0 and k1: s[r * BK] and s[r * BK + 1]. A block's lone last key
// passes k1 = k0 (s[r * BK + 1] is then a padding column, which the softmax sets to -inf), so every
// key's score comes from the same reduction whatever its place in the block. pk0, pk1 (or nullptr):
// two k rows to prefetch, by dots2 beside its loads, else whole before the dots.
template <class Ops>
void dots_rows2(int R, const float* q, int64_t D, const float* k0, const float* k1, float* s,
                const float* pk0 = nullptr, const float* pk1 = nullptr) {
  if constexpr (Ops::kDots2) {
    switch (R) {
      case 8: case 7: case 6: case 5:  // two passes of at most 4 rows; the second reads k0, k1 from L1
        Ops::template dots2<4>(q, D, D, k0, k1, s, BK, pk0, pk1);
        dots_rows2<Ops>(R - 4, q + 4 * D, D, k0, k1, s + 4 * BK);
        return;
      case 4: Ops::template dots2<4>(q, D, D, k0, k1, s, BK, pk0, pk1); return;
      case 3: Ops::template dots2<3>(q, D, D, k0, k1, s, BK, pk0, pk1); return;
      case 2: Ops::template dots2<2>(q, D, D, k0, k1, s, BK, pk0, pk1); return;
      default: break;
    }
  }
  if (pk0) {
    prefetch_row(pk0, D);
    prefetch_row(pk1, D);
  }
  dots_rows<Ops>(R, q, D, k0, s);
  dots_rows<Ops>(R, q, D, k1, s + 1);
}

template <class Ops>
void axpy_rows(int R, float* o, int64_t ldo, const float* p, const float* v, int64_t n) {
  with_rows(R, [&](auto rows) { Ops::template axpy<decltype(rows)::value>(o, ldo, p, BK, v, n); });
}

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

inline bool is_masked_p(float p) { return p == 0.0f && std::signbit(p); }

// Online-softmax update of rows [r0, r0 + nr) whose scores for keys [kb, kb + nk) are in S (row stride lds).
// In phases across the rows (every row's maximum, then every row's exponentials, then the
// rescaling) so the rows' dependency chains (max -> reduce -> exp -> sum) overlap instead of
// running one after another: measured +1-3% on prefill at D = 64, where softmax is ~18% of the time.
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

// Decode-sized tasks skip packing: each K and V row is read once for all rows, straight from the
// caller's buffers.
//
// One row (MHA decode): software-pipelined over key blocks: while the dot products of
// block b stream its K rows, the P·V update of block b-1 streams its V rows, key by key, so K and V
// reads are in flight together. (Block b's softmax, which rescales O, runs once b-1's P·V is done.)
// Measured on (1, 32, 1, 2048, 128), 1 core, cache cold, same run: 15-16 GB/s against 13 for the
// blocked form below (a plain two-stream read: 22). Both streams are read in address order, which
// the hardware prefetcher follows by itself: software prefetch here cost 9-17 % (node A/B, 1 core,
// 17.2-20.0 vs 20.1-21.8 GB/s), as each prefetch holds one of the core's few L1 miss buffers.
template <class Ops>
void run_rows_direct_pipelined(const attn_sdpa_args& a, int64_t dv16, const float* kbase, const float* vbase,
                               int64_t k_first, int64_t k_last, const float* qp, float* S, float* O, float* M, float* L,
                               const std::vector<RowState>& rows) {
  const int64_t D = a.dim_qk, Dv = a.dim_v, ldk = a.k_view.stride_l, ldv = a.v_view.stride_l;
  float* const buf[2] = {S, S + BK};
  const float* Sp = nullptr;  // the previous block's probabilities, P·V pending
  int64_t prev_kb = 0, prev_n = 0;
  auto pv_key = [&](int64_t j) {  // O += p_j v_j for key j of the previous block
    // A masked key (p = -0) never touches its v row, which may hold NaN garbage.
    if (!is_masked_p(Sp[j])) Ops::template axpy<1>(O, dv16, Sp + j, BK, vbase + (prev_kb + j) * ldv, Dv);
  };
  int cur = 0;
  for (int64_t kb = k_first; kb < k_last; kb += BK_DIRECT) {
    const int64_t nk = std::min(BK_DIRECT, k_last - kb), npad = round_up(nk, NR);
    float* Sc = buf[cur];
    const bool pv = Sp != nullptr && Dv > 0;
    for (int64_t j = 0; j < nk; ++j) {
      if (D > 0) Ops::template dots<1>(qp, D, D, kbase + (kb + j) * ldk, Sc + j, BK);
      else Sc[j] = 0.0f;
      if (pv && j < prev_n) pv_key(j);
    }
    if (pv)
      for (int64_t j = nk; j < prev_n; ++j) pv_key(j);
    softmax_block<Ops>(Sc, 1, 0, kb, nk, npad, rows, a.softcap, M, L, O, dv16);
    Sp = Sc;
    prev_kb = kb;
    prev_n = nk;
    cur ^= 1;
  }
  if (Sp != nullptr && Dv > 0)
    for (int64_t j = 0; j < prev_n; ++j) pv_key(j);
}

// o_r += p_r v for the R rows (o stride dv16, p stride BK) whose p is not a masked key's -0: exact,
// a masked key never touches its v row, which may hold NaN garbage.
template <class Ops>
void axpy_visible(int R, float* o, int64_t dv16, const float* p, const float* v, int64_t Dv) {
  for (int r = 0; r < R; ++r)
    if (!is_masked_p(p[r * BK])) Ops::template axpy<1>(o + r * dv16, dv16, p + r * BK, BK, v, Dv);
}

// Decode rows per kv head that take Ops::dots4x4 and Ops::pv4x64 (kWideDecode): see dots_block_wide.
inline bool wide_decode_rows(int64_t rows) { return rows == 4 || rows == 8; }

// Whether pv_block's P·V runs in micro-kernels (pv4x64 or the small GEMM on v) that can prefetch the
// next block's v rows beside their FMAs.
template <class Ops>
inline bool pv_prefetches(const attn_sdpa_args& a, int R, bool any_masked) {
  return Ops::kKernelPrefetch && !any_masked && a.dim_v > 0 && a.dim_v % NR == 0 && R >= 2;
}

// O (R rows, stride dv16) += P V for keys [kb, kb + nk), P in S (row stride BK), v rows read in place.
// Where pv_prefetches, the v rows of keys [kb + nk, kb + nk + pf_n) are prefetched into L2 meanwhile.
template <class Ops>
ATTNKIT_FLASH_INLINE void pv_block(const attn_sdpa_args& a, int64_t dv16, const float* vbase, int R, int64_t kb, int64_t nk, bool any_masked,
              const float* S, float* O, int64_t pf_n = 0) {
  const int64_t Dv = a.dim_v, ldv = a.v_view.stride_l;
  if (Dv == 0) return;
  if constexpr (Ops::kWideDecode) {
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
    const float* vr = vbase + (kb + j) * ldv;
    int live = 0;
    if (any_masked)
      for (int r = 0; r < R; ++r) live += !is_masked_p(S[r * BK + j]);
    if (!any_masked || live == R)
      axpy_rows<Ops>(R, O, dv16, S + j, vr, Dv);
    else
      axpy_visible<Ops>(R, O, dv16, S + j, vr, Dv);
  }
}

// Decode-sized tasks of 2..DIRECT_MAX_ROWS rows (GQA decode, short query blocks): per key block, the
// dots, then the softmax, then P·V. (The pipelined form above measured slower here: 9-11 vs 11-13
// GB/s on GQA decode, 4 rows.) Keys go in pairs (dots_rows2): serial A/B on (1, 32/8, 1, 4096, 128),
// 1 core, 8 rounds: 15.0 -> 16.1 GB/s from memory, 26.4 -> 28.5 in cache; 8 rows per kv head (64/8
// heads) 10.5 -> 12.0.
// Software prefetch keeps both streams ahead: k rows PF_K_AHEAD keys ahead, and v rows a block ahead.
// Where the Ops take rows to prefetch (kKernelPrefetch) the dot-product and P·V micro-kernels fetch a
// line beside their loads; otherwise whole rows go before the dots (v rows of this block). Without
// prefetch the loop streams 5.4 GB/s: the hardware prefetcher runs only a few lines ahead of a demand
// stream this slow. 16 keys rather than the next block (64): in-process A/B, calls
// alternated, same shape: +4.4-5.0 %; 24 or 32 keys +2-4 %, 96 -2-3 % (and a task's first keys no
// longer wait on demand misses for a whole block).
constexpr int64_t PF_K_AHEAD = 16;

// The k row keys_ahead keys after `row` (key `key`, row stride ld), to prefetch; past the last key the
// row itself (in L1 already) stands in, so no prefetch address leaves K.
inline const float* row_ahead(const float* row, int64_t key, int64_t keys_ahead, int64_t ld, int64_t k_last) {
  return key + keys_ahead < k_last ? row + keys_ahead * ld : row;
}
// Scores by Ops::dots4x4 (kWideDecode) of R = 4 or 8 rows per kv head, for keys [kb, kb + nk) of `heads`
// kv heads whose K / V rows lie hsk / hsv apart (one head from bhsd; every head of a key side by side
// from bshd): head h's rows are qp + h * R * D and S + h * R * BK. Four keys at a time, heads inner (bshd
// rows in address order). The k rows pf_keys keys ahead are prefetched by dots4x4 itself, a line per
// step; with prefetch_v, each key's v row too, in a burst (otherwise the previous block's P·V has
// prefetched them). In-process A/B (calls alternated, bit-identical results), (1, 32/8, 1, Lk, 128),
// 1 core, against bursts of whole rows before each dots4x4 call: bhsd 1.25-1.29x at Lk = 512 (4 MiB of
// K/V), 1.03-1.10x at 4096 (32 MiB), 1.02-1.04x at 16384 (128 MiB, from memory); bshd 1.14-1.17x /
// 1.12-1.13x / 1.09-1.14x. Node A/B (bench/ab.mjs, both orders): 1.18-1.21x at Lk = 512; at 4096 level
// (0.95-1.06), where a call reads K/V at about the read probe's bandwidth.
// A block's last keys repeat the last key (their columns are padding). With pv_block's
// pv4x64 this serves 4 and 8 rows only: a version for every row count (templated on R, dots and P·V
// inlined for each) ran 0.87-0.93x the AVX2 speed from memory on (1, 32/8, 1, 4096, 128) where this form
// runs 1.16-1.20x (in-process A/B), for reasons not found.
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

template <class Ops>
void run_rows_direct_blocked(const attn_sdpa_args& a, int64_t dv16, const float* kbase, const float* vbase, int R,
                     int64_t k_first, int64_t k_last, const float* qp, float* S, float* O, float* M, float* L,
                     const std::vector<RowState>& rows) {
  const int64_t D = a.dim_qk, Dv = a.dim_v;
  bool v_ahead = false;  // this block's v rows were prefetched by the previous block's P·V
  for (int64_t kb = k_first; kb < k_last; kb += BK_DIRECT) {
    const int64_t nk = std::min(BK_DIRECT, k_last - kb), npad = round_up(nk, NR);
    bool wide = false;
    if constexpr (Ops::kWideDecode) {
      wide = wide_decode_rows(R) && D > 0;
      if (wide) dots_block_wide<Ops>(a, kbase, vbase, 1, 0, 0, R, kb, nk, k_last, PF_K_AHEAD, qp, S, !v_ahead);
    }
    for (int64_t j = 0; j < nk && !wide; j += 2) {
      // K and V are streamed from memory: one v row of this block (unless the previous block's P·V has
      // prefetched it) and one k row PF_K_AHEAD keys ahead per key, so both streams stay ahead.
      const int64_t j1 = std::min(j + 1, nk - 1), ldk = a.k_view.stride_l;
      for (int64_t jj = j; jj <= j1 && !v_ahead; ++jj)
        if (Dv > 0) prefetch_row(vbase + (kb + jj) * a.v_view.stride_l, Dv);
      const float *k0 = kbase + (kb + j) * ldk, *k1 = kbase + (kb + j1) * ldk;
      if (D > 0)
        dots_rows2<Ops>(R, qp, D, k0, k1, S + j, row_ahead(k0, kb + j, PF_K_AHEAD, ldk, k_last),
                        row_ahead(k1, kb + j1, PF_K_AHEAD, ldk, k_last));
      else
        for (int r = 0; r < R; ++r) S[r * BK + j] = S[r * BK + j + 1] = 0.0f;
    }
    const bool any_masked = softmax_block<Ops>(S, R, 0, kb, nk, npad, rows, a.softcap, M, L, O, dv16);
    // The next block's v rows load during this P·V, a line beside each key's FMAs (pv4x64 or the GEMM on
    // v), rather than in a burst during the next block's dots. In-process A/B against the old kernel,
    // (1, 32/8, 1, Lk, 128), 1 core: avx512 (with dots4x4's k prefetch in both) Lk = 16384 (128 MiB)
    // 1.04-1.08x where the burst gave 0.97-1.01x, 4 MiB 1.25x where it gave 1.15x, Lk = 4096 level.
    // avx2, with dots2's k prefetch: 1.13x at 4 MiB, 1.19x at 32 MiB, 1.18x at 128 MiB (1.14-1.22x in two
    // runs before tidying); dots2's k prefetch alone gave 1.10x, 1.12-1.15x and 1.00-1.03x; bshd
    // (run_heads_blocked) 1.03x, 1.07x, 1.12x.
    const int64_t pf_n = pv_prefetches<Ops>(a, R, any_masked) ? std::min(BK_DIRECT, k_last - kb - nk) : 0;
    pv_block<Ops>(a, dv16, vbase, R, kb, nk, any_masked, S, O, pf_n);
    v_ahead = pf_n > 0;
  }
}

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
      const KeyRange keys = key_range(a, i);
      RowState& row = rows[r];
      row.mask = row_mask(a, b, h, i);
      row.lo = std::max(keys.lo, k_begin);
      row.hi = std::min(keys.hi, k_end);
      row.bias = row_bias(a, h, i);
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

// Runs the rows of one task over keys [k_begin, k_end); leaves m, l, O in scratch. with_sinks: the
// task covers every key, so the rows start from their sink (split-K chunks leave it to the merge).
template <class Ops>
void run_rows(const Plan& p, Scratch& sc, int64_t b, int64_t hk, int64_t q0, int64_t nq, int64_t k_begin,
              int64_t k_end, bool with_sinks) {
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

  const float* kbase = a.k + b * a.k_view.stride_b + hk * a.k_view.stride_h;
  const float* vbase = a.v + b * a.v_view.stride_b + hk * a.v_view.stride_h;
  if (p.direct) {
    if (R == 1)
      run_rows_direct_pipelined<Ops>(a, dv16, kbase, vbase, k_first, k_last, qp, S, O, M, L, rows);
    else
      run_rows_direct_blocked<Ops>(a, dv16, kbase, vbase, static_cast<int>(R), k_first, k_last, qp, S, O, M, L, rows);
    return;
  }
  // Keys outside every row's causal and window limits are never visited: whole blocks are skipped.
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
            const float* kr = kbase + (kb + pn * NR + jj) * a.k_view.stride_l;
            for (int64_t d = 0; d < D; ++d) dst[d * NR + jj] = jj < nj ? kr[d] : 0.0f;
          }
        }
      }
    }
    // V copied in 16-column panels ([Dv/16][bk][16], zero padded): the P·V GEMM then reads each panel
    // in address order, 64 bytes per key, where rows of dv16 floats made it stride dv16 * 4 bytes
    // through the block once per panel. In-process A/B (calls alternated), 1 core: S = 512 +3.5 %
    // (median of nine runs, -2 to +9 %), causal S = 1024 +1-5 %, S = 1024-4096 and D = 128 +0-2 %.
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

    constexpr int TR = Ops::kPrefillRows;
    for (int64_t r0 = 0; r0 < R; r0 += TR) {
      const int mr = static_cast<int>(std::min<int64_t>(TR, R - r0));
      // The next tile's mask slices (after the last tile: the first tile's, next block) load while
      // this tile computes. Serial A/B, random additive [Lq, Lk] mask, S = 1024, 1 core: 58 -> 70
      // GFLOP/s median (a bool mask, a quarter the bytes: level).
      if (a.mask_kind != ATTN_MASK_NONE) {
        if (r0 + TR < R)
          prefetch_masks(rows.data() + r0 + TR, std::min<int64_t>(TR, R - r0 - TR), kb, nk);
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
// hardware prefetcher nor the TLB follows (6-7 GB/s on (1, 32, 1, 2048, 128)). Here one task takes
// keys [k_begin, k_end) for all Hkv * Rg rows (Rg = G * Lq <= 2 rows per kv head, rows of head hk from
// hk * Rg). Per key block: every key's K rows of all heads in address order (the dots), the softmax,
// then every key's V rows likewise (P·V), each v row prefetched PF_V_KEYS keys ahead. Leaves m, l, O
// of every row in scratch.
// Not the one-row pipeline of run_rows_direct_pipelined: across 32 heads q and O take 16 KiB each,
// and a pipeline that needs both at every key keeps the 32 KiB L1 full beside the K and V lines
// streaming through. In-process A/B on (1, 32, 1, 2048, 128) bshd, 1 core, calls alternated: these
// phases 1.13-1.17x the pipeline's speed without prefetch, 1.35-1.44x with v prefetched 1-4 keys ahead
// (8.7-12.9 -> 12.5-17.6 GB/s); 2 rows per kv head (1, 64/32, ...) 1.40-1.46x. Prefetching k too
// gained nothing (alone it cost ~5 %). (On one head, bhsd, the pipeline stays ahead: the same phases
// ran 0.90-0.94x there.)
constexpr int64_t PF_V_KEYS = 2;
template <class Ops, int Rg>
void run_heads_direct(const Plan& p, Scratch& sc, int64_t b, int64_t k_begin, int64_t k_end, bool with_sinks) {
  const attn_sdpa_args& a = *p.a;
  const int64_t D = a.dim_qk, Dv = a.dim_v, dv16 = p.dv16, Hkv = a.heads_kv;
  const int64_t ldk = a.k_view.stride_l, ldv = a.v_view.stride_l, hsk = a.k_view.stride_h, hsv = a.v_view.stride_h;
  float *const qp = sc.qp.data(), *const S = sc.s.data(), *const O = sc.o.data();
  int64_t k_first, k_last;
  const std::vector<RowState> rows = init_heads(p, sc, b, Rg, k_begin, k_end, with_sinks, k_first, k_last);

  const float* kbase = a.k + b * a.k_view.stride_b;
  const float* vbase = a.v + b * a.v_view.stride_b;
  std::vector<char> masked(static_cast<size_t>(Hkv));  // this block of head hk holds masked keys
  for (int64_t kb = k_first; kb < k_last; kb += BK_DIRECT) {
    const int64_t nk = std::min(BK_DIRECT, k_last - kb), npad = round_up(nk, NR);
    for (int64_t j = 0; j < nk; ++j) {
      const float* krow = kbase + (kb + j) * ldk;
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
      const float* vrow = vbase + (kb + j) * ldv;
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
// prefetch is spread one head's row at a time: this key's v row and the k row PF_KEYS keys ahead.
// Node A/B on (1, 32/8, 1, 4096, 128) bshd, 1 core: 5.8-6.1 -> 11.5-12.3 GB/s against head-by-head
// tasks, whose rows lie a page apart; in the serial harness a per-head prefetch burst of a whole 4 KiB
// row ran 7.5-8 where this runs 10.3-10.9.
constexpr int64_t PF_KEYS = 8;
template <class Ops>
void run_heads_blocked(const Plan& p, Scratch& sc, int64_t b, int64_t k_begin, int64_t k_end, bool with_sinks) {
  const attn_sdpa_args& a = *p.a;
  const int64_t D = a.dim_qk, Dv = a.dim_v, dv16 = p.dv16, Hkv = a.heads_kv, Rg = p.G * a.len_q;
  const int64_t ldk = a.k_view.stride_l, ldv = a.v_view.stride_l, hsk = a.k_view.stride_h, hsv = a.v_view.stride_h;
  float *const qp = sc.qp.data(), *const S = sc.s.data(), *const O = sc.o.data();
  int64_t k_first, k_last;
  const std::vector<RowState> rows = init_heads(p, sc, b, Rg, k_begin, k_end, with_sinks, k_first, k_last);

  const float* kbase = a.k + b * a.k_view.stride_b;
  const float* vbase = a.v + b * a.v_view.stride_b;
  bool v_ahead = false;  // as in run_rows_direct_blocked, for every head
  for (int64_t kb = k_first; kb < k_last; kb += BK_DIRECT) {
    const int64_t nk = std::min(BK_DIRECT, k_last - kb), npad = round_up(nk, NR);
    bool wide = false;
    if constexpr (Ops::kWideDecode) {
      // In-process A/B, (1, 32/8, 1, 4096, 128) bshd, 1 core: 1.08-1.27x over six runs; 64/8 heads 1.45x.
      wide = wide_decode_rows(Rg) && D > 0;
      if (wide)
        dots_block_wide<Ops>(a, kbase, vbase, Hkv, hsk, hsv, static_cast<int>(Rg), kb, nk, k_last, PF_KEYS, qp, S,
                             !v_ahead);
    }
    for (int64_t j = 0; j < nk && !wide; j += 2) {
      const int64_t j1 = std::min(j + 1, nk - 1);
      const float* krow = kbase + (kb + j) * ldk;
      const float* krow1 = kbase + (kb + j1) * ldk;
      for (int64_t hk = 0; hk < Hkv; ++hk) {
        for (int64_t jj = j; jj <= j1 && !v_ahead; ++jj)
          if (Dv > 0) prefetch_row(vbase + (kb + jj) * ldv + hk * hsv, Dv);
        float* sh = S + hk * Rg * BK + j;
        const float *k0 = krow + hk * hsk, *k1 = krow1 + hk * hsk;
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
template <class Ops>
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
    run_heads_direct<Ops, 1>(p, sc, b, k_begin, k_end, whole);
  else if (Rg == 2)
    run_heads_direct<Ops, 2>(p, sc, b, k_begin, k_end, whole);
  else
    run_heads_blocked<Ops>(p, sc, b, k_begin, k_end, whole);
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

// Prefill task t: query blocks in reverse order (heaviest first under causal) so dynamic
// scheduling balances the tail.
template <class Ops>
void prefill_task(void* arg, int64_t t) {
  const Plan& p = *static_cast<const Plan*>(arg);
  const attn_sdpa_args& a = *p.a;
  const int64_t bh = a.batch * a.heads_kv;
  const int64_t qb = p.nqb - 1 - t / bh, b = (t % bh) / a.heads_kv, hk = t % a.heads_kv;
  const int64_t q0 = qb * p.bq, nq = std::min(p.bq, a.len_q - q0);
  Scratch& sc = scratch();
  sc.ensure(p.rows_max, a.dim_qk, p.dv16, DIRECT_MAX_ROWS, p.bk);
  run_rows<Ops>(p, sc, b, hk, q0, nq, 0, a.len_k, true);
  for (int64_t g = 0; g < p.G; ++g)
    for (int64_t ii = 0; ii < nq; ++ii) {
      const int64_t r = g * nq + ii;
      write_row(a, b, hk * p.G + g, q0 + ii, sc.m[r], sc.l[r], sc.o.data() + r * p.dv16);
    }
}

// Split-K task t = (b, hk, chunk): one key chunk for all rows (single query block).
template <class Ops>
void split_task(void* arg, int64_t t) {
  const Plan& p = *static_cast<const Plan*>(arg);
  const attn_sdpa_args& a = *p.a;
  const int64_t c = t % p.nchunk, bh = t / p.nchunk, b = bh / a.heads_kv, hk = bh % a.heads_kv;
  Scratch& sc = scratch();
  sc.ensure(p.rows_max, a.dim_qk, p.dv16, DIRECT_MAX_ROWS, p.bk);
  run_rows<Ops>(p, sc, b, hk, 0, a.len_q, c * p.chunk, std::min(a.len_k, (c + 1) * p.chunk), false);
  save_partial(p, sc, bh, c, 0);
}

// Merges the chunks of (b, hk) in chunk order: the log-sum-exp combination of partial softmaxes.
inline void merge_task(void* arg, int64_t bh) {
  const Plan& p = *static_cast<const Plan*>(arg);
  const attn_sdpa_args& a = *p.a;
  const int64_t b = bh / a.heads_kv, hk = bh % a.heads_kv;
  const int64_t R = p.G * a.len_q, stride = p.dv16 + 2;
  const float* base = p.partial + bh * p.nchunk * R * stride;
  std::vector<float> o(static_cast<size_t>(p.dv16 > 0 ? p.dv16 : 1));
  for (int64_t r = 0; r < R; ++r) {
    const int64_t h = hk * p.G + r / a.len_q;
    const float sink = a.sinks ? a.sinks[h] : -INFINITY;  // the sink joins once, here
    float M = sink;
    bool nan = false;
    for (int64_t c = 0; c < p.nchunk; ++c) {
      const float mc = base[(c * R + r) * stride];
      nan |= std::isnan(mc);
      M = std::max(M, mc);
    }
    if (nan) M = NAN;
    float L = a.sinks ? std::exp(sink - M) : 0.0f;
    std::fill(o.begin(), o.end(), 0.0f);
    if (M != -INFINITY) {
      for (int64_t c = 0; c < p.nchunk; ++c) {
        const float* part = base + (c * R + r) * stride;
        if (part[0] == -INFINITY) continue;  // a chunk with no visible key adds nothing
        const float w = std::exp(part[0] - M);
        L += part[1] * w;
        for (int64_t d = 0; d < a.dim_v; ++d) o[d] += part[2 + d] * w;
      }
    }
    write_row(a, b, h, r % a.len_q, M, L, o.data());
  }
}

// Query positions per task: rows (G per position) whose packed q and O fill about TASK_BYTES, fewer
// when that leaves under 4 tasks per worker, then evened out over the blocks. Any split gives the
// same results (a row's arithmetic does not depend on its task), so the worker count may steer it.
inline int64_t query_block(const attn_sdpa_args& a, int64_t G, int64_t dv16, int workers) {
  const int64_t row_bytes = 4 * std::max<int64_t>(1, a.dim_qk + dv16);
  const int64_t rows = std::min(MAX_TASK_ROWS, std::max(MIN_TASK_ROWS, TASK_BYTES / row_bytes));
  int64_t bq = std::max<int64_t>(1, rows / G);
  const int64_t want = 4 * static_cast<int64_t>(std::max(1, workers)), bh = a.batch * a.heads_kv;
  if (bh < want) {
    const int64_t per_bh = (want + bh - 1) / bh;
    bq = std::min(bq, std::max((a.len_q + per_bh - 1) / per_bh, (MIN_TASK_ROWS + G - 1) / G));
  }
  const int64_t nqb = (a.len_q + bq - 1) / bq;
  return (a.len_q + nqb - 1) / nqb;
}

template <class Ops>
void sdpa(const attn_sdpa_args& a, const ParallelFor* pf) {
  if (a.batch <= 0 || a.heads_q <= 0 || a.len_q <= 0) return;
  Plan p{};
  p.a = &a;
  p.G = a.heads_q / a.heads_kv;
  p.dv16 = round_up(a.dim_v, NR);
  p.bk = block_keys(a.dim_qk, p.dv16);
  p.direct = p.G * a.len_q <= DIRECT_MAX_ROWS;
  p.bq = p.direct ? a.len_q : std::min(a.len_q, query_block(a, p.G, p.dv16, pf ? pf->workers : 1));
  p.nqb = (a.len_q + p.bq - 1) / p.bq;
  p.rows_max = p.G * p.bq;
  const int64_t bh = a.batch * a.heads_kv;
  // K and V rows of the kv heads side by side (bshd): one task reads every head, for one or two rows
  // per kv head by the one-row pipeline across heads (run_heads_direct), for more by the blocked path
  // across heads (run_heads_blocked). Node A/B, 1 core, against head-by-head tasks: (1, 32, 1, 2048,
  // 128) 1.7-2.0x, (1, 8, 1, 8192, 128) 2.1x, (8, 8, 1, 512, 64) 4.1x, 16 q / 8 kv heads 1.3x, MHA
  // with Lq = 2 1.0x, 32 q / 8 kv heads 2.0-2.2x, 16 q / 2 kv heads 1.3x.
  p.interleaved = p.direct && a.heads_kv > 1 && a.k_view.stride_h < a.k_view.stride_l &&
                  a.v_view.stride_h < a.v_view.stride_l;
  if (p.interleaved) {
    p.chunk = split_chunk(a.len_k, a.batch);
    p.nchunk = std::max<int64_t>(1, (a.len_k + p.chunk - 1) / p.chunk);
    std::vector<float> partial(
        static_cast<size_t>(p.nchunk > 1 ? bh * p.nchunk * p.rows_max * (p.dv16 + 2) : 0));
    p.partial = partial.data();
    parallel_for(pf, a.batch * p.nchunk, heads_task<Ops>, &p);
    if (p.nchunk > 1) parallel_for(pf, bh, merge_task, &p);
    return;
  }
  p.chunk = split_chunk(a.len_k, bh);
  const bool split = p.direct && a.len_k > p.chunk;
  if (!split) {
    parallel_for(pf, p.nqb * a.batch * a.heads_kv, prefill_task<Ops>, &p);
    return;
  }
  p.nchunk = (a.len_k + p.chunk - 1) / p.chunk;
  std::vector<float> partial(static_cast<size_t>(bh * p.nchunk * p.rows_max * (p.dv16 + 2)));
  p.partial = partial.data();
  parallel_for(pf, bh * p.nchunk, split_task<Ops>, &p);
  parallel_for(pf, bh, merge_task, &p);
}

}  // namespace
}  // namespace flash

}  // namespace attnkit
