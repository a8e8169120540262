// Runs one backward call on the libuv thread pool, keeping every buffer alive until it is done.
#pragma once
#include <napi.h>

#include <vector>

#include "attnkit.h"

namespace attnkit {

class SdpaBackwardWorker : public Napi::AsyncWorker {
 public:
  // info's typed arrays are held by reference until OnOK/OnError; args points into them.
  SdpaBackwardWorker(const Napi::CallbackInfo& info, const attn_sdpa_bwd_args& args);
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  attn_sdpa_bwd_args args_;
  Napi::Promise::Deferred deferred_;
  std::vector<Napi::ObjectReference> keep_alive_;
};

}  // namespace attnkit
