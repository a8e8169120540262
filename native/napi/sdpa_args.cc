#include "sdpa_args.h"

#include <cmath>
#include <string>

#include "typed_data.h"

namespace attnkit {

namespace {

int64_t desc_int(const double* desc, int slot, const char* what) {
  const double x = desc[slot];
  if (!(x >= 0) || x > 9007199254740991.0 || std::floor(x) != x)
    throw std::range_error(std::string("attnkit native: bad descriptor value for ") + what);
  return static_cast<int64_t>(x);
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

Napi::TypedArray typed_arg(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type type, const char* name) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != type)
    throw std::invalid_argument(std::string("attnkit native: ") + name + " has the wrong type");
  return info[i].As<Napi::TypedArray>();
}

// A window side: -1 (unbounded) or a non-negative integer.
int64_t window_side(double x) {
  if (x == -1) return -1;
  if (!(x >= 0) || x > 9007199254740991.0 || std::floor(x) != x) throw std::range_error("attnkit native: bad window bound");
  return static_cast<int64_t>(x);
}

float* f32_data(Napi::TypedArray t) { return typed_data<float>(t); }

}  // namespace

attn_sdpa_args sdpa_args_from_js(const Napi::CallbackInfo& info) {
  if (info.Length() < kSdpaArgCount) throw std::invalid_argument("attnkit native: sdpa expects 10 arguments");
  Napi::TypedArray q = typed_arg(info, 0, napi_float32_array, "q");
  Napi::TypedArray k = typed_arg(info, 1, napi_float32_array, "k");
  Napi::TypedArray v = typed_arg(info, 2, napi_float32_array, "v");
  Napi::TypedArray out = typed_arg(info, 3, napi_float32_array, "out");
  Napi::TypedArray descArr = typed_arg(info, 6, napi_float64_array, "desc");
  if (descArr.ElementLength() != kDescLength) throw std::invalid_argument("attnkit native: bad descriptor length");
  const double* desc = typed_data<const double>(descArr);

  attn_sdpa_args a{};
  a.batch = desc_int(desc, kBatch, "batch");
  a.heads_q = desc_int(desc, kHeadsQ, "heads_q");
  a.heads_kv = desc_int(desc, kHeadsKv, "heads_kv");
  a.len_q = desc_int(desc, kLenQ, "len_q");
  a.len_k = desc_int(desc, kLenK, "len_k");
  a.dim_qk = desc_int(desc, kDimQk, "dim_qk");
  a.dim_v = desc_int(desc, kDimV, "dim_v");
  if (a.heads_q > 0 && (a.heads_kv == 0 || a.heads_q % a.heads_kv != 0))
    throw std::range_error("attnkit native: heads_q must be a multiple of heads_kv");
  a.q_view = view_at(desc, kQStride);
  a.k_view = view_at(desc, kKStride);
  a.v_view = view_at(desc, kVStride);
  a.out_view = view_at(desc, kOutStride);

  check_extent("q", q.ElementLength(), a.batch, a.heads_q, a.len_q, a.dim_qk, a.q_view.stride_b, a.q_view.stride_h, a.q_view.stride_l, 1);
  check_extent("k", k.ElementLength(), a.batch, a.heads_kv, a.len_k, a.dim_qk, a.k_view.stride_b, a.k_view.stride_h, a.k_view.stride_l, 1);
  check_extent("v", v.ElementLength(), a.batch, a.heads_kv, a.len_k, a.dim_v, a.v_view.stride_b, a.v_view.stride_h, a.v_view.stride_l, 1);
  check_extent("out", out.ElementLength(), a.batch, a.heads_q, a.len_q, a.dim_v, a.out_view.stride_b, a.out_view.stride_h, a.out_view.stride_l, 1);
  a.q = f32_data(q);
  a.k = f32_data(k);
  a.v = f32_data(v);
  a.out = f32_data(out);

  if (!info[4].IsNull() && !info[4].IsUndefined()) {
    Napi::TypedArray w = typed_arg(info, 4, napi_float32_array, "weights");
    check_extent("weights", w.ElementLength(), a.batch, a.heads_q, a.len_q, a.len_k,
                 a.heads_q * a.len_q * a.len_k, a.len_q * a.len_k, a.len_k, 1);
    a.weights = f32_data(w);
  }

  a.mask_kind = static_cast<int32_t>(desc_int(desc, kMaskKind, "mask_kind"));
  if (a.mask_kind != ATTN_MASK_NONE) {
    const bool is_bool = a.mask_kind == ATTN_MASK_BOOL;
    if (!is_bool && a.mask_kind != ATTN_MASK_ADDITIVE) throw std::range_error("attnkit native: bad mask kind");
    Napi::TypedArray m = typed_arg(info, 5, is_bool ? napi_uint8_array : napi_float32_array, "mask");
    a.mask_stride_b = desc_int(desc, kMaskStride, "mask stride");
    a.mask_stride_h = desc_int(desc, kMaskStride + 1, "mask stride");
    a.mask_stride_q = desc_int(desc, kMaskStride + 2, "mask stride");
    a.mask_stride_k = desc_int(desc, kMaskStride + 3, "mask stride");
    check_extent("mask", m.ElementLength(), a.batch, a.heads_q, a.len_q, a.len_k,
                 a.mask_stride_b, a.mask_stride_h, a.mask_stride_q, a.mask_stride_k);
    a.mask = typed_data<const uint8_t>(m);
  }

  a.scale = static_cast<float>(desc[kScale]);
  if (!std::isfinite(a.scale)) throw std::range_error("attnkit native: scale must be finite");
  a.causal = desc[kCausal] != 0;
  const double offset = desc[kCausalOffset];
  if (!(std::fabs(offset) <= 9007199254740991.0) || std::floor(offset) != offset)
    throw std::range_error("attnkit native: bad causal offset");
  a.causal_offset = static_cast<int64_t>(offset);

  a.window_left = window_side(desc[kWindowLeft]);
  a.window_right = window_side(desc[kWindowRight]);
  a.window = (a.window_left >= 0 ? ATTN_WINDOW_LEFT : 0) | (a.window_right >= 0 ? ATTN_WINDOW_RIGHT : 0);
  a.softcap = static_cast<float>(desc[kSoftcap]);
  if (!(a.softcap >= 0.0f) || !std::isfinite(a.softcap)) throw std::range_error("attnkit native: softcap must be finite and >= 0");
  a.compute_bf16 = desc[kComputeBf16] != 0;
  if (!info[7].IsNull() && !info[7].IsUndefined()) {
    Napi::TypedArray t = typed_arg(info, 7, napi_float32_array, "alibiSlopes");
    if (t.ElementLength() < static_cast<size_t>(a.heads_q)) throw std::range_error("attnkit native: alibiSlopes needs one slope per query head");
    a.alibi_slopes = f32_data(t);
  }
  if (!info[8].IsNull() && !info[8].IsUndefined()) {
    Napi::TypedArray t = typed_arg(info, 8, napi_float32_array, "relativeBias");
    a.rel_bias_stride_h = desc_int(desc, kRelBiasStrideH, "relative bias stride");
    const int64_t row = a.len_q + a.len_k - 1;
    if (row > 0) check_extent("relativeBias", t.ElementLength(), 1, a.heads_q, 1, row, 0, a.rel_bias_stride_h, 0, 1);
    a.rel_bias = f32_data(t);
  }
  if (!info[9].IsNull() && !info[9].IsUndefined()) {
    Napi::TypedArray t = typed_arg(info, 9, napi_float32_array, "sinks");
    if (t.ElementLength() < static_cast<size_t>(a.heads_q)) throw std::range_error("attnkit native: sinks needs one logit per query head");
    a.sinks = f32_data(t);
  }
  return a;
}

}  // namespace attnkit
