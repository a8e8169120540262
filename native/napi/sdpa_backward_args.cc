#include "sdpa_backward_args.h"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "sdpa_args.h"

namespace attnkit {

namespace {

// As sdpa_args.cc: element strides, non-negative integers up to 2^53.
attn_view bwd_view_at(const double* desc, int slot) {
  int64_t s[3];
  for (int x = 0; x < 3; ++x) {
    const double v = desc[slot + x];
    if (!(v >= 0) || v > 9007199254740991.0 || std::floor(v) != v)
      throw std::range_error("attnkit native: bad backward descriptor stride");
    s[x] = static_cast<int64_t>(v);
  }
  return attn_view{s[0], s[1], s[2]};
}

const CallArg& f32_arg(const CallArgs& call, size_t i, const char* name) {
  if (call[i].type != ArgType::kFloat32) throw std::invalid_argument(std::string("attnkit native: ") + name + " has the wrong type");
  return call[i];
}

// The largest element a [n0, n1, n2, n3] walk with the view's strides (last dim contiguous) touches.
void check_view(const char* name, size_t length, int64_t n0, int64_t n1, int64_t n2, int64_t n3, const attn_view& v) {
  if (n0 == 0 || n1 == 0 || n2 == 0 || n3 == 0) return;
  const double last = double(n0 - 1) * v.stride_b + double(n1 - 1) * v.stride_h + double(n2 - 1) * v.stride_l + double(n3 - 1);
  if (last >= double(length)) throw std::range_error(std::string("attnkit native: ") + name + " is too short for its shape and strides");
}

}  // namespace

attn_sdpa_bwd_args sdpa_bwd_args_from_call(const CallArgs& call) {
  if (call.count < kSdpaBwdArgCount) throw std::invalid_argument("attnkit native: sdpaBackward expects " + std::to_string(kSdpaBwdArgCount) + " arguments");
  attn_sdpa_bwd_args a{};
  a.fwd = sdpa_args_from_call(call);
  const attn_sdpa_args& f = a.fwd;
  if (f.weights) throw std::invalid_argument("attnkit native: sdpaBackward takes no weights");
  if (f.rel_bias) throw std::invalid_argument("attnkit native: sdpaBackward does not differentiate a relative bias");
  if (f.lse) throw std::invalid_argument("attnkit native: sdpaBackward takes its lse after dOut, not as the forward's lse");
  if (f.kv_dtype != ATTN_KV_F32) throw std::invalid_argument("attnkit native: sdpaBackward takes float32 k and v");
  const size_t base = kSdpaArgCount;
  const CallArg& dout = f32_arg(call, base, "dOut");
  if (call[base + 6].type != ArgType::kFloat64 || call[base + 6].length != kBwdDescLength)
    throw std::invalid_argument("attnkit native: bad backward descriptor");
  const double* desc = static_cast<const double*>(call.data(call.ctx, base + 6));
  a.dout_view = bwd_view_at(desc, kDOutStride);
  a.dq_view = bwd_view_at(desc, kDqStride);
  a.dk_view = bwd_view_at(desc, kDkStride);
  a.dv_view = bwd_view_at(desc, kDvStride);
  check_view("dOut", dout.length, f.batch, f.heads_q, f.len_q, f.dim_v, a.dout_view);
  check_view("dq", f32_arg(call, base + 2, "dq").length, f.batch, f.heads_q, f.len_q, f.dim_qk, a.dq_view);
  check_view("dk", f32_arg(call, base + 3, "dk").length, f.batch, f.heads_kv, f.len_k, f.dim_qk, a.dk_view);
  check_view("dv", f32_arg(call, base + 4, "dv").length, f.batch, f.heads_kv, f.len_k, f.dim_v, a.dv_view);
  if (call[base + 1].type != ArgType::kNull) {
    if (f32_arg(call, base + 1, "lse").length < static_cast<size_t>(f.batch * f.heads_q * f.len_q))
      throw std::range_error("attnkit native: lse needs [batch, heads_q, len_q] values");
    a.lse = call.f32(base + 1);
  }
  if (f.sinks) {
    if (f32_arg(call, base + 5, "dSinks").length < static_cast<size_t>(f.heads_q))
      throw std::range_error("attnkit native: dSinks needs one value per query head");
    a.dsinks = call.f32(base + 5);
  } else if (call[base + 5].type != ArgType::kNull) {
    throw std::invalid_argument("attnkit native: dSinks without sinks");
  }
  a.dout = call.f32(base);
  a.dq = call.f32(base + 2);
  a.dk = call.f32(base + 3);
  a.dv = call.f32(base + 4);
  return a;
}

}  // namespace attnkit
