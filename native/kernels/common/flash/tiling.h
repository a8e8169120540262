// Tiling of the fused forward pass (flash_fwd.h): the block, task and split-K sizes, the plan of one
// call (Plan), the per-thread scratch (Scratch), the micro-kernel dispatch by row count (gemm_rows,
// gemm_panels, with_rows, with_rows_upto) and the software-prefetch helpers. Every size here depends on
// the shape only, never on the thread count (query_block's may follow the worker count: no result
// depends on it).
//
// Work unit ("task"): batch b, kv head hk, a block of query positions, for all G = Hq/Hkv query
// heads that read hk, so each K/V block is packed once for the whole GQA group. Tile rows are
// r = g * nq + ii (head hk*G + g, query q0 + ii). Per key block of bk keys (block_keys: 128-512):
//   Kp  [bk/16][D][16]  K transposed in 16-key panels (zero padded), B operand of Q·Kᵀ
//   Vp  [Dv16/16][bk][16]  V in 16-column panels (zero padded), B operand of P·V
//   S   [TR][BK_MAX]    scores, then probabilities, of a tile of TR = Ops::kPrefillRows rows
//   O   [R][Dv16]       accumulators of the task's R rows; m, l [R]
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../parallel.h"
#include "../kv_types.h"
#include "../row_visibility.h"

#if defined(__GNUC__)
#define ATTNKIT_FLASH_INLINE inline __attribute__((always_inline))
#else
#define ATTNKIT_FLASH_INLINE inline
#endif

