// Runs the probe loops on N std::threads that start together, and reports the best of a few repeats
// (the machine is shared: the best run is the one least disturbed).
#include "probes.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace attnkit {

#if defined(ATTNKIT_PROBES_AVX2)
bool probe_has_avx2() {
#if defined(__GNUC__) || defined(__clang__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}
#else
bool probe_has_avx2() { return false; }
std::uint64_t probe_fma_loop_avx2(std::uint64_t, float*) { return 0; }
float probe_read_loop_avx2(const float*, std::size_t) { return 0; }
#endif

#if defined(ATTNKIT_PROBES_AVX512)
bool probe_has_avx512() {
#if defined(__GNUC__) || defined(__clang__)
  // libgcc's cpu model also checks that the OS saves zmm state before reporting avx512f.
  return probe_has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw");
#else
  return false;
#endif
}
#else
bool probe_has_avx512() { return false; }
std::uint64_t probe_fma_loop_avx512(std::uint64_t, float*) { return 0; }
#endif

namespace {

using Clock = std::chrono::steady_clock;

void check_threads(int threads) {
  if (threads < 1 || threads > 256) throw std::range_error("probe: threads must be an integer in [1, 256]");
}

// Starts `threads` workers behind a spin barrier and returns the wall seconds from the release to the
// last worker's end.
template <typename Fn>
double timed_parallel(int threads, Fn fn) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (int t = 0; t < threads; t++)
    pool.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      fn(t);
    });
  while (ready.load() < threads) std::this_thread::yield();
  const auto start = Clock::now();
  go.store(true, std::memory_order_release);
  for (auto& th : pool) th.join();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

volatile float g_sink;  // results land here so no loop is optimised away

}  // namespace

int probe_fma_widest() { return probe_has_avx512() ? 512 : probe_has_avx2() ? 256 : 0; }

double probe_fma_peak(int threads, int bits) {
  check_threads(threads);
  // By default the widest FMA this CPU runs: the peak is the machine's, whichever level the kernels use.
  // A core that splits a 512-bit FMA in two reaches the same peak at both widths; one with full-width
  // 512-bit pipes reaches twice its 256-bit peak.
  const int widest = probe_fma_widest();
  if (bits == kProbeWidthWidest) bits = widest;
  if (bits != widest && !(bits == 256 && widest == 512))
    throw std::range_error("probe: this build or CPU has no " + std::to_string(bits) + "-bit FMA loop (widest: " +
                           (widest ? std::to_string(widest) + "-bit" : "the portable loop") + ")");
  // ~0.04 s per repeat at 100 GFLOP/s per core.
  const std::uint64_t iters = bits == 512 ? 10'000'000 : bits == 256 ? 20'000'000 : 40'000'000;
  double best = 0;
  for (int rep = 0; rep < 4; rep++) {
    std::vector<std::uint64_t> flops(threads, 0);
    const double secs = timed_parallel(threads, [&](int t) {
      float sink = 0;
      flops[t] = bits == 512   ? probe_fma_loop_avx512(iters, &sink)
                 : bits == 256 ? probe_fma_loop_avx2(iters, &sink)
                               : probe_fma_loop_generic(iters, &sink);
      g_sink = sink;
    });
    double total = 0;
    for (auto f : flops) total += static_cast<double>(f);
    best = std::max(best, total / secs / 1e9);
  }
  return best;
}

double probe_read_bandwidth(int threads, int repeats) {
  check_threads(threads);
  if (repeats < 1 || repeats > 64) throw std::range_error("probe: repeats must be an integer in [1, 64]");
  // 256 MiB: far past any last-level cache, so every pass streams from DRAM.
  const std::size_t bytes = std::size_t(256) << 20;
  const std::size_t n = bytes / sizeof(float);
  std::unique_ptr<float[]> owner(new float[n + 16]);
  float* p = owner.get();
  while (reinterpret_cast<std::uintptr_t>(p) % 32 != 0) p++;
  // Each thread first-touches (and so maps) its own slice.
  const std::size_t per = (n / threads) / 64 * 64;
  timed_parallel(threads, [&](int t) { std::fill(p + t * per, p + (t + 1) * per, 1.0f); });
  const bool avx2 = probe_has_avx2();
  double best = 0;
  // An untimed pass first: the first read after the fill also writes the fill's dirty lines back, and
  // a single timed pass (repeats = 1) would count that.
  for (int rep = -1; rep < repeats; rep++) {
    const double secs = timed_parallel(threads, [&](int t) {
      const float* slice = p + t * per;
      g_sink = avx2 ? probe_read_loop_avx2(slice, per) : probe_read_loop_generic(slice, per);
    });
    if (rep < 0) continue;
    best = std::max(best, static_cast<double>(per) * threads * sizeof(float) / secs / 1e9);
  }
  return best;
}

double probe_read_spans(int threads, const std::vector<ProbeSpan>& spans, double* gbs) {
  check_threads(threads);
  const bool avx2 = probe_has_avx2();
  std::atomic<std::size_t> next{0};
  std::vector<double> sums(threads, 0.0);
  const double secs = timed_parallel(threads, [&](int t) {
    for (std::size_t i; (i = next.fetch_add(1)) < spans.size();)
      sums[t] += avx2 ? probe_read_loop_avx2(spans[i].p, spans[i].n) : probe_read_loop_generic(spans[i].p, spans[i].n);
  });
  double bytes = 0, sum = 0;
  for (const ProbeSpan& s : spans) bytes += static_cast<double>(s.n) * sizeof(float);
  for (double s : sums) sum += s;
  *gbs = secs > 0 ? bytes / secs / 1e9 : 0;
  return sum;
}

}  // namespace attnkit
