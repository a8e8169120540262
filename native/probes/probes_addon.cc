// The bench-only probes addon (bench/probes/binding.gyp): the FMA peak and read bandwidth that
// `npm run bench` measures its figures against. Not part of the shipped attnkit addon.
#include <napi.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "../napi/guarded.h"
#include "probes.h"

namespace attnkit {
namespace {

// probeFmaPeak(threads, bits?) -> GFLOP/s, probeReadBandwidth(threads, repeats?) -> GB/s: the bench's own
// yardsticks; probeReadSpans(threads, spans) -> { gbs, sum }: a pure read of given bytes.
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

// probeReadBandwidth(threads, repeats?): repeats an integer in [1, 64], omitted (or undefined) for 4.
Napi::Value ProbeReadBandwidth(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const int threads = probe_threads_arg(info, "probeReadBandwidth");
    int repeats = 4;
    if (info.Length() >= 2 && !info[1].IsUndefined()) {
      if (!info[1].IsNumber()) throw std::invalid_argument("probeReadBandwidth: repeats must be a number or undefined");
      const double r = info[1].As<Napi::Number>().DoubleValue();
      if (!(r >= 1 && r <= 64 && r == static_cast<int>(r)))
        throw std::range_error("probeReadBandwidth: repeats must be an integer in [1, 64]");
      repeats = static_cast<int>(r);
    }
    return Napi::Number::New(info.Env(), probe_read_bandwidth(threads, repeats));
  });
}

// A non-negative integer that is a multiple of 4 (a span is read as floats), else a RangeError.
std::size_t span_bytes_arg(const Napi::Value& v, std::size_t i, const char* what) {
  const double x = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(x >= 0 && x <= 9007199254740991.0 && x == static_cast<double>(static_cast<std::size_t>(x)) &&
        static_cast<std::size_t>(x) % 4 == 0))
    throw std::range_error("probeReadSpans: spans[" + std::to_string(i) + "]'s " + what +
                           " must be a non-negative integer multiple of 4");
  return static_cast<std::size_t>(x);
}

// probeReadSpans(threads, spans): spans an array of [typedArray, byteOffset, byteLength], offsets from
// the typed array's first byte and within it, multiples of 4. Read in order by the threads, each whole.
Napi::Value ProbeReadSpans(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const int threads = probe_threads_arg(info, "probeReadSpans");
    if (info.Length() < 2 || !info[1].IsArray())
      throw std::invalid_argument("probeReadSpans: spans must be an array of [typedArray, byteOffset, byteLength]");
    const Napi::Array list = info[1].As<Napi::Array>();
    std::vector<ProbeSpan> spans;
    spans.reserve(list.Length());
    for (uint32_t i = 0; i < list.Length(); i++) {
      const Napi::Value e = list.Get(i);
      if (!e.IsArray() || e.As<Napi::Array>().Length() != 3 || !e.As<Napi::Array>().Get(0u).IsTypedArray())
        throw std::invalid_argument("probeReadSpans: spans[" + std::to_string(i) +
                                    "] must be [typedArray, byteOffset, byteLength]");
      const Napi::Array s = e.As<Napi::Array>();
      const Napi::TypedArray view = s.Get(0u).As<Napi::TypedArray>();
      const std::size_t offset = span_bytes_arg(s.Get(1u), i, "byteOffset");
      const std::size_t length = span_bytes_arg(s.Get(2u), i, "byteLength");
      const std::size_t base = view.ByteOffset();
      if (offset > view.ByteLength() || length > view.ByteLength() - offset || base % 4 != 0)
        throw std::range_error("probeReadSpans: spans[" + std::to_string(i) + "] must lie within its typed array's " +
                               std::to_string(view.ByteLength()) + " bytes, which start 4-byte aligned");
      const char* p = static_cast<const char*>(view.ArrayBuffer().Data()) + base + offset;
      spans.push_back({reinterpret_cast<const float*>(p), length / 4});
    }
    double gbs = 0;
    const double sum = probe_read_spans(threads, spans, &gbs);
    Napi::Object r = Napi::Object::New(info.Env());
    r.Set("gbs", Napi::Number::New(info.Env(), gbs));
    r.Set("sum", Napi::Number::New(info.Env(), sum));
    return r;
  });
}

}  // namespace
}  // namespace attnkit

static Napi::Object InitProbes(Napi::Env env, Napi::Object exports) {
  exports.Set("probeFmaPeak", Napi::Function::New(env, attnkit::ProbeFmaPeak, "probeFmaPeak"));
  exports.Set("probeReadBandwidth", Napi::Function::New(env, attnkit::ProbeReadBandwidth, "probeReadBandwidth"));
  exports.Set("probeReadSpans", Napi::Function::New(env, attnkit::ProbeReadSpans, "probeReadSpans"));
  return exports;
}

NODE_API_MODULE(attnkit_probes, InitProbes)
