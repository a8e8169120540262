#include "sdpa_worker.h"

#include <exception>

#include "../dispatch/kernel_table.h"
#include "../threading/thread_pool.h"
#include "sdpa_args.h"

namespace attnkit {

SdpaWorker::SdpaWorker(const Napi::CallbackInfo& info, const attn_sdpa_args& args)
    : Napi::AsyncWorker(info.Env(), "attnkit.sdpa"), args_(args), deferred_(Napi::Promise::Deferred::New(info.Env())) {
  for (size_t i = 0; i < kSdpaArgCount; ++i)
    if (info[i].IsObject()) keep_alive_.push_back(Napi::Persistent(info[i].As<Napi::Object>()));
}

// Runs on a libuv worker, which joins the addon's pool as one of its num_threads threads; a
// concurrent call waits for this one (see native/threading/thread_pool.h), so async calls never
// oversubscribe the cores. Only one libuv thread is held per call.
void SdpaWorker::Execute() {
  try {
    const ParallelFor pf = ThreadPool::instance().handle();
    run_sdpa_f32(args_, &pf);
  } catch (const std::exception& e) {
    SetError(e.what());
  }
}

void SdpaWorker::OnOK() { deferred_.Resolve(Env().Undefined()); }

void SdpaWorker::OnError(const Napi::Error& e) { deferred_.Reject(e.Value()); }

}  // namespace attnkit