namespace attnkit {

// Unnamed namespace: every ISA translation unit gets private copies, so the linker can never
// hand the scalar build a function compiled with -mavx2 (or the reverse).
namespace flash {
namespace {

constexpr int MR = 6;               // rows per micro-kernel call on the decode paths
constexpr int NR = 16;              // columns per panel (packed K and V, micro-kernel calls)
constexpr int TILE_ROWS_MAX = 16;   // prefill tile rows at most (Ops::kPrefillRows)
// Larger blocks and tasks share the packing of K/V and the per-block softmax bookkeeping among more
// work; prefill blocks grow to 512 keys when D and Dv are small (see block_keys).
constexpr int64_t BK = 128;           // row stride of S on the direct paths (two 64-key halves)
constexpr int64_t BK_MAX = 512;       // keys per packed prefill block at most; the row stride of its S tile
constexpr int64_t BK_DIRECT = 64;     // keys per block on the direct (decode) paths
constexpr int64_t TASK_BYTES = 512 << 10;  // packed q + O of a task: about half a 1 MiB L2
constexpr int64_t MIN_TASK_ROWS = 96;      // never split a task finer than this for threads
constexpr int64_t MAX_TASK_ROWS = 2048;     // caps the scratch when D + Dv is small
// Split-K chunks: as long as still leaves SPLIT_TASKS (b, kv head, chunk) tasks, never under
// SPLIT_MIN_CHUNK keys. Each chunk costs a pipeline fill and drain and a partial to merge, so longer
// chunks stream faster.
constexpr int64_t SPLIT_MIN_CHUNK = 256;
constexpr int64_t SPLIT_TASKS = 32;
constexpr int DIRECT_MAX_ROWS = 8;    // problems this small (G * Lq rows) skip packing: dots straight from K rows

inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Keys per packed prefill block: packed K and V of about 256-512 KiB, in L2 beside the task's q and O.
// Bigger blocks rescale and do the softmax bookkeeping less often, and read a mask row in longer
// pieces (fewer TLB misses); larger D and Dv take fewer keys so the packed block stays in L2.
inline int64_t block_keys(int64_t d, int64_t dv16) {
  const int64_t per_key = d + dv16;
  return per_key <= 128 ? 512 : per_key <= 512 ? 256 : 128;
}

// Keys per split-K chunk when `owners` tasks exist without a split: about SPLIT_TASKS tasks in all.
inline int64_t split_chunk(int64_t len_k, int64_t owners) {
  const int64_t chunks = (SPLIT_TASKS + owners - 1) / owners;
  return std::max(SPLIT_MIN_CHUNK, round_up((len_k + chunks - 1) / chunks, BK_DIRECT));
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

template <class T>
inline void grow_to(std::vector<T>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
}

// Per-thread scratch, reused across calls (pool threads live as long as the addon).
struct Scratch {
  std::vector<float> qp, kp, vp, s, o, m, l;
  // bf16 prefill (Ops::kBf16): q, K panels, V panels and a tile's probabilities as bf16 pairs.
  std::vector<uint32_t> qb, kb, vb, pb;
  // s_rows: rows of S (MR-row tiles and decode groups need DIRECT_MAX_ROWS; the interleaved-heads
  // decode path holds every head's rows).
  void ensure(int64_t rows, int64_t d, int64_t dv16, int64_t s_rows = DIRECT_MAX_ROWS, int64_t bk = BK) {
    grow_to(qp, rows * d + 1);
    grow_to(kp, bk * d + 1);
    grow_to(vp, bk * dv16 + 1);
    grow_to(s, std::max(s_rows * BK, TILE_ROWS_MAX * BK_MAX));
    grow_to(o, rows * dv16 + 1);
    grow_to(m, rows);
    grow_to(l, rows);
  }
  // Pairs along D for q and K, along keys for V and P (bk is even).
  void ensure_bf16(int64_t rows, int64_t d, int64_t dv16, int64_t bk) {
    const int64_t d2 = (d + 1) / 2;
    grow_to(qb, rows * d2 + 1);
    grow_to(kb, bk * d2 + 1);
    grow_to(vb, bk / 2 * dv16 + 1);
    grow_to(pb, TILE_ROWS_MAX * BK_MAX / 2);
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
  int workers;     // threads sharing the tasks: which task a thread likely runs next (prefetch only)
};

// Ops::gemm<MR>, with the rows to prefetch where the Ops take them (kKernelPrefetch); pf_n is 0 otherwise.
template <class Ops, int MR, class T>
ATTNKIT_FLASH_INLINE void gemm_pf(const float* A, int64_t lda, const T* B, int64_t ldb, float* C, int64_t ldc,
                                  int64_t K, bool acc, const T* pf, int64_t pf_n) {
  if constexpr (Ops::kKernelPrefetch) {
    Ops::template gemm<MR>(A, lda, B, ldb, C, ldc, K, acc, pf, pf_n);
  } else {
    (void)pf;
    (void)pf_n;
    Ops::template gemm<MR>(A, lda, B, ldb, C, ldc, K, acc);
  }
}

// Inlined at each call so the micro-kernel sees constant strides (GCC outlined it otherwise, and the
// outlined form is much slower). B (and pf) are float, or decode's V rows in place of any KV type.
template <class Ops, class T = float>
ATTNKIT_FLASH_INLINE void gemm_rows(int mr, const float* A, int64_t lda, const T* B, int64_t ldb, float* C, int64_t ldc, int64_t K,
               bool acc, const T* pf = nullptr, int64_t pf_n = 0) {
  switch (mr) {
    case 6: gemm_pf<Ops, 6, T>(A, lda, B, ldb, C, ldc, K, acc, pf, pf_n); break;
    case 5: gemm_pf<Ops, 5, T>(A, lda, B, ldb, C, ldc, K, acc, pf, pf_n); break;
    case 4: gemm_pf<Ops, 4, T>(A, lda, B, ldb, C, ldc, K, acc, pf, pf_n); break;
    case 3: gemm_pf<Ops, 3, T>(A, lda, B, ldb, C, ldc, K, acc, pf, pf_n); break;
    case 2: gemm_pf<Ops, 2, T>(A, lda, B, ldb, C, ldc, K, acc, pf, pf_n); break;
    default: gemm_pf<Ops, 1, T>(A, lda, B, ldb, C, ldc, K, acc, pf, pf_n); break;
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
// With T = uint32_t, A and B are bf16 pairs and K counts pairs (the bf16 Ops' gemm_panels overload).
template <class Ops, class T>
ATTNKIT_FLASH_INLINE void gemm_panels(int mr, const T* A, int64_t lda, const T* B, int64_t ldp, int64_t np,
                                      float* C, int64_t ldc, int64_t K, bool acc) {
  static_assert(!std::is_same<T, uint32_t>::value || Ops::kBf16, "bf16 pairs need the bf16 Ops");
  if constexpr (Ops::kPrefillPanels > 1) {
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

// Calls f(std::integral_constant<int, R>{}) for a run-time row count R in 1..DIRECT_MAX_ROWS, so the
// micro-kernel f calls is compiled for a constant row count.
template <class F>
inline void with_rows(int R, const F& f) {
  with_rows_upto<DIRECT_MAX_ROWS>(R, f);
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

template <class T>
inline void prefetch_row(const T* p, int64_t n) { prefetch_bytes(p, static_cast<int64_t>(sizeof(T)) * n); }

}  // namespace
}  // namespace flash
}  // namespace attnkit
