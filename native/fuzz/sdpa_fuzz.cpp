// libFuzzer harness over the attention entry below N-API. Each input becomes one call: a shape (sizes
// 0, 1, odd; GQA ratios), each tensor's layout (the three outer dims nested in any order, so bhsd and
// bshd, padded rows, inputs broadcast with stride 0), a mask (bool or additive, broadcast along any dim,
// strided along keys), causal, window, softcap, ALiBi, relative bias, sinks, per-sequence key lengths,
// weights, lse, bf16 permission, 1 or 2 threads and a SIMD level this CPU runs. Buffers are exactly as long as their views;
// now and then a descriptor value, a length, a type or the argument count is spoiled.
// The call goes through the addon's own check (sdpa_args_from_call), then run_sdpa_f32 on the level's
// kernel table, under ASan + UBSan. Checked: an accepted call lies inside its buffers (recomputed here
// exactly), writes every output element and nothing else, gives the same bits for any thread count and
// task order, and on tame values (fuzz_util.h) gives finite outputs within a tolerance of the scalar
// row kernel (attn_sdpa_f32__scalar, the oracle).
#include <algorithm>
#include <stdexcept>

#include "../kernels/scalar/kernels.h"
#include "../napi/sdpa_args.h"
#include "fuzz_util.h"

