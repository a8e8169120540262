// A Node-API call seen as CallArgs (call_args.h): each argument's type and length up front, a typed
// array's data only when a check asks for it. Then the N-API-free checks of sdpa_args.cc and
// linear_args.cc take it.
#pragma once
#include <napi.h>

#include <vector>

#include "call_args.h"
#include "linear_args.h"
#include "sdpa_args.h"
#include "typed_data.h"

namespace attnkit {

class JsArgs {
 public:
  explicit JsArgs(const Napi::CallbackInfo& info) : info_(info) {
    for (size_t i = 0; i < info.Length(); ++i) args_.push_back(arg_of(info[i]));
  }
  CallArgs call() const { return CallArgs{args_.data(), args_.size(), data, &info_}; }

 private:
  static CallArg arg_of(const Napi::Value& v) {
    if (v.IsNull() || v.IsUndefined()) return CallArg{ArgType::kNull, 0};
    if (!v.IsTypedArray()) return CallArg{ArgType::kOther, 0};
    const Napi::TypedArray t = v.As<Napi::TypedArray>();
    const napi_typedarray_type type = t.TypedArrayType();
    const ArgType a = type == napi_float32_array   ? ArgType::kFloat32
                      : type == napi_float64_array ? ArgType::kFloat64
                      : type == napi_uint8_array   ? ArgType::kUint8
                      : type == napi_uint16_array  ? ArgType::kUint16
                      : type == napi_int32_array   ? ArgType::kInt32
                                                   : ArgType::kOther;
    return CallArg{a, t.ElementLength()};
  }
  static void* data(const void* ctx, size_t i) {
    return typed_data<void>((*static_cast<const Napi::CallbackInfo*>(ctx))[i].As<Napi::TypedArray>());
  }

  const Napi::CallbackInfo& info_;
  std::vector<CallArg> args_;
};

inline attn_sdpa_args sdpa_args_from_js(const Napi::CallbackInfo& info) { return sdpa_args_from_call(JsArgs(info).call()); }
inline attn_linear_args linear_args_from_js(const Napi::CallbackInfo& info) {
  return linear_args_from_call(JsArgs(info).call());
}

}  // namespace attnkit
