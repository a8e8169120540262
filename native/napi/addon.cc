// Node-API entry point: every export of the addon is listed here.
// Built with C++ exceptions (node_addon_api_except); std exceptions become JS errors below.
#include <napi.h>

#include <stdexcept>

#include "../dispatch/kernel_table.h"
#include "linear_args.h"
#include "sdpa_args.h"
#include "sdpa_worker.h"

namespace attnkit {

// Bumped with every change to the exports or the descriptor; src/backends/native/addon-types.ts checks it.
constexpr int kAddonAbi = 2;  // 2: + linear()

namespace {

// Runs fn, turning std exceptions into JS TypeError/RangeError/Error with the same message.
template <typename Fn>
Napi::Value guarded(const Napi::CallbackInfo& info, Fn fn) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::invalid_argument& e) {
    throw Napi::TypeError::New(info.Env(), e.what());
  } catch (const std::range_error& e) {
    throw Napi::RangeError::New(info.Env(), e.what());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

Napi::Value Sdpa(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const attn_sdpa_args args = sdpa_args_from_js(info);
    kernel_table().sdpa_f32(args);
    return info.Env().Undefined();
  });
}

Napi::Value SdpaAsync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const attn_sdpa_args args = sdpa_args_from_js(info);
    kernel_table();  // surface a bad ATTNKIT_SIMD here, on the calling thread
    auto* worker = new SdpaWorker(info, args);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  });
}

// linear(x, w, bias|null, y, desc): y = x · wᵀ + b, synchronously (projections are short).
Napi::Value Linear(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    run_linear(linear_args_from_js(info));
    return info.Env().Undefined();
  });
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("simd", kernel_table().simd);
    o.Set("threads", 1);
    o.Set("gemm", linear_kernel_name());
    return o;
  });
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abi", Napi::Number::New(env, kAddonAbi));
  exports.Set("sdpa", Napi::Function::New(env, Sdpa, "sdpa"));
  exports.Set("sdpaAsync", Napi::Function::New(env, SdpaAsync, "sdpaAsync"));
  exports.Set("linear", Napi::Function::New(env, Linear, "linear"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  return exports;
}

}  // namespace attnkit

static Napi::Object InitAttnkit(Napi::Env env, Napi::Object exports) { return attnkit::Init(env, exports); }

NODE_API_MODULE(attnkit, InitAttnkit)
