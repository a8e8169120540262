// Node-API entry point: every export of the addon is listed here.
// Built with C++ exceptions (node_addon_api_except); std exceptions become JS errors below.
#include <napi.h>


#include <stdexcept>
#include <string>

#include "../dispatch/kernel_table.h"
#include "abi_generated.h"
#include "guarded.h"
#include "../threading/thread_pool.h"
#include "js_args.h"
#include "sdpa_backward_args.h"
#include "sdpa_backward_worker.h"
#include "sdpa_worker.h"

namespace attnkit {

namespace {

Napi::Value Sdpa(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const attn_sdpa_args args = sdpa_args_from_js(info);
    const ParallelFor pf = ThreadPool::instance().handle();
    run_sdpa_f32(args, &pf);
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

// sdpaBackward(forward's 11 arguments, dOut, lse|null, dq, dk, dv, dSinks|null, bwdDesc): the gradients,
// synchronously on the thread pool (see sdpa_backward_args.h).
Napi::Value SdpaBackward(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const attn_sdpa_bwd_args args = sdpa_bwd_args_from_call(JsArgs(info).call());
    const ParallelFor pf = ThreadPool::instance().handle();
    run_sdpa_backward_f32(args, &pf);
    return info.Env().Undefined();
  });
}

Napi::Value SdpaBackwardAsync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const attn_sdpa_bwd_args args = sdpa_bwd_args_from_call(JsArgs(info).call());
    kernel_table();  // surface a bad ATTNKIT_SIMD here, on the calling thread
    auto* worker = new SdpaBackwardWorker(info, args);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  });
}

// linear(x, w, bias|null, y, desc): y = x · wᵀ + b, synchronously on the thread pool.
Napi::Value Linear(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const ParallelFor pf = ThreadPool::instance().handle();
    run_linear(linear_args_from_js(info), &pf);
    return info.Env().Undefined();
  });
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("simd", kernel_table().simd);
    o.Set("fmaWidth", kernel_table().fma_width);
    o.Set("bf16", kernel_table().sdpa_bf16 != nullptr);
    o.Set("threads", ThreadPool::instance().num_threads());
    o.Set("gemm", linear_kernel_name());
    return o;
  });
}

// setNumThreads(n): threads per call, caller included. TypeScript validates n; this re-checks.
Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsNumber()) throw std::invalid_argument("setNumThreads: n must be a number");
    const double n = info[0].As<Napi::Number>().DoubleValue();
    if (!(n >= 1 && n <= 1024) || n != static_cast<double>(static_cast<int>(n)))
      throw std::range_error("setNumThreads: n must be an integer in [1, 1024]");
    ThreadPool::instance().set_num_threads(static_cast<int>(n));
    return info.Env().Undefined();
  });
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), ThreadPool::instance().num_threads());
}

}  // namespace

// Called from the main thread's 'exit' event: libuv then drains its queue before it joins its threads,
// and without this process.exit() would wait for every queued async call to compute a result nobody reads.
Napi::Value AbandonJobs(const Napi::CallbackInfo& info) {
  ThreadPool::instance().abandon_jobs();
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abi", Napi::Number::New(env, kAddonAbi));
  exports.Set("sdpa", Napi::Function::New(env, Sdpa, "sdpa"));
  exports.Set("sdpaAsync", Napi::Function::New(env, SdpaAsync, "sdpaAsync"));
  exports.Set("sdpaBackward", Napi::Function::New(env, SdpaBackward, "sdpaBackward"));
  exports.Set("sdpaBackwardAsync", Napi::Function::New(env, SdpaBackwardAsync, "sdpaBackwardAsync"));
  exports.Set("linear", Napi::Function::New(env, Linear, "linear"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("abandonJobs", Napi::Function::New(env, AbandonJobs, "abandonJobs"));
  return exports;
}

}  // namespace attnkit

static Napi::Object InitAttnkit(Napi::Env env, Napi::Object exports) { return attnkit::Init(env, exports); }

NODE_API_MODULE(attnkit, InitAttnkit)
