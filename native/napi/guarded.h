// Runs a Node-API callback body, turning std exceptions into JS TypeError/RangeError/Error with the same
// message: std::invalid_argument -> TypeError, std::range_error -> RangeError. Shared by the attnkit addon
// and the bench's probes addon.
#pragma once
#include <napi.h>

#include <stdexcept>

namespace attnkit {

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

}  // namespace attnkit