namespace attnkit {
namespace fuzz {
namespace {

// Work above this many multiply-adds (with every size counted as at least 1) is not run, so an input
// takes milliseconds; the harness shrinks its own shapes below it, so only spoiled descriptors hit it.
constexpr double kMaxWork = 1 << 19;

Stats stats("sdpa_fuzz");

// A [n0, n1, n2, n3] view (n3 contiguous) with strides s[0..2].
struct View {
  int64_t n[4];
  int64_t s[3];
  bool empty() const { return n[0] == 0 || n[1] == 0 || n[2] == 0 || n[3] == 0; }
  // Elements from the first to the last one the view touches, exactly (0 when empty).
  __int128 extent() const {
    if (empty()) return 0;
    __int128 last = n[3] - 1;
    for (int i = 0; i < 3; ++i) last += static_cast<__int128>(n[i] - 1) * s[i];
    return last + 1;
  }
  template <class F>
  void each(F f) const {
    if (empty()) return;
    for (int64_t a = 0; a < n[0]; ++a)
      for (int64_t b = 0; b < n[1]; ++b)
        for (int64_t c = 0; c < n[2]; ++c)
          for (int64_t d = 0; d < n[3]; ++d) f(a * s[0] + b * s[1] + c * s[2] + d);
  }
};

// Strides of [n0, n1, n2, n3]: the outer dims nested in a fuzzed order (innermost first), rows padded,
// and, for inputs, dims 0 and 1 now and then broadcast (stride 0).
void layout(FuzzedDataProvider& in, View& v, bool inputs) {
  static const int orders[6][3] = {{2, 1, 0}, {1, 2, 0}, {2, 0, 1}, {0, 2, 1}, {1, 0, 2}, {0, 1, 2}};
  const int* order = orders[in.ConsumeBool() ? 0 : in.ConsumeIntegralInRange<int>(0, 5)];
  int64_t step = v.n[3] + (one_in(in, 4) ? in.ConsumeIntegralInRange<int64_t>(1, 3) : 0);
  for (int k = 0; k < 3; ++k) {
    v.s[order[k]] = step;
    step *= std::max<int64_t>(1, v.n[order[k]]);
  }
  if (inputs) {
    const int broadcast = in.ConsumeIntegralInRange<int>(0, 15);
    if (broadcast == 1 || broadcast == 3) v.s[0] = 0;
    if (broadcast == 2 || broadcast == 3) v.s[1] = 0;
  }
}

int64_t pick_len(FuzzedDataProvider& in, int64_t small, int64_t large) {
  switch (in.ConsumeIntegralInRange<int>(0, 7)) {
    case 0: return in.ConsumeIntegralInRange<int64_t>(0, large);
    case 1: return in.ConsumeIntegralInRange<int64_t>(small, 3 * small);
    default: return (in.ConsumeIntegralInRange<int64_t>(0, small) + 1) % (small + 1);  // 1 when out of input
  }
}

int64_t pick_dim(FuzzedDataProvider& in) {
  static const int64_t dims[] = {1, 7, 8, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 96, 128, 129, 160};
  return in.ConsumeBool() ? in.ConsumeIntegralInRange<int64_t>(0, 9) : in.PickValueInArray(dims);
}

double work(int64_t B, int64_t Hq, int64_t Lq, int64_t Lk, int64_t D, int64_t Dv) {
  auto at_least_1 = [](int64_t x) { return static_cast<double>(std::max<int64_t>(1, x)); };
  return at_least_1(B) * at_least_1(Hq) * at_least_1(Lq) * at_least_1(Lk) * (at_least_1(D) + at_least_1(Dv));
}

// The arguments' slots (sdpa_args.h): q k v out weights mask desc alibi rel sinks kvLengths.
enum { kQ = 0, kK, kV, kOut, kW, kMask, kDesc, kAlibi, kRel, kSinks, kKvLens };

struct Tensors {
  Buffer<float> f[10];      // float buffers by slot (kMask when additive)
  Buffer<uint8_t> mask_u8;  // bool mask
  Buffer<double> desc;
};

size_t elem_size(ArgType t) { return t == ArgType::kFloat64 ? 8 : t == ArgType::kUint8 ? 1 : t == ArgType::kUint16 ? 2 : 4; }

float abs_max(const float* p, const View& v) {
  float m = 0;
  v.each([&](int64_t i) { m = std::max(m, std::fabs(p[i])); });
  return m;
}

}  // namespace

int run_one(const uint8_t* data, size_t size) {
  // Choices read first: an input cut short (the provider then gives 0s) still picks its level and
  // threads, and 0 means the plain case everywhere.
  FuzzedDataProvider in(data, size);
  ++stats.calls;
  const Level& level = levels()[in.ConsumeIntegralInRange<size_t>(0, levels().size() - 1)];
  const int threads = in.ConsumeIntegralInRange<int>(1, 2);
  const int workers = in.ConsumeIntegralInRange<int>(1, 8);
  const int spoil = in.ConsumeIntegralInRange<int>(0, 11);  // 1: descriptor, 2: length, 3: type, 4: count
  const bool tame = !one_in(in, 5);
  Values val{Rng{in.ConsumeIntegral<uint64_t>()}, !tame, std::ldexp(1.0f, in.ConsumeIntegralInRange<int>(-3, 2))};
  const bool misaligned = one_in(in, 4);

  // Shape: B, Hkv, G = Hq / Hkv, Lq, Lk, D, Dv; shrunk until the work fits.
  int64_t B = (in.ConsumeIntegralInRange<int64_t>(0, 3) + 1) % 4, Hkv = (in.ConsumeIntegralInRange<int64_t>(0, 4) + 1) % 5;
  const int64_t G = in.PickValueInArray({1, 1, 2, 3, 4, 8});
  int64_t Hq = Hkv * G;
  int64_t Lq = pick_len(in, 9, 300), Lk = pick_len(in, 9, 1100), D = pick_dim(in), Dv = in.ConsumeBool() ? D : pick_dim(in);
  while (work(B, Hq, Lq, Lk, D, Dv) > kMaxWork) {
    int64_t* biggest = &Lk;
    for (int64_t* x : {&Lq, &D, &Dv, &B})
      if (*x > *biggest) biggest = x;
    *biggest /= 2;
  }
  View qv{{B, Hq, Lq, D}, {}}, kv{{B, Hkv, Lk, D}, {}}, vv{{B, Hkv, Lk, Dv}, {}}, ov{{B, Hq, Lq, Dv}, {}};
  layout(in, qv, true);
  layout(in, kv, true);
  layout(in, vv, true);
  layout(in, ov, false);

  // Mask [B, Hq, Lq, Lk]: each dim broadcast or not, keys strided by 1 or 2.
  const int mask_kind = in.ConsumeIntegralInRange<int>(0, 2);
  int64_t ms[4] = {0, 0, 0, 0};  // b, h, q, k
  const int mask_density = in.ConsumeIntegralInRange<int>(0, 4);
  if (mask_kind != ATTN_MASK_NONE) {
    const int bc = in.ConsumeIntegral<uint8_t>();
    int64_t step = 1;
    const int64_t n[4] = {B, Hq, Lq, Lk};
    for (int d = 3; d >= 0; --d) {
      if (bc & (1 << d)) continue;  // broadcast
      ms[d] = d == 3 && (bc & 16) ? 2 : step;
      step = ms[d] * std::max<int64_t>(1, n[d]);
    }
  }
  View mv{{B, Hq, Lq, Lk}, {ms[0], ms[1], ms[2]}};  // stride_k is ms[3] (View's last dim is contiguous)
  auto mask_extent = [&]() -> __int128 {
    if (mv.empty()) return 0;
    return static_cast<__int128>(B - 1) * ms[0] + static_cast<__int128>(Hq - 1) * ms[1] +
           static_cast<__int128>(Lq - 1) * ms[2] + static_cast<__int128>(Lk - 1) * ms[3] + 1;
  };

  // Options, as src/backends/native/index.ts writes them.
  const bool causal = in.ConsumeBool();
  int64_t offset = Lk - Lq;
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: offset = 0; break;
    case 1: offset = in.ConsumeIntegralInRange<int64_t>(-Lq - 2, Lk + 2); break;
    default: break;
  }
  const double window_left = one_in(in, 3) ? in.ConsumeIntegralInRange<int64_t>(0, Lk + 2) : -1;
  const double window_right = one_in(in, 4) ? in.ConsumeIntegralInRange<int64_t>(0, Lk + 2) : -1;
  float scale = in.PickValueInArray({1.0f, 0.25f, 0.0f, -0.5f, 2.0f});
  if (in.ConsumeBool()) scale = D > 0 ? 1.0f / std::sqrt(static_cast<float>(D)) : 1.0f;
  float softcap = one_in(in, 4) ? in.PickValueInArray({0.5f, 5.0f, 30.0f}) : 0.0f;
  if (!tame && in.ConsumeBool()) {  // any finite value the check lets through
    scale = in.ConsumeFloatingPoint<float>();
    softcap = std::fabs(in.ConsumeFloatingPoint<float>());
  }
  const bool want_weights = one_in(in, 6);
  const bool want_lse = one_in(in, 3);
  const bool alibi = one_in(in, 4), rel = one_in(in, 4), sinks = one_in(in, 4);
  const int64_t rel_row = Lq + Lk - 1;
  const int64_t rel_stride = in.ConsumeBool() ? 0 : rel_row + in.ConsumeIntegralInRange<int64_t>(0, 2);
  const bool bf16 = one_in(in, 4);

