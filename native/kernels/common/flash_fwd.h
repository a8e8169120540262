// Fused FlashAttention-2-style forward pass, written once over an ISA "Ops" struct
// (kernels/<isa>/flash_ops_<isa>.h). The Lq x Lk score matrix is never materialised.
//
// sdpa() below picks the regime from the shape; the parts are under flash/, each including the one
// before it:
//   tiling.h   sizes, plan, scratch, micro-kernel dispatch, prefetch helpers
//   softmax.h  the online-softmax recurrence: row state, score finishing, block update, output
//   decode.h   the direct paths (few rows: K and V read in place), interleaved heads (bshd)
//   prefill.h  run_rows: the packed path, tiles of Ops::kPrefillRows rows
//   split.h    split-K decode: chunks of keys, partials and their merge
// Every partition depends on the shape (and kv_lens) only, never on the thread count, so results are bit-identical
// whatever the number of threads.
#pragma once
#include "flash/split.h"

namespace attnkit {
namespace flash {
namespace {  // private to each ISA translation unit (see tiling.h)

// The keys split-K partitions: every entry's (kv_lens: its valid length). Chunks are sized from the mean
// and cover up to the longest, so a batch of short and long sequences is cut into chunks of real keys
// (sized from the padded Lk, the short ones' tasks would be near empty and the long ones' few and long).
struct SplitKeys {
  int64_t mean, longest;
};
inline SplitKeys split_keys(const attn_sdpa_args& a) {
  if (!a.kv_lens) return {a.len_k, a.len_k};
  int64_t sum = 0, longest = 0;
  for (int64_t b = 0; b < a.batch; ++b) {
    sum += a.kv_lens[b];
    longest = std::max<int64_t>(longest, a.kv_lens[b]);
  }
  return {(sum + a.batch - 1) / a.batch, longest};
}

template <class Ops, class KV>
void sdpa_kv(const attn_sdpa_args& a, const ParallelFor* pf) {
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
  p.workers = pf ? std::max(1, pf->workers) : 1;
  const int64_t bh = a.batch * a.heads_kv;
  // K and V rows of the kv heads side by side (bshd): one task reads every head, for one or two rows
  // per kv head by the one-row pipeline across heads (run_heads_direct), for more by the blocked path
  // across heads (run_heads_blocked): head-by-head tasks would read rows a page apart.
  p.interleaved = p.direct && a.heads_kv > 1 && a.k_view.stride_h < a.k_view.stride_l &&
                  a.v_view.stride_h < a.v_view.stride_l;
  const SplitKeys keys = split_keys(a);
  if (p.interleaved) {
    p.chunk = split_chunk(keys.mean, a.batch);
    p.nchunk = std::max<int64_t>(1, (keys.longest + p.chunk - 1) / p.chunk);
    std::vector<float> partial(
        static_cast<size_t>(p.nchunk > 1 ? bh * p.nchunk * p.rows_max * (p.dv16 + 2) : 0));
    p.partial = partial.data();
    parallel_for(pf, a.batch * p.nchunk, heads_task<Ops, KV>, &p);
    if (p.nchunk > 1) parallel_for(pf, bh, merge_task, &p);
    return;
  }
  p.chunk = split_chunk(keys.mean, bh);
  const bool split = p.direct && keys.longest > p.chunk;
  if (!split) {
    parallel_for(pf, p.nqb * a.batch * a.heads_kv, prefill_task<Ops, KV>, &p);
    return;
  }
  p.nchunk = (keys.longest + p.chunk - 1) / p.chunk;
  std::vector<float> partial(static_cast<size_t>(bh * p.nchunk * p.rows_max * (p.dv16 + 2)));
  p.partial = partial.data();
  parallel_for(pf, bh * p.nchunk, split_task<Ops, KV>, &p);
  parallel_for(pf, bh, merge_task, &p);
}

// K and V of the call's element type: float, or float16 / bfloat16 widened in registers as they load.
template <class Ops>
void sdpa(const attn_sdpa_args& a, const ParallelFor* pf) {
  with_kv_type(a, [&](auto kv) { sdpa_kv<Ops, decltype(kv)>(a, pf); });
}

}  // namespace
}  // namespace flash
}  // namespace attnkit
