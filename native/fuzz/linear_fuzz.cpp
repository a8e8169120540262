// libFuzzer harness over linear()'s GEMM entry below N-API: y = x · wᵀ + b. Each input becomes one call
// (rows, in and out features from 0 over tile and block edges, bias or none, 1 or 2 threads, a SIMD level
// this CPU runs), with exactly-sized buffers; now and then a descriptor value, a length, a type or the
// argument count is spoiled. The call goes through the addon's own check (linear_args_from_call), then
// run_linear on the level's kernel table, and the table's GEMM and gemv are also called directly on
// an output range [o_begin, o_end) (o_begin a multiple of 16, as their callers keep it). Checked under
// ASan + UBSan: an accepted call lies inside its buffers, every output is written and nothing else, the
// same bits for any thread count and task order, and on tame values finite outputs within a rounding
// bound of the scalar GEMM (the oracle).
#include <algorithm>
#include <stdexcept>

#include "../kernels/scalar/gemm_f32.h"
#include "../napi/linear_args.h"
#include "fuzz_util.h"

namespace attnkit {
namespace fuzz {
namespace {

constexpr double kMaxWork = 1 << 18;  // multiply-adds per call at most (sizes counted as at least 1)

Stats stats("linear_fuzz");

enum { kX = 0, kW, kBias, kY, kDesc };

int64_t pick_size(FuzzedDataProvider& in, int64_t large) {
  static const int64_t edges[] = {15, 16, 17, 47, 48, 49, 95, 96, 97, 127, 128, 129, 192, 256, 257};
  switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0: return in.ConsumeIntegralInRange<int64_t>(0, large);
    case 1: return in.PickValueInArray(edges);
    default: return in.ConsumeIntegralInRange<int64_t>(0, 9);
  }
}

double work(int64_t rows, int64_t n, int64_t m) {
  return static_cast<double>(std::max<int64_t>(1, rows)) * std::max<int64_t>(1, n) * std::max<int64_t>(1, m);
}

}  // namespace

int run_one(const uint8_t* data, size_t size) {
  // Choices read first; 0 (what a short input gives) is the plain case (see sdpa_fuzz.cpp).
  FuzzedDataProvider in(data, size);
  ++stats.calls;
  const Level& level = levels()[in.ConsumeIntegralInRange<size_t>(0, levels().size() - 1)];
  const int threads = in.ConsumeIntegralInRange<int>(1, 2);
  const int workers = in.ConsumeIntegralInRange<int>(1, 8);
  const int spoil = in.ConsumeIntegralInRange<int>(0, 11);  // 1: descriptor, 2: length, 3: type, 4: count
  const bool tame = !one_in(in, 5);
  Values val{Rng{in.ConsumeIntegral<uint64_t>()}, !tame, std::ldexp(1.0f, in.ConsumeIntegralInRange<int>(-3, 2))};
  const bool misaligned = one_in(in, 4);
  int64_t rows = pick_size(in, 300), n = pick_size(in, 600), m = pick_size(in, 600);
  while (work(rows, n, m) > kMaxWork) {
    int64_t* biggest = &n;
    for (int64_t* x : {&rows, &m})
      if (*x > *biggest) biggest = x;
    *biggest /= 2;
  }
  const bool bias = in.ConsumeBool();

  int64_t len[5] = {rows * n, m * n, bias ? m : 0, rows * m, kLinDescLength};
  const bool present[5] = {true, true, bias, true, true};
  if (spoil == 2) {
    const int i = in.ConsumeIntegralInRange<int>(0, 4);
    len[i] += len[i] > 0 && in.ConsumeBool() ? -1 : 1;
  }
  Buffer<float> f[4];
  for (int i = 0; i < 4; ++i)
    if (present[i]) f[i] = Buffer<float>(len[i], misaligned);
  Buffer<double> desc(len[kDesc], false);
  for (int i : {kX, kW, kBias})
    for (size_t j = 0; j < f[i].size(); ++j) f[i][j] = val.next();
  double slots[kLinDescLength] = {double(rows), double(n), double(m)};
  if (spoil == 1)
    for (int k = in.ConsumeIntegralInRange<int>(1, 2); k > 0; --k) {
      const int slot = in.ConsumeIntegralInRange<int>(0, kLinDescLength - 1);
      slots[slot] = odd_value(in, slots[slot]);
    }
  std::copy_n(slots, std::min<size_t>(kLinDescLength, desc.size()), desc.data());

  Call call(5);
  size_t bytes[5] = {};
  for (int i = 0; i < 5; ++i) {
    if (!present[i]) continue;
    bytes[i] = static_cast<size_t>(len[i]) * (i == kDesc ? 8 : 4);
    call.set(i, i == kDesc ? ArgType::kFloat64 : ArgType::kFloat32, static_cast<size_t>(len[i]),
             i == kDesc ? static_cast<void*>(desc.data()) : static_cast<void*>(f[i].data()));
  }
  if (spoil == 3) {
    const int i = in.ConsumeIntegralInRange<int>(0, 4);
    const ArgType type = in.PickValueInArray({ArgType::kNull, ArgType::kOther, ArgType::kFloat32, ArgType::kFloat64, ArgType::kUint8});
    const bool typed = type != ArgType::kNull && type != ArgType::kOther && call.ptrs[i];
    const size_t elem = type == ArgType::kFloat64 ? 8 : type == ArgType::kUint8 ? 1 : 4;
    call.set(i, typed || type == ArgType::kOther ? type : ArgType::kNull, typed ? bytes[i] / elem : 0, typed ? call.ptrs[i] : nullptr);
  }
  CallArgs args = call.call();
  if (spoil == 4) args.count = in.ConsumeIntegralInRange<size_t>(0, 4);

  attn_linear_args a;
  try {
    a = linear_args_from_call(args);
  } catch (const std::invalid_argument&) {
    ++stats.refused;
    return 0;
  } catch (const std::range_error&) {
    ++stats.refused;
    return 0;
  }
  auto inside = [&](const char* name, int slot, __int128 elems) {
    FUZZ_CHECK(elems * 4 <= static_cast<__int128>(bytes[slot]), "%s: accepted %lld elements over %zu bytes", name,
               static_cast<long long>(elems), bytes[slot]);
  };
  inside("x", kX, static_cast<__int128>(a.rows) * a.in_features);
  inside("weight", kW, static_cast<__int128>(a.out_features) * a.in_features);
  inside("out", kY, static_cast<__int128>(a.rows) * a.out_features);
  if (a.bias) inside("bias", kBias, a.out_features);
  if (work(a.rows, a.in_features, a.out_features) > kMaxWork) {
    ++stats.skipped_large;
    return 0;
  }

  float* y = a.y;
  const size_t y_len = f[kY].size(), y_used = static_cast<size_t>(a.rows * a.out_features);
  std::fill_n(y, y_len, sentinel());
    run_linear(level.table, a, pool_pf(threads));
  ++stats.ran;
  ++stats.per_level[&level - levels().data()];
  for (size_t i = 0; i < y_len; ++i)
    FUZZ_CHECK(is_sentinel(y[i]) == (i >= y_used), "%s: y[%zu] %s", level.name, i, i < y_used ? "not written" : "written past the end");
  const std::vector<float> y1(y, y + y_used);
  std::fill_n(y, y_len, sentinel());
  const ParallelFor rev = reversed_pf(workers);
  run_linear(level.table, a, &rev);
  for (size_t i = 0; i < y_used; ++i)
    FUZZ_CHECK(same(y[i], y1[i]), "%s: y[%zu] %.9g with %d threads, %.9g one task at a time (%d workers)", level.name, i, y1[i],
               threads, y[i], workers);

  // The table's GEMM and gemv on outputs [o_begin, o_end) of every row: those written, no others.
  const int64_t o_begin = 16 * in.ConsumeIntegralInRange<int64_t>(0, a.out_features / 16);
  const int64_t o_end = in.ConsumeIntegralInRange<int64_t>(o_begin, a.out_features);
  Buffer<float> y_ref(y_used, false);
  attn_linear_args r = a;
  r.y = y_ref.data();
  attn_gemm_f32__scalar(r, 0, a.out_features);
  for (GemmFn kernel : {level.table.gemm_f32, level.table.gemv_f32}) {
    if (!kernel) continue;
    std::fill_n(y, y_len, sentinel());
    kernel(a, o_begin, o_end);
    for (size_t i = 0; i < y_len; ++i) {
      const int64_t o = a.out_features ? static_cast<int64_t>(i) % a.out_features : 0;
      const bool mine = i < y_used && o >= o_begin && o < o_end;
      FUZZ_CHECK(is_sentinel(y[i]) != mine, "%s: y[%zu] (output %lld of [%lld, %lld)) %s", level.name, i, (long long)o,
                 (long long)o_begin, (long long)o_end, mine ? "not written" : "written");
    }
  }
  if (!tame || spoil == 1) return 0;

  // Tame values: finite, and within the rounding bound of a dot product of n terms (both ways of
  // summing are off by at most n ulps of sum |x w|) of the scalar GEMM.
  ++stats.compared;
  for (int64_t row = 0; row < a.rows; ++row)
    for (int64_t o = 0; o < a.out_features; ++o) {
      double mag = a.bias ? std::fabs(a.bias[o]) : 0.0;
      for (int64_t i = 0; i < a.in_features; ++i) mag += std::fabs(double(a.x[row * a.in_features + i]) * a.w[o * a.in_features + i]);
      const double tol = 2.0 * (a.in_features + 2) * 6e-8 * mag;
      const size_t at = static_cast<size_t>(row * a.out_features + o);
      FUZZ_CHECK(std::isfinite(y1[at]), "%s: y[%zu] = %g on finite inputs", level.name, at, y1[at]);
      FUZZ_CHECK(std::fabs(double(y1[at]) - y_ref[at]) <= tol, "%s: y[%zu] %.9g, scalar %.9g (tolerance %.3g)", level.name, at,
                 y1[at], y_ref[at], tol);
    }
  return 0;
}

}  // namespace fuzz
}  // namespace attnkit

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return attnkit::fuzz::run_one(data, size); }