  // Lengths in elements, then the spoiled one, then the buffers.
  int64_t len[10] = {};
  len[kQ] = static_cast<int64_t>(qv.extent());
  len[kK] = static_cast<int64_t>(kv.extent());
  len[kV] = static_cast<int64_t>(vv.extent());
  len[kOut] = static_cast<int64_t>(ov.extent());
  len[kW] = want_weights ? B * Hq * Lq * Lk : 0;
  len[kMask] = static_cast<int64_t>(mask_extent());
  len[kDesc] = kDescLength;
  len[kAlibi] = alibi ? Hq : 0;
  len[kRel] = rel && Hq > 0 && rel_row > 0 ? (Hq - 1) * rel_stride + rel_row : 0;
  len[kSinks] = sinks ? Hq : 0;
  const bool present[10] = {true, true, true, true, want_weights, mask_kind != ATTN_MASK_NONE, true, alibi, rel, sinks};
  if (spoil == 2) {
    const int i = in.ConsumeIntegralInRange<int>(0, 9);
    len[i] += len[i] > 0 && in.ConsumeBool() ? -1 : 1;
  }
  Tensors t;
  for (int i = 0; i < 10; ++i) {
    if (!present[i]) continue;
    if (i == kDesc) t.desc = Buffer<double>(len[i], false);
    else if (i == kMask && mask_kind == ATTN_MASK_BOOL) t.mask_u8 = Buffer<uint8_t>(len[i], misaligned);
    else t.f[i] = Buffer<float>(len[i], misaligned);
  }

