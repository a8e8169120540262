// Shared by the libFuzzer harnesses (sdpa_fuzz.cpp, linear_fuzz.cpp; built and run by
// scripts/fuzz-native.sh): exactly-sized buffers, a value generator, the SIMD levels this CPU runs, the
// thread set-ups, and a check that reports and aborts (libFuzzer then saves the input).
#pragma once
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../dispatch/kernel_table.h"
#include "../napi/call_args.h"
#include "../threading/thread_pool.h"

#define FUZZ_CHECK(cond, ...)                                          \
  do {                                                                 \
    if (!(cond)) {                                                     \
      std::fprintf(stderr, "fuzz check failed: %s\n  ", #cond);       \
      std::fprintf(stderr, __VA_ARGS__);                               \
      std::fprintf(stderr, "\n");                                      \
      std::abort();                                                    \
    }                                                                  \
  } while (0)

namespace attnkit {
namespace fuzz {

// A buffer of exactly n elements in its own heap block, so ASan flags the first element past the end.
// misaligned: the data starts 4 bytes into the block (a Float32Array at an odd byteOffset / 4); then
// the 4 bytes before it are addressable, the end is still exact.
template <class T>
class Buffer {
 public:
  Buffer() = default;
  Buffer(size_t n, bool misaligned) : n_(n), off_(misaligned ? 4 : 0) {
    block_ = static_cast<char*>(std::malloc(n * sizeof(T) + off_));
    FUZZ_CHECK(block_ != nullptr, "out of memory for %zu elements", n);
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& o) noexcept { *this = static_cast<Buffer&&>(o); }
  Buffer& operator=(Buffer&& o) noexcept {
    std::swap(block_, o.block_);
    std::swap(n_, o.n_);
    std::swap(off_, o.off_);
    return *this;
  }
  ~Buffer() { std::free(block_); }
  T* data() const { return block_ ? reinterpret_cast<T*>(block_ + off_) : nullptr; }
  size_t size() const { return n_; }
  T& operator[](size_t i) const { return data()[i]; }
  bool present() const { return block_ != nullptr; }

 private:
  char* block_ = nullptr;
  size_t n_ = 0;
  size_t off_ = 0;
};

// splitmix64: tensor contents come from a seed the fuzzer picks, so a few input bytes fill any size.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  float uniform() { return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f); }  // [0, 1)
  int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }
};

// Element values. Tame: multiples of 1/64 in [-amp, amp] (bounded, so outputs must be finite and match
// the scalar kernel). Wild: also NaN, ±inf, huge, tiny and subnormal values (memory safety and
// determinism only).
struct Values {
  Rng rng;
  bool wild;
  float amp;
  float next() {
    if (wild && rng.below(8) == 0) {
      static const float special[] = {NAN, -NAN, INFINITY, -INFINITY, 3.4e38f, -3.4e38f, 1e-45f, -1e-40f, 1e20f, -0.0f};
      return special[rng.below(10)];
    }
    return std::round((2.0f * rng.uniform() - 1.0f) * amp * 64.0f) / 64.0f;
  }
  // For ALiBi slopes, the relative bias and sinks, which the TypeScript checks keep finite.
  float next_finite() {
    const float x = next();
    return std::isfinite(x) ? x : std::signbit(x) ? -3.4e38f : 3.4e38f;
  }
};

// Written before a call into every output element; a quiet NaN with a payload no arithmetic makes, so
// an element still holding it after the call was never written.
constexpr uint32_t kSentinelBits = 0x7fc5a5a5u;
inline float sentinel() {
  float f;
  std::memcpy(&f, &kSentinelBits, 4);
  return f;
}
inline bool is_sentinel(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b == kSentinelBits;
}
// Same bits, or both NaN.
inline bool same(float x, float y) {
  return (std::isnan(x) && std::isnan(y)) || std::memcmp(&x, &y, 4) == 0;
}

// The SIMD levels this build and CPU run, each with its kernel table (make_kernel_table).
struct Level {
  const char* name;
  KernelTable table;
};

inline const std::vector<Level>& levels() {
  static const std::vector<Level> all = [] {
    std::vector<Level> v;
    const struct {
      const char* level;
      int width;
      const char* name;
    } wanted[] = {{"scalar", 0, "scalar"}, {"avx2", 0, "avx2"}, {"avx512", 256, "avx512-256"},
                  {"avx512", 512, "avx512-512"}, {"neon", 0, "neon"}};
    for (const auto& w : wanted) {
      KernelTable t{};
      if (make_kernel_table(w.level, w.width, &t)) v.push_back(Level{w.name, t});
    }
    return v;
  }();
  return all;
}

// Runs tasks one by one, last first, with a made-up worker count: results must not depend on which
// thread runs which task, in what order, or on the split the worker count suggests.
inline void reversed_run(void*, int64_t n, void (*task)(void*, int64_t), void* arg) {
  for (int64_t i = n - 1; i >= 0; --i) task(arg, i);
}
inline ParallelFor reversed_pf(int workers) { return ParallelFor{nullptr, reversed_run, workers}; }

// Where a call runs on `threads` threads: 1 is the caller alone (as the addon's pool of 1 thread runs
// it; nullptr keeps the pool from restarting its workers between inputs), 2 the pool of 2.
inline const ParallelFor* pool_pf(int threads) {
  static const ParallelFor two = [] {
    ThreadPool::instance().set_num_threads(2);
    return ThreadPool::instance().handle();
  }();
  return threads == 1 ? nullptr : &two;
}

// CallArgs over the harness's buffers: arg i is types[i], lengths[i], ptrs[i].
struct Call {
  std::vector<CallArg> args;
  std::vector<void*> ptrs;
  explicit Call(size_t n) : args(n, CallArg{ArgType::kNull, 0}), ptrs(n, nullptr) {}
  void set(size_t i, ArgType type, size_t length, void* p) {
    args[i] = CallArg{type, length};
    ptrs[i] = p;
  }
  static void* data(const void* ctx, size_t i) { return static_cast<const Call*>(ctx)->ptrs[i]; }
  CallArgs call() const { return CallArgs{args.data(), args.size(), data, this}; }
};

// True once in n, never when the input has run out (the provider then gives 0s), so a short input
// takes the plain case.
inline bool one_in(FuzzedDataProvider& in, int n) { return in.ConsumeIntegralInRange<int>(0, n - 1) == n - 1; }

// A value the descriptor checks must refuse or survive: non-integers, negatives, NaN, infinities, and
// integers past 2^31, 2^53 and int64.
inline double odd_value(FuzzedDataProvider& in, double current) {
  static const double odd[] = {NAN, -1.0, -0.5, 0.5, 1.5, -0.0, 2147483647.0, 2147483648.0, 4294967297.0,
                               9007199254740991.0, 9007199254740992.0, 1e19, 1e300, INFINITY, -INFINITY, 3.5e38};
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: return current + 1;
    case 1: return current - 1;
    case 2: return current * 2 + 1;
    default: return in.PickValueInArray(odd);
  }
}

// FUZZ_VERBOSE=1 (replaying one input: ./build/fuzz/sdpa_fuzz FILE) prints the call it decodes to.
inline bool verbose() {
  static const bool on = std::getenv("FUZZ_VERBOSE") != nullptr;
  return on;
}

// Counts for the summary line printed at exit.
struct Stats {
  const char* harness;
  uint64_t calls = 0, refused = 0, ran = 0, compared = 0, skipped_large = 0;
  std::vector<uint64_t> per_level;
  explicit Stats(const char* h) : harness(h), per_level(levels().size()) {}
  ~Stats() {
    std::fprintf(stderr, "%s: %llu calls: %llu refused by the argument check, %llu ran (%llu compared with scalar), %llu too large to run;",
                 harness, (unsigned long long)calls, (unsigned long long)refused, (unsigned long long)ran,
                 (unsigned long long)compared, (unsigned long long)skipped_large);
    for (size_t i = 0; i < levels().size(); ++i)
      std::fprintf(stderr, " %s %llu", levels()[i].name, (unsigned long long)per_level[i]);
    std::fprintf(stderr, "\n");
  }
};

}  // namespace fuzz
}  // namespace attnkit
