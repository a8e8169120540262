#include "sdpa_worker.h"

#include <exception>

#include "../dispatch/kernel_table.h"

namespace attnkit {

SdpaWorker::SdpaWorker(const Napi::CallbackInfo& info, const attn_sdpa_args& args)
    : Napi::AsyncWorker(info.Env(), "attnkit.sdpa"), args_(args), deferred_(Napi::Promise::Deferred::New(info.Env())) {
  for (size_t i = 0; i < 7; ++i)
    if (info[i].IsObject()) keep_alive_.push_back(Napi::Persistent(info[i].As<Napi::Object>()));
}

void SdpaWorker::Execute() {
  try {
    kernel_table().sdpa_f32(args_);
  } catch (const std::exception& e) {
    SetError(e.what());
  }
}

void SdpaWorker::OnOK() { deferred_.Resolve(Env().Undefined()); }

void SdpaWorker::OnError(const Napi::Error& e) { deferred_.Reject(e.Value()); }

}  // namespace attnkit