  // Contents: views filled, gaps NaN (a kernel reading a gap gives a non-finite output).
  auto fill = [&](Buffer<float>& b, const View& v) {
    for (size_t i = 0; i < b.size(); ++i) b[i] = NAN;
    v.each([&](int64_t i) { if (i < static_cast<int64_t>(b.size())) b[i] = val.next(); });
  };
  fill(t.f[kQ], qv);
  fill(t.f[kK], kv);
  fill(t.f[kV], vv);
  if (t.mask_u8.present()) {
    for (size_t i = 0; i < t.mask_u8.size(); ++i) {
      const int r = val.rng.below(16);
      t.mask_u8[i] = mask_density == 0 ? 1 : mask_density == 1 ? 0 : mask_density == 2 ? r < 8 : r != 0;
    }
  } else if (t.f[kMask].present()) {
    for (size_t i = 0; i < t.f[kMask].size(); ++i) {
      const int r = val.rng.below(16);
      t.f[kMask][i] = mask_density == 1 || r < mask_density ? -INFINITY : r < 12 ? 0.0f : val.next();
    }
  }
  for (int i : {kAlibi, kSinks})
    for (size_t j = 0; j < t.f[i].size(); ++j) t.f[i][j] = i == kAlibi && !val.wild ? std::fabs(val.next()) / 4 : val.next_finite();
  for (size_t j = 0; j < t.f[kRel].size(); ++j) t.f[kRel][j] = val.next_finite();

  if (t.desc.present()) {
    double* d = t.desc.data();
    std::fill_n(d, t.desc.size(), 0.0);
    const double head[7] = {double(B), double(Hq), double(Hkv), double(Lq), double(Lk), double(D), double(Dv)};
    double slots[kDescLength] = {};
    std::copy_n(head, 7, slots);
    for (int i = 0; i < 3; ++i) {
      slots[kQStride + i] = double(qv.s[i]);
      slots[kKStride + i] = double(kv.s[i]);
      slots[kVStride + i] = double(vv.s[i]);
      slots[kOutStride + i] = double(ov.s[i]);
    }
    slots[kMaskKind] = mask_kind;
    for (int i = 0; i < 4; ++i) slots[kMaskStride + i] = double(ms[i]);
    slots[kScale] = scale;
    slots[kCausal] = causal;
    slots[kPositionOffset] = double(offset);
    slots[kWindowLeft] = window_left;
    slots[kWindowRight] = window_right;
    slots[kSoftcap] = softcap;
    slots[kRelBiasStrideH] = rel ? double(rel_stride) : 0;
    slots[kComputeBf16] = bf16;
    if (spoil == 1)
      for (int n = in.ConsumeIntegralInRange<int>(1, 3); n > 0; --n) {
        const int slot = in.ConsumeIntegralInRange<int>(0, kDescLength - 1);
        slots[slot] = odd_value(in, slots[slot]);
      }
    std::copy_n(slots, std::min<size_t>(kDescLength, t.desc.size()), d);
  }

  // The call as the addon would see it; a spoiled type keeps the bytes (its length is recounted).
  Call call(kSdpaArgCount);
  size_t bytes[kSdpaArgCount] = {};
  for (int i = 0; i < 10; ++i) {
    if (!present[i]) continue;
    void* p = i == kDesc ? static_cast<void*>(t.desc.data())
              : t.mask_u8.present() && i == kMask ? static_cast<void*>(t.mask_u8.data())
                                                   : static_cast<void*>(t.f[i].data());
    const ArgType type = i == kDesc ? ArgType::kFloat64 : t.mask_u8.present() && i == kMask ? ArgType::kUint8 : ArgType::kFloat32;
    bytes[i] = static_cast<size_t>(len[i]) * elem_size(type);
    call.set(i, type, static_cast<size_t>(len[i]), p);
  }
  if (spoil == 3) {
    const int i = in.ConsumeIntegralInRange<int>(0, 9);
    const ArgType type = in.PickValueInArray({ArgType::kNull, ArgType::kOther, ArgType::kFloat32, ArgType::kFloat64, ArgType::kUint8});
    const bool typed = type != ArgType::kNull && type != ArgType::kOther;
    call.set(i, type, typed ? bytes[i] / elem_size(type) : 0, typed ? call.ptrs[i] : nullptr);
    if (typed && !call.ptrs[i]) call.args[i].type = ArgType::kNull;  // nothing was allocated there
  }
  CallArgs args = call.call();
  if (spoil == 4) args.count = in.ConsumeIntegralInRange<size_t>(0, kSdpaArgCount - 1);

