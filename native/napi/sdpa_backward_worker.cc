#include "sdpa_backward_worker.h"

#include <exception>

#include "../dispatch/kernel_table.h"
#include "../threading/thread_pool.h"
#include "sdpa_backward_args.h"

namespace attnkit {

SdpaBackwardWorker::SdpaBackwardWorker(const Napi::CallbackInfo& info, const attn_sdpa_bwd_args& args)
    : Napi::AsyncWorker(info.Env(), "attnkit.sdpaBackward"),
      args_(args),
      deferred_(Napi::Promise::Deferred::New(info.Env())) {
  for (size_t i = 0; i < kSdpaBwdArgCount; ++i)
    if (info[i].IsObject()) keep_alive_.push_back(Napi::Persistent(info[i].As<Napi::Object>()));
}

// As SdpaWorker::Execute: this libuv thread joins the addon's pool for the call.
void SdpaBackwardWorker::Execute() {
  try {
    const ParallelFor pf = ThreadPool::instance().handle();
    run_sdpa_backward_f32(args_, &pf);
  } catch (const std::exception& e) {
    SetError(e.what());
  }
}

void SdpaBackwardWorker::OnOK() { deferred_.Resolve(Env().Undefined()); }

void SdpaBackwardWorker::OnError(const Napi::Error& e) { deferred_.Reject(e.Value()); }

}  // namespace attnkit
