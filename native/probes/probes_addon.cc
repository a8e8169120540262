// The bench-only probes addon (bench/probes/binding.gyp): the FMA peak and read bandwidth that
// `npm run bench` measures its figures against. Not part of the shipped attnkit addon.
#include <napi.h>

#include <stdexcept>
#include <string>

#include "../napi/guarded.h"
#include "probes.h"

namespace attnkit {
namespace {

// probeFmaPeak(threads, bits?) -> GFLOP/s, probeReadBandwidth(threads) -> GB/s: the bench's own yardsticks.
int probe_threads_arg(const Napi::CallbackInfo& info, const char* op) {
  const Napi::Value v = info[0];
  const double t = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(t >= 1 && t <= 256 && t == static_cast<int>(t)))
    throw std::range_error(std::string(op) + ": threads must be an integer in [1, 256]");
  return static_cast<int>(t);
}

// probeFmaPeak(threads, bits?): bits 256 or 512, omitted (or undefined) for the widest this CPU runs.
int probe_bits_arg(const Napi::CallbackInfo& info) {
  if (info.Length() < 2 || info[1].IsUndefined()) return kProbeWidthWidest;
  if (!info[1].IsNumber()) throw std::invalid_argument("probeFmaPeak: bits must be a number (256 or 512) or undefined");
  const double bits = info[1].As<Napi::Number>().DoubleValue();
  if (bits != 256 && bits != 512) throw std::range_error("probeFmaPeak: bits must be 256 or 512");
  const int widest = probe_fma_widest();
  if (bits > widest)
    throw std::range_error("probeFmaPeak: bits " + std::to_string(static_cast<int>(bits)) + " is wider than this build and CPU run (widest: " +
                           (widest ? std::to_string(widest) : std::string("the portable loop")) + ")");
  return static_cast<int>(bits);
}

Napi::Value ProbeFmaPeak(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const int threads = probe_threads_arg(info, "probeFmaPeak");
    return Napi::Number::New(info.Env(), probe_fma_peak(threads, probe_bits_arg(info)));
  });
}

Napi::Value ProbeReadBandwidth(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), probe_read_bandwidth(probe_threads_arg(info, "probeReadBandwidth")));
  });
}

}  // namespace
}  // namespace attnkit

static Napi::Object InitProbes(Napi::Env env, Napi::Object exports) {
  exports.Set("probeFmaPeak", Napi::Function::New(env, attnkit::ProbeFmaPeak, "probeFmaPeak"));
  exports.Set("probeReadBandwidth", Napi::Function::New(env, attnkit::ProbeReadBandwidth, "probeReadBandwidth"));
  return exports;
}

NODE_API_MODULE(attnkit_probes, InitProbes)