  // Per-sequence key lengths, read last so that inputs made before they existed decode as they did:
  // 0, Lk or any count between, positions shifted (bottom-right) or not; now and then one entry short,
  // an entry outside [0, Lk], the wrong type, or an odd shift slot.
  Buffer<int32_t> kv_lens;
  if (one_in(in, 3)) {
    const int kv_spoil = in.ConsumeIntegralInRange<int>(0, 7);  // 1: short, 2: a bad entry, 3: type, 4: shift slot
    const int64_t n = std::max<int64_t>(0, B - (kv_spoil == 1 ? 1 : 0));
    kv_lens = Buffer<int32_t>(static_cast<size_t>(n), misaligned);
    for (int64_t b = 0; b < n; ++b) {
      const int choice = in.ConsumeIntegralInRange<int>(0, 3);
      kv_lens[b] = static_cast<int32_t>(choice == 0 ? 0 : choice == 1 ? Lk : in.ConsumeIntegralInRange<int64_t>(0, Lk));
    }
    if (kv_spoil == 2 && n > 0)
      kv_lens[in.ConsumeIntegralInRange<int64_t>(0, n - 1)] = in.PickValueInArray<int32_t>({-1, static_cast<int32_t>(Lk + 1), INT32_MIN, INT32_MAX});
    double shift = in.ConsumeBool();
    if (kv_spoil == 4) shift = odd_value(in, shift);  // any nonzero value is "shift"
    if (t.desc.present() && t.desc.size() > kKvLengthsShift) t.desc[kKvLengthsShift] = shift;
    call.set(kKvLens, kv_spoil == 3 ? ArgType::kFloat32 : ArgType::kInt32, static_cast<size_t>(n), kv_lens.data());
    bytes[kKvLens] = static_cast<size_t>(n) * 4;
  }

  attn_sdpa_args a;
  try {
    a = sdpa_args_from_call(args);
  } catch (const std::invalid_argument& e) {
    ++stats.refused;
    if (verbose()) std::fprintf(stderr, "sdpa: refused: %s\n", e.what());
    return 0;
  } catch (const std::range_error& e) {
    ++stats.refused;
    if (verbose()) std::fprintf(stderr, "sdpa: refused: %s\n", e.what());
    return 0;
  }
  // Anything else (another exception type, a crash, UB) is a bug of the check.

  // Every descriptor value is taken as it is (no wrap-around in a cast).
  const double* d = t.desc.data();
  auto taken = [&](int slot, int64_t got) {
    FUZZ_CHECK(static_cast<double>(got) == d[slot], "descriptor slot %d = %.17g taken as %lld", slot, d[slot], (long long)got);
  };
  const int64_t head[7] = {a.batch, a.heads_q, a.heads_kv, a.len_q, a.len_k, a.dim_qk, a.dim_v};
  for (int i = 0; i < 7; ++i) {
    taken(i, head[i]);
    FUZZ_CHECK(head[i] <= 2147483647, "descriptor slot %d: accepted a size above 2^31 - 1 (%lld)", i, (long long)head[i]);
  }
  const attn_view* views[4] = {&a.q_view, &a.k_view, &a.v_view, &a.out_view};
  for (int i = 0; i < 4; ++i) {
    taken(kQStride + 3 * i, views[i]->stride_b);
    taken(kQStride + 3 * i + 1, views[i]->stride_h);
    taken(kQStride + 3 * i + 2, views[i]->stride_l);
  }
  taken(kMaskKind, a.mask_kind);
  if (a.mask_kind != ATTN_MASK_NONE) {
    const int64_t mstrides[4] = {a.mask_stride_b, a.mask_stride_h, a.mask_stride_q, a.mask_stride_k};
    for (int i = 0; i < 4; ++i) taken(kMaskStride + i, mstrides[i]);
  }
  taken(kPositionOffset, a.position_offset);
  taken(kWindowLeft, a.window_left);
  taken(kWindowRight, a.window_right);
  if (a.rel_bias) taken(kRelBiasStrideH, a.rel_bias_stride_h);

