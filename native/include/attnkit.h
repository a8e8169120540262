// attnkit C ABI: what the Node-API glue calls. No N-API types here, so kernels
// and tests can be built and fuzzed without Node.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum attn_mask_kind { ATTN_MASK_NONE = 0, ATTN_MASK_BOOL = 1, ATTN_MASK_ADDITIVE = 2 };
enum attn_window_side { ATTN_WINDOW_LEFT = 1, ATTN_WINDOW_RIGHT = 2 };
// Element type of K and V (q and out are always float32).
enum attn_kv_dtype { ATTN_KV_F32 = 0, ATTN_KV_F16 = 1, ATTN_KV_BF16 = 2 };

// One strided 4-D view [batch, heads, len, dim]; the last dim is contiguous.
// Strides are in elements, never negative; a stride of 0 broadcasts.
typedef struct attn_view {
  int64_t stride_b, stride_h, stride_l;
} attn_view;

// Arguments of softmax(q·kᵀ·scale + mask)·v over [B, Hq, Lq, Lk].
// Query head h reads kv head h / (heads_q / heads_kv) (grouped-query attention).
typedef struct attn_sdpa_args {
  const float* q;  attn_view q_view;    // [B, Hq, Lq, D]
  const float* k;  attn_view k_view;    // [B, Hkv, Lk, D]
  const float* v;  attn_view v_view;    // [B, Hkv, Lk, Dv]
  float* out;      attn_view out_view;  // [B, Hq, Lq, Dv]
  float* weights;  // optional [B, Hq, Lq, Lk] contiguous softmax probabilities, or NULL
  float* lse;      // optional [B, Hq, Lq] contiguous log-sum-exp of each row (-inf when fully masked), or NULL
  int64_t batch, heads_q, heads_kv, len_q, len_k, dim_qk, dim_v;
  int32_t mask_kind;          // attn_mask_kind
  const void* mask;           // uint8_t (1 = may attend) or float (added to scaled scores)
  int64_t mask_stride_b, mask_stride_h, mask_stride_q, mask_stride_k;  // elements, 0 = broadcast
  float scale;
  int32_t causal;             // nonzero: key j is visible to query i only if j <= p (its position)
  int64_t position_offset;    // query i sits at position p = i + position_offset (Lk - Lq bottom-right,
                              // 0 top-left; kv_lens_shift moves it per batch entry); window and ALiBi
                              // use p even when causal is 0
  // Optional extras (zero-initialised = off). Score of a visible key:
  //   s = softcap(scale * q.k) + mask + alibi + rel_bias; softmax denominator += exp(sink).
  int32_t window;                     // bit 0: p - window_left <= j applies; bit 1: j <= p + window_right applies
  int64_t window_left, window_right;  // >= 0 keys either side of the query's position p
  float softcap;                      // > 0: s -> softcap * tanh(s / softcap), before mask and biases
  const float* alibi_slopes;          // [Hq] or NULL: adds -slope_h * |p - j|
  const float* rel_bias;              // NULL or rows of Lq + Lk - 1: adds rel_bias[h * rel_bias_stride_h + j - i + Lq - 1]
                                      // (+ len_k - kv_lens[b] under kv_lens_shift: the diagonal moves with p)
  int64_t rel_bias_stride_h;          // 0 broadcasts one row over heads
  const float* sinks;                 // [Hq] or NULL: logit added to the softmax denominator only
  int32_t compute_bf16;               // nonzero: the prefill products may run in bfloat16 (a permission)
  // Per-sequence key lengths (a batch of padded KV caches): batch entry b holds keys [0, kv_lens[b]),
  // 0 <= kv_lens[b] <= len_k; the keys after are padding, never read, with weight 0. NULL: every key.
  const int32_t* kv_lens;
  int32_t kv_lens_shift;  // nonzero (bottom-right alignment): entry b's query positions follow its own
                          // length, p = i + position_offset - (len_k - kv_lens[b]) (ONNX nonpad_kv_seqlen)
  // Half-precision K and V: with kv_dtype ATTN_KV_F16 (IEEE binary16) or ATTN_KV_BF16, k and v are NULL and
  // k16, v16 hold their 16-bit elements, same views; the kernels widen them to float as they load them.
  int32_t kv_dtype;           // attn_kv_dtype
  const uint16_t* k16;
  const uint16_t* v16;
} attn_sdpa_args;

// Arguments of the backward pass of softmax(q·kᵀ·scale + mask)·v (kernels/common/flash_bwd.h): the
// forward's arguments (fwd.out its result, read for D_i = rowsum(dOut ∘ out); fwd.weights, fwd.lse and
// fwd.rel_bias unused, rel_bias must be NULL: its gradient is not computed here) and the gradients,
// overwritten. With grouped-query attention dk, dv of a kv head sum over the query heads that read it.
typedef struct attn_sdpa_bwd_args {
  attn_sdpa_args fwd;
  const float* dout;  attn_view dout_view;  // [B, Hq, Lq, Dv] upstream gradient
  const float* lse;   // [B, Hq, Lq] contiguous log-sum-exp of the forward's rows, or NULL: recomputed
  float* dq;  attn_view dq_view;  // [B, Hq, Lq, D]
  float* dk;  attn_view dk_view;  // [B, Hkv, Lk, D]
  float* dv;  attn_view dv_view;  // [B, Hkv, Lk, Dv]
  float* dsinks;      // [Hq] when fwd.sinks, else NULL
} attn_sdpa_bwd_args;

#ifdef __cplusplus
}
#endif
