#include "sdpa_args.h"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace attnkit {

namespace {

int64_t desc_int(const double* desc, int slot, const char* what) {
  const double x = desc[slot];
  if (!(x >= 0) || x > 9007199254740991.0 || std::floor(x) != x)
    throw std::range_error(std::string("attnkit native: bad descriptor value for ") + what);
  return static_cast<int64_t>(x);
}

// A size: at most 2^31 - 1, the facade's bound, so no loop can run over a dimension no buffer holds
// (a zero-size tensor with one huge dimension).
int64_t desc_dim(const double* desc, int slot, const char* what) {
  const int64_t x = desc_int(desc, slot, what);
  if (x > 2147483647) throw std::range_error(std::string("attnkit native: ") + what + " is above 2^31 - 1");
  return x;
}

attn_view view_at(const double* desc, int slot) {
  return attn_view{desc_int(desc, slot, "stride"), desc_int(desc, slot + 1, "stride"),
                   desc_int(desc, slot + 2, "stride")};
}

// Largest element index a [n0, n1, n2, n3] strided walk touches must fit in `length`.
void check_extent(const char* name, size_t length, int64_t n0, int64_t n1, int64_t n2, int64_t n3,
                  int64_t s0, int64_t s1, int64_t s2, int64_t s3) {
  if (n0 == 0 || n1 == 0 || n2 == 0 || n3 == 0) return;
  const double last = double(n0 - 1) * s0 + double(n1 - 1) * s1 + double(n2 - 1) * s2 + double(n3 - 1) * s3;
  if (last >= double(length))
    throw std::range_error(std::string("attnkit native: ") + name + " is too short for its shape and strides");
}

const CallArg& typed_arg(const CallArgs& call, size_t i, ArgType type, const char* name) {
  if (call[i].type != type) throw std::invalid_argument(std::string("attnkit native: ") + name + " has the wrong type");
  return call[i];
}

// A window side: -1 (unbounded) or a non-negative integer.
int64_t window_side(double x) {
  if (x == -1) return -1;
  if (!(x >= 0) || x > 9007199254740991.0 || std::floor(x) != x) throw std::range_error("attnkit native: bad window bound");
  return static_cast<int64_t>(x);
}

}  // namespace