  // What the check accepted must lie inside the buffers, recomputed here exactly.
  auto inside = [&](const char* name, int slot, __int128 extent, size_t elem) {
    FUZZ_CHECK(extent <= static_cast<__int128>(bytes[slot] / elem), "%s: accepted a view of %lld elements over %zu bytes", name,
               static_cast<long long>(extent), bytes[slot]);
  };
  const View aq{{a.batch, a.heads_q, a.len_q, a.dim_qk}, {a.q_view.stride_b, a.q_view.stride_h, a.q_view.stride_l}};
  const View ak{{a.batch, a.heads_kv, a.len_k, a.dim_qk}, {a.k_view.stride_b, a.k_view.stride_h, a.k_view.stride_l}};
  const View av{{a.batch, a.heads_kv, a.len_k, a.dim_v}, {a.v_view.stride_b, a.v_view.stride_h, a.v_view.stride_l}};
  const View ao{{a.batch, a.heads_q, a.len_q, a.dim_v}, {a.out_view.stride_b, a.out_view.stride_h, a.out_view.stride_l}};
  inside("q", kQ, aq.extent(), 4);
  inside("k", kK, ak.extent(), 4);
  inside("v", kV, av.extent(), 4);
  inside("out", kOut, ao.extent(), 4);
  FUZZ_CHECK(a.heads_q == 0 || (a.heads_kv > 0 && a.heads_q % a.heads_kv == 0), "accepted heads %lld / %lld",
             (long long)a.heads_q, (long long)a.heads_kv);
  const __int128 rows = static_cast<__int128>(a.batch) * a.heads_q * a.len_q;
  if (a.weights) inside("weights", kW, rows * a.len_k, 4);
  if (a.mask_kind != ATTN_MASK_NONE) {
    const View am{{a.batch, a.heads_q, a.len_q, a.len_k}, {a.mask_stride_b, a.mask_stride_h, a.mask_stride_q}};
    const __int128 e = am.empty() ? 0
                                  : static_cast<__int128>(a.batch - 1) * a.mask_stride_b + static_cast<__int128>(a.heads_q - 1) * a.mask_stride_h +
                                        static_cast<__int128>(a.len_q - 1) * a.mask_stride_q + static_cast<__int128>(a.len_k - 1) * a.mask_stride_k + 1;
    inside("mask", kMask, e, a.mask_kind == ATTN_MASK_BOOL ? 1 : 4);
  }
  if (a.alibi_slopes) inside("alibiSlopes", kAlibi, a.heads_q, 4);
  if (a.sinks) inside("sinks", kSinks, a.heads_q, 4);
  if (a.rel_bias && a.heads_q > 0 && a.len_q + a.len_k - 1 > 0)
    inside("relativeBias", kRel, static_cast<__int128>(a.heads_q - 1) * a.rel_bias_stride_h + a.len_q + a.len_k - 1, 4);
  if (a.kv_lens) {
    inside("kvLengths", kKvLens, a.batch, 4);
    for (int64_t b = 0; b < a.batch; ++b)
      FUZZ_CHECK(a.kv_lens[b] >= 0 && a.kv_lens[b] <= a.len_k, "accepted kvLengths[%lld] = %d with len_k %lld", (long long)b,
                 a.kv_lens[b], (long long)a.len_k);
  }
  FUZZ_CHECK(std::isfinite(a.scale) && a.softcap >= 0 && std::isfinite(a.softcap), "accepted scale %g, softcap %g", a.scale, a.softcap);

