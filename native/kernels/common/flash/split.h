// Split-K of the fused forward pass (as flash-decoding): decode with few rows and long Lk splits the
// keys into chunks sized from the shape (split_chunk, in tiling.h). split_task runs one chunk for every
// row of a kv head and stores its partial (m, l, O) (save_partial, in softmax.h, which heads_task uses
// too); merge_task combines the partials in chunk order, where the sinks join. Every partition depends
// on the shape (and kv_lens) only, never on the thread count, so results are bit-identical whatever the number of
// threads.
#pragma once
#include "prefill.h"

namespace attnkit {
namespace flash {
namespace {  // private to each ISA translation unit (see tiling.h)

// Split-K task t = (b, hk, chunk): one key chunk for all rows (single query block).
template <class Ops, class KV>
void split_task(void* arg, int64_t t) {
  const Plan& p = *static_cast<const Plan*>(arg);
  const attn_sdpa_args& a = *p.a;
  const int64_t c = t % p.nchunk, bh = t / p.nchunk, b = bh / a.heads_kv, hk = bh % a.heads_kv;
  Scratch& sc = scratch();
  sc.ensure(p.rows_max, a.dim_qk, p.dv16, DIRECT_MAX_ROWS, p.bk);
  run_rows<Ops, KV>(p, sc, b, hk, 0, a.len_q, c * p.chunk, std::min(a.len_k, (c + 1) * p.chunk), false);
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

}  // namespace
}  // namespace flash
}  // namespace attnkit