attn_sdpa_args sdpa_args_from_call(const CallArgs& call) {
  if (call.count < kSdpaArgCount) throw std::invalid_argument("attnkit native: sdpa expects 12 arguments");
  const CallArg& q = typed_arg(call, 0, ArgType::kFloat32, "q");
  const CallArg& descArr = typed_arg(call, 6, ArgType::kFloat64, "desc");
  if (descArr.length != kDescLength) throw std::invalid_argument("attnkit native: bad descriptor length");
  const double* desc = static_cast<const double*>(call.data(call.ctx, 6));
  const int64_t kv_dtype = desc_int(desc, kKvDtype, "kv dtype");
  if (kv_dtype != ATTN_KV_F32 && kv_dtype != ATTN_KV_F16 && kv_dtype != ATTN_KV_BF16)
    throw std::range_error("attnkit native: bad kv dtype");
  const ArgType kv_type = kv_dtype == ATTN_KV_F32 ? ArgType::kFloat32 : ArgType::kUint16;
  const CallArg& k = typed_arg(call, 1, kv_type, "k");
  const CallArg& v = typed_arg(call, 2, kv_type, "v");
  const CallArg& out = typed_arg(call, 3, ArgType::kFloat32, "out");

  attn_sdpa_args a{};
  a.batch = desc_dim(desc, kBatch, "batch");
  a.heads_q = desc_dim(desc, kHeadsQ, "heads_q");
  a.heads_kv = desc_dim(desc, kHeadsKv, "heads_kv");
  a.len_q = desc_dim(desc, kLenQ, "len_q");
  a.len_k = desc_dim(desc, kLenK, "len_k");
  a.dim_qk = desc_dim(desc, kDimQk, "dim_qk");
  a.dim_v = desc_dim(desc, kDimV, "dim_v");
  if (a.heads_q > 0 && (a.heads_kv == 0 || a.heads_q % a.heads_kv != 0))
    throw std::range_error("attnkit native: heads_q must be a multiple of heads_kv");
  a.q_view = view_at(desc, kQStride);
  a.k_view = view_at(desc, kKStride);
  a.v_view = view_at(desc, kVStride);
  a.out_view = view_at(desc, kOutStride);

  check_extent("q", q.length, a.batch, a.heads_q, a.len_q, a.dim_qk, a.q_view.stride_b, a.q_view.stride_h, a.q_view.stride_l, 1);
  check_extent("k", k.length, a.batch, a.heads_kv, a.len_k, a.dim_qk, a.k_view.stride_b, a.k_view.stride_h, a.k_view.stride_l, 1);
  check_extent("v", v.length, a.batch, a.heads_kv, a.len_k, a.dim_v, a.v_view.stride_b, a.v_view.stride_h, a.v_view.stride_l, 1);
  check_extent("out", out.length, a.batch, a.heads_q, a.len_q, a.dim_v, a.out_view.stride_b, a.out_view.stride_h, a.out_view.stride_l, 1);
  a.q = call.f32(0);
  a.kv_dtype = static_cast<int32_t>(kv_dtype);
  if (kv_dtype == ATTN_KV_F32) {
    a.k = call.f32(1);
    a.v = call.f32(2);
  } else {
    a.k16 = static_cast<const uint16_t*>(call.data(call.ctx, 1));
    a.v16 = static_cast<const uint16_t*>(call.data(call.ctx, 2));
  }
  a.out = call.f32(3);

  if (call[4].type != ArgType::kNull) {
    const CallArg& w = typed_arg(call, 4, ArgType::kFloat32, "weights");
    // Contiguous [B, Hq, Lq, Lk]: the product of the dims, in double (as int64, Hq * Lq * Lk can
    // overflow: with D = Dv = 0 the checks above let dims up to 2^53 through).
    if (double(a.batch) * double(a.heads_q) * double(a.len_q) * double(a.len_k) > double(w.length))
      throw std::range_error("attnkit native: weights is too short for its shape and strides");
    a.weights = call.f32(4);
  }

  const int64_t mask_kind = desc_int(desc, kMaskKind, "mask_kind");  // checked before the int32 cast
  if (mask_kind != ATTN_MASK_NONE && mask_kind != ATTN_MASK_BOOL && mask_kind != ATTN_MASK_ADDITIVE)
    throw std::range_error("attnkit native: bad mask kind");
  a.mask_kind = static_cast<int32_t>(mask_kind);
  if (a.mask_kind != ATTN_MASK_NONE) {
    const bool is_bool = a.mask_kind == ATTN_MASK_BOOL;
    const CallArg& m = typed_arg(call, 5, is_bool ? ArgType::kUint8 : ArgType::kFloat32, "mask");
    a.mask_stride_b = desc_int(desc, kMaskStride, "mask stride");
    a.mask_stride_h = desc_int(desc, kMaskStride + 1, "mask stride");
    a.mask_stride_q = desc_int(desc, kMaskStride + 2, "mask stride");
    a.mask_stride_k = desc_int(desc, kMaskStride + 3, "mask stride");
    check_extent("mask", m.length, a.batch, a.heads_q, a.len_q, a.len_k,
                 a.mask_stride_b, a.mask_stride_h, a.mask_stride_q, a.mask_stride_k);
    a.mask = call.data(call.ctx, 5);
  }

  a.scale = static_cast<float>(desc[kScale]);
  if (!std::isfinite(a.scale)) throw std::range_error("attnkit native: scale must be finite");
  a.causal = desc[kCausal] != 0;
  const double offset = desc[kPositionOffset];
  if (!(std::fabs(offset) <= 9007199254740991.0) || std::floor(offset) != offset)
    throw std::range_error("attnkit native: bad causal offset");
  a.position_offset = static_cast<int64_t>(offset);

  a.window_left = window_side(desc[kWindowLeft]);
  a.window_right = window_side(desc[kWindowRight]);
  a.window = (a.window_left >= 0 ? ATTN_WINDOW_LEFT : 0) | (a.window_right >= 0 ? ATTN_WINDOW_RIGHT : 0);
  a.softcap = static_cast<float>(desc[kSoftcap]);
  if (!(a.softcap >= 0.0f) || !std::isfinite(a.softcap)) throw std::range_error("attnkit native: softcap must be finite and >= 0");
  a.compute_bf16 = desc[kComputeBf16] != 0;
  if (call[7].type != ArgType::kNull) {
    const CallArg& t = typed_arg(call, 7, ArgType::kFloat32, "alibiSlopes");
    if (t.length < static_cast<size_t>(a.heads_q)) throw std::range_error("attnkit native: alibiSlopes needs one slope per query head");
    a.alibi_slopes = call.f32(7);
  }
  if (call[8].type != ArgType::kNull) {
    const CallArg& t = typed_arg(call, 8, ArgType::kFloat32, "relativeBias");
    a.rel_bias_stride_h = desc_int(desc, kRelBiasStrideH, "relative bias stride");
    const int64_t row = a.len_q + a.len_k - 1;
    if (row > 0) check_extent("relativeBias", t.length, 1, a.heads_q, 1, row, 0, a.rel_bias_stride_h, 0, 1);
    a.rel_bias = call.f32(8);
  }
  if (call[9].type != ArgType::kNull) {
    const CallArg& t = typed_arg(call, 9, ArgType::kFloat32, "sinks");
    if (t.length < static_cast<size_t>(a.heads_q)) throw std::range_error("attnkit native: sinks needs one logit per query head");
    a.sinks = call.f32(9);
  }
  if (call[10].type != ArgType::kNull) {
    const CallArg& t = typed_arg(call, 10, ArgType::kInt32, "kvLengths");
    if (t.length < static_cast<size_t>(a.batch)) throw std::range_error("attnkit native: kvLengths needs one length per batch entry");
    const int32_t* lens = static_cast<const int32_t*>(call.data(call.ctx, 10));
    for (int64_t b = 0; b < a.batch; ++b)
      if (lens[b] < 0 || lens[b] > a.len_k) throw std::range_error("attnkit native: kvLengths must be in [0, len_k]");
    a.kv_lens = lens;
    a.kv_lens_shift = desc[kKvLengthsShift] != 0;
  }
  if (call[11].type != ArgType::kNull) {
    const CallArg& t = typed_arg(call, 11, ArgType::kFloat32, "lse");
    // Contiguous [B, Hq, Lq]; the product in double, as for weights.
    if (double(a.batch) * double(a.heads_q) * double(a.len_q) > double(t.length))
      throw std::range_error("attnkit native: lse is too short for [batch, heads_q, len_q]");
    a.lse = call.f32(11);
  }
  return a;
}

}  // namespace attnkit