  if (verbose()) {
    std::fprintf(stderr,
                 "sdpa: level %s, threads %d (then %d workers), %s values (amp %g), %s, spoil %d\n"
                 "  B %lld Hq %lld Hkv %lld Lq %lld Lk %lld D %lld Dv %lld\n"
                 "  strides q %lld %lld %lld, k %lld %lld %lld, v %lld %lld %lld, out %lld %lld %lld\n"
                 "  mask kind %d strides %lld %lld %lld %lld; scale %g causal %d offset %lld window %d [%lld, %lld] softcap %g\n"
                 "  alibi %d rel %d (stride %lld) sinks %d weights %d lse %d bf16 %d kv_lens %d (shift %d)\n",
                 level.name, threads, workers, tame ? "tame" : "wild", val.amp, misaligned ? "misaligned" : "aligned", spoil,
                 (long long)a.batch, (long long)a.heads_q, (long long)a.heads_kv, (long long)a.len_q, (long long)a.len_k,
                 (long long)a.dim_qk, (long long)a.dim_v, (long long)a.q_view.stride_b, (long long)a.q_view.stride_h,
                 (long long)a.q_view.stride_l, (long long)a.k_view.stride_b, (long long)a.k_view.stride_h, (long long)a.k_view.stride_l,
                 (long long)a.v_view.stride_b, (long long)a.v_view.stride_h, (long long)a.v_view.stride_l,
                 (long long)a.out_view.stride_b, (long long)a.out_view.stride_h, (long long)a.out_view.stride_l, a.mask_kind,
                 (long long)a.mask_stride_b, (long long)a.mask_stride_h, (long long)a.mask_stride_q, (long long)a.mask_stride_k, a.scale,
                 a.causal, (long long)a.position_offset, a.window, (long long)a.window_left, (long long)a.window_right, a.softcap,
                 a.alibi_slopes != nullptr, a.rel_bias != nullptr, (long long)a.rel_bias_stride_h, a.sinks != nullptr,
                 a.weights != nullptr, want_lse, a.compute_bf16, a.kv_lens != nullptr, a.kv_lens_shift);
  }
  if (work(a.batch, a.heads_q, a.len_q, a.len_k, a.dim_qk, a.dim_v) > kMaxWork) {
    ++stats.skipped_large;
    return 0;
  }

  // Run: the level on the pool, then again one task at a time in reverse with another worker count.
  const size_t nrows = static_cast<size_t>(rows);
  Buffer<float> lse(want_lse ? nrows : 0, false);
  if (want_lse) a.lse = lse.data();
  float* out = a.out;
  const size_t out_len = t.f[kOut].size(), w_len = a.weights ? static_cast<size_t>(rows * a.len_k) : 0;
  auto reset = [&]() {
    std::fill_n(out, out_len, sentinel());
    if (a.weights) std::fill_n(a.weights, w_len, sentinel());
    if (a.lse) std::fill_n(a.lse, nrows, sentinel());
  };
  reset();
    run_sdpa_f32(level.table, a, pool_pf(threads));
  ++stats.ran;
  ++stats.per_level[&level - levels().data()];

  // Every output element written, nothing else.
  // A spoiled descriptor may overlap out's rows (the check only bounds the view): then the last writer
  // wins, which may differ between runs.
  std::vector<char> covered(out_len, 0);
  bool overlap = false;
  ao.each([&](int64_t i) {
    overlap |= covered[i] != 0;
    covered[i] = 1;
  });
  for (size_t i = 0; i < out_len; ++i)
    FUZZ_CHECK(is_sentinel(out[i]) != static_cast<bool>(covered[i]), "%s: out[%zu] %s", level.name, i,
               covered[i] ? "not written" : "written outside the view");
  for (size_t i = 0; i < w_len; ++i) FUZZ_CHECK(!is_sentinel(a.weights[i]), "weights[%zu] not written", i);
  for (size_t i = 0; a.lse && i < nrows; ++i) FUZZ_CHECK(!is_sentinel(a.lse[i]), "%s: lse[%zu] not written", level.name, i);

  if (overlap) return 0;
  const std::vector<float> out1(out, out + out_len), lse1(a.lse, a.lse + (a.lse ? nrows : 0));
  reset();
  const ParallelFor rev = reversed_pf(workers);
  run_sdpa_f32(level.table, a, &rev);
  for (size_t i = 0; i < out_len; ++i)
    FUZZ_CHECK(same(out[i], out1[i]), "%s: out[%zu] %.9g with %d threads, %.9g one task at a time (%d workers)", level.name, i,
               out1[i], threads, out[i], workers);
  for (size_t i = 0; i < lse1.size(); ++i)
    FUZZ_CHECK(same(a.lse[i], lse1[i]), "%s: lse[%zu] %.9g with %d threads, %.9g one task at a time", level.name, i, lse1[i], threads,
               a.lse[i]);

  // Tame values and an unspoiled descriptor: finite outputs, close to the scalar row kernel (unless the
  // bf16 kernel took the call: its products are rounded to 8 bits).
  if (!tame || spoil == 1) return 0;
  auto all_finite = [](const float* p, size_t n) {
    for (size_t i = 0; i < n; ++i)
      if (!std::isfinite(p[i])) return i;
    return n;
  };
  size_t bad = 0;
  ao.each([&](int64_t i) { if (!std::isfinite(out[i]) && bad == 0) bad = static_cast<size_t>(i) + 1; });
  FUZZ_CHECK(bad == 0, "%s: out[%zu] = %g on finite inputs", level.name, bad - 1, out[bad - 1]);
  FUZZ_CHECK(all_finite(a.weights, w_len) == w_len, "weights not finite");
  for (size_t i = 0; a.lse && i < nrows; ++i)
    FUZZ_CHECK(std::isfinite(a.lse[i]) || a.lse[i] == -INFINITY, "%s: lse[%zu] = %g", level.name, i, a.lse[i]);
  if (a.compute_bf16 && level.table.sdpa_bf16) return 0;

  Buffer<float> out_ref(out_len, false), lse_ref(a.lse ? nrows : 0, false);
  attn_sdpa_args r = a;
  r.out = out_ref.data();
  r.lse = a.lse ? lse_ref.data() : nullptr;
  r.weights = nullptr;
  attn_sdpa_f32__scalar(r);
  ++stats.compared;
  // Tolerance: float rounding of the scores (relative to their largest terms) carried into the
  // probabilities, times the largest |v|; exp and tanh approximations within a few ulps.
  const float qmax = abs_max(a.q, aq), kmax = abs_max(a.k, ak), vmax = abs_max(a.v, av);
  const double dot = std::fabs(a.scale) * a.dim_qk * qmax * kmax;
  double terms = dot + 4.0 + std::fabs(static_cast<double>(a.softcap));
  if (a.alibi_slopes) terms += static_cast<double>(a.len_q + a.len_k + std::llabs(a.position_offset)) * val.amp;
  if (a.rel_bias || a.sinks) terms += val.amp;
  const double score_err = 1.2e-7 * (std::sqrt(static_cast<double>(a.dim_qk)) + 2.0) * (1.0 + terms);
  const double tol = vmax * (4.0 * score_err + 4e-6) + 1e-6;
  ao.each([&](int64_t i) {
    FUZZ_CHECK(std::fabs(static_cast<double>(out[i]) - out_ref[i]) <= tol, "%s: out[%lld] %.9g, scalar %.9g (tolerance %.3g)",
               level.name, static_cast<long long>(i), out[i], out_ref[i], tol);
  });
  for (size_t i = 0; a.lse && i < nrows; ++i) {
    const float x = a.lse[i], y = lse_ref[i];
    FUZZ_CHECK(x == y || std::fabs(static_cast<double>(x) - y) <= 4.0 * score_err + 1e-6 * std::fabs(y), "%s: lse[%zu] %.9g, scalar %.9g",
               level.name, i, x, y);
  }
  return 0;
}

}  // namespace fuzz
}  // namespace attnkit

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return attnkit::fuzz::run_one(data, size); }
