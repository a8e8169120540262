// Standalone check of a SIMD fused kernel against the scalar oracle, lse included (options.lseOut
// through the addon). Built by scripts/check-neon.sh (arm64, run under qemu-user) and
// scripts/check-exp.sh (x86-64 AVX2, and AVX-512 with -DCHECK_AVX512 or, zmm tiles, -DCHECK_AVX512_ZMM). Exit code 0 = every case within
// tolerance.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "../kernels/common/kv_types.h"

#include "../kernels/scalar/kernels.h"
#if defined(__aarch64__)
#include "../kernels/neon/kernels.h"
#define KERNEL attnkit::attn_sdpa_f32_flash__neon
#define LEVEL "neon"
#elif defined(CHECK_AVX512_ZMM)
#include "../kernels/avx512/kernels.h"
#define KERNEL attnkit::attn_sdpa_f32_flash_zmm__avx512
#define LEVEL "avx512 zmm"
#elif defined(CHECK_AVX512)
#include "../kernels/avx512/kernels.h"
#define KERNEL attnkit::attn_sdpa_f32_flash__avx512
#define LEVEL "avx512"
#else
#include "../kernels/avx2/kernels.h"
#define KERNEL attnkit::attn_sdpa_f32_flash__avx2
#define LEVEL "avx2"
#endif

namespace {

// Runs tasks in reverse order: the result must not depend on who runs what when.
void reversed(void*, int64_t n, void (*task)(void*, int64_t), void* arg) {
  for (int64_t i = n - 1; i >= 0; --i) task(arg, i);
}

struct Case {
  int64_t B, Hq, Hkv, Lq, Lk, D, Dv;
  int causal, mask;  // mask: 0 none, 1 bool per row, 2 additive per row
  int extras;        // bits: 1 softcap, 2 window left, 4 window right, 8 ALiBi, 16 relative bias, 32 sinks
  int bshd = 0;      // q, k, v in [B][L][H][D] (decode then reads every kv head per task)
  int kv = 0;        // per-entry key lengths 2Lk/3, Lk/3, 0, ... (kv_lens); 1: positions follow them, 2: top-left
  int half = 0;      // K and V as ATTN_KV_F16 (1) or ATTN_KV_BF16 (2); the oracle reads their float values
};

// float -> float16 / bfloat16 bits, round to nearest even (finite inputs).
uint16_t half_bits(float x, int dtype) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  if (dtype == ATTN_KV_BF16) return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  const uint32_t sign = (u >> 16) & 0x8000u, mant = u & 0x7fffffu;
  const int e = static_cast<int>((u >> 23) & 0xffu) - 127 + 15;
  if (e >= 0x1f) return static_cast<uint16_t>(sign | 0x7c00u);
  if (e <= 0) {
    if (e < -10) return static_cast<uint16_t>(sign);
    const uint32_t m = mant | 0x800000u, shift = static_cast<uint32_t>(14 - e), half = 1u << (shift - 1);
    const uint32_t rem = m & ((1u << shift) - 1);
    uint32_t h = m >> shift;
    if (rem > half || (rem == half && (h & 1u))) ++h;
    return static_cast<uint16_t>(sign | h);
  }
  uint32_t h = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
  const uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
  return static_cast<uint16_t>(sign | h);
}

// Rounds x to dtype in place (the oracle's values) and returns the bits (the kernel's).
std::vector<uint16_t> to_half(std::vector<float>& x, int dtype) {
  std::vector<uint16_t> bits(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    bits[i] = half_bits(x[i], dtype);
    x[i] = dtype == ATTN_KV_BF16 ? attnkit::to_f32(static_cast<attnkit::bf16_t>(bits[i]))
                                 : attnkit::to_f32(static_cast<attnkit::f16_t>(bits[i]));
  }
  return bits;
}

double run(const Case& c, std::mt19937& gen) {
  std::normal_distribution<float> nd;
  auto fill = [&](std::vector<float>& v, size_t n) {
    v.resize(n + 1);
    for (auto& x : v) x = nd(gen);
  };
  std::vector<float> q, k, v, mask_f;
  fill(q, c.B * c.Hq * c.Lq * c.D);
  fill(k, c.B * c.Hkv * c.Lk * c.D);
  fill(v, c.B * c.Hkv * c.Lk * c.Dv);
  std::vector<uint8_t> mask_b(c.Lq * c.Lk + 1);
  mask_f.resize(c.Lq * c.Lk + 1);
  for (int64_t x = 0; x < c.Lq * c.Lk; ++x) {
    mask_b[x] = gen() % 4 != 0;
    mask_f[x] = mask_b[x] ? 0.1f * static_cast<float>(x % 5) : -INFINITY;
  }
  attn_sdpa_args a{};
  a.q = q.data();
  a.q_view = {c.Hq * c.Lq * c.D, c.Lq * c.D, c.D};
  a.k = k.data();
  a.k_view = {c.Hkv * c.Lk * c.D, c.Lk * c.D, c.D};
  a.v = v.data();
  a.v_view = {c.Hkv * c.Lk * c.Dv, c.Lk * c.Dv, c.Dv};
  a.out_view = {c.Hq * c.Lq * c.Dv, c.Lq * c.Dv, c.Dv};
  if (c.bshd) {
    a.q_view = {c.Hq * c.Lq * c.D, c.D, c.Hq * c.D};
    a.k_view = {c.Hkv * c.Lk * c.D, c.D, c.Hkv * c.D};
    a.v_view = {c.Hkv * c.Lk * c.Dv, c.Dv, c.Hkv * c.Dv};
  }
  a.batch = c.B, a.heads_q = c.Hq, a.heads_kv = c.Hkv, a.len_q = c.Lq, a.len_k = c.Lk, a.dim_qk = c.D, a.dim_v = c.Dv;
  a.scale = c.D > 0 ? 1.0f / std::sqrt(static_cast<float>(c.D)) : 1.0f;
  a.causal = c.causal;
  a.position_offset = c.Lk - c.Lq;
  a.mask_kind = c.mask;
  a.mask = c.mask == 1 ? static_cast<const void*>(mask_b.data()) : mask_f.data();
  a.mask_stride_q = c.Lk;
  a.mask_stride_k = 1;
  std::vector<float> slopes(c.Hq), rel(c.Hq * (c.Lq + c.Lk) + 1), sinks(c.Hq);
  for (int64_t h = 0; h < c.Hq; ++h) {
    slopes[h] = std::pow(2.0f, -8.0f * (h + 1) / c.Hq);
    sinks[h] = nd(gen) + 2.0f;
  }
  for (auto& x : rel) x = 0.5f * nd(gen);
  if (c.extras & 1) a.softcap = 5.0f;
  if (c.extras & 2) a.window |= ATTN_WINDOW_LEFT, a.window_left = 37;
  if (c.extras & 4) a.window |= ATTN_WINDOW_RIGHT, a.window_right = 5;
  if (c.extras & 8) a.alibi_slopes = slopes.data();
  if (c.extras & 16) a.rel_bias = rel.data(), a.rel_bias_stride_h = c.Lq + c.Lk - 1;
  if (c.extras & 32) a.sinks = sinks.data();
  std::vector<int32_t> lens(c.B);
  for (int64_t b = 0; b < c.B; ++b) lens[b] = static_cast<int32_t>(c.Lk * (2 - b % 3) / 3);
  if (c.kv) a.kv_lens = lens.data(), a.kv_lens_shift = c.kv == 1;
  if (c.kv == 2) a.position_offset = 0;
  const size_t no = c.B * c.Hq * c.Lq * c.Dv + 1, nl = c.B * c.Hq * c.Lq + 1;
  std::vector<float> out_ref(no), lse_ref(nl), out(no), lse(nl), out2(no), lse2(nl);
  std::vector<uint16_t> k16, v16;
  if (c.half) {
    k16 = to_half(k, c.half);
    v16 = to_half(v, c.half);
  }
  a.out = out_ref.data(), a.lse = lse_ref.data();
  attnkit::attn_sdpa_f32__scalar(a);
  if (c.half) a.kv_dtype = c.half, a.k16 = k16.data(), a.v16 = v16.data(), a.k = a.v = nullptr;
  a.out = out.data(), a.lse = lse.data();
  KERNEL(a, nullptr);
  const attnkit::ParallelFor pf{nullptr, reversed, 7};  // 7 workers: a finer split than the serial call
  a.out = out2.data(), a.lse = lse2.data();
  KERNEL(a, &pf);
  double err = 0;
  for (size_t x = 0; x < no; ++x) {
    if (out[x] != out2[x]) return 1e9;  // order of tasks changed a bit
    err = std::fmax(err, std::fabs(out[x] - out_ref[x]));
  }
  for (size_t x = 0; x + 1 < nl; ++x) {
    if (lse[x] != lse2[x] && !(std::isnan(lse[x]) && std::isnan(lse2[x]))) return 1e9;
    if (std::isinf(lse_ref[x]) ? lse[x] != lse_ref[x] : std::fabs(lse[x] - lse_ref[x]) > 1e-5) return 2e9;
  }
  return err;
}

}  // namespace

int main() {
  std::mt19937 gen(42);
  const Case cases[] = {
      {1, 2, 1, 65, 257, 64, 64, 0, 0, 0}, {1, 4, 2, 17, 100, 33, 7, 1, 1, 0}, {2, 2, 2, 100, 100, 16, 16, 1, 2, 0},
      {1, 8, 8, 1, 1000, 128, 128, 0, 0, 0}, {1, 8, 2, 1, 700, 65, 65, 0, 1, 0}, {1, 1, 1, 3, 0, 8, 8, 0, 0, 0},
      {1, 1, 1, 5, 9, 8, 0, 0, 0, 0}, {1, 2, 2, 300, 40, 1, 1, 1, 0, 0}, {1, 3, 1, 2, 999, 7, 9, 1, 2, 0},
      // softcap, sliding window, ALiBi, relative bias and sinks, on the prefill, direct and split-K paths
      {1, 4, 2, 200, 300, 64, 64, 1, 0, 63}, {2, 2, 1, 65, 65, 33, 17, 0, 1, 1 | 2 | 4}, {1, 8, 8, 1, 1000, 128, 128, 0, 0, 2 | 32},
      {1, 8, 2, 1, 700, 65, 65, 1, 2, 8 | 16 | 1}, {1, 4, 4, 300, 300, 16, 16, 1, 0, 2 | 32}, {1, 2, 1, 17, 3, 7, 7, 0, 0, 4 | 32},
      {1, 2, 2, 70, 500, 64, 64, 0, 0, 2 | 4 | 8},
      // bshd decode: 1, 2, 4 and 6 rows per kv head (the one-row pipeline and the blocked path across heads)
      {1, 8, 8, 1, 1000, 128, 128, 0, 0, 32, 1}, {2, 4, 4, 2, 300, 33, 17, 0, 0, 2, 1}, {1, 8, 2, 1, 700, 65, 65, 0, 1, 0, 1},
      {1, 4, 2, 3, 600, 16, 16, 1, 2, 8 | 1, 1},
      // per-entry key lengths: prefill, split-K decode, bshd decode across heads, top-left positions
      {2, 4, 2, 200, 300, 64, 64, 1, 0, 63, 0, 1}, {3, 8, 2, 1, 1000, 65, 65, 0, 1, 2 | 32, 0, 1},
      {3, 8, 8, 1, 1000, 128, 128, 1, 0, 8 | 16, 1, 1}, {3, 4, 2, 3, 600, 16, 16, 1, 2, 2 | 8 | 1, 1, 1},
      {2, 2, 1, 65, 65, 33, 17, 1, 2, 16 | 4, 0, 2},
      // float16 and bfloat16 K/V: prefill, split-K decode, GQA decode, bshd across heads, kv_lens
      {1, 4, 2, 65, 257, 65, 33, 1, 0, 0, 0, 0, 1}, {1, 8, 8, 1, 1000, 128, 128, 0, 0, 32, 0, 0, 1},
      {1, 8, 2, 1, 700, 33, 33, 0, 1, 0, 0, 0, 1}, {2, 8, 2, 1, 600, 17, 17, 0, 0, 0, 1, 0, 1},
      {3, 8, 2, 1, 1000, 64, 64, 1, 0, 0, 0, 1, 1}, {1, 4, 2, 65, 257, 65, 33, 1, 0, 0, 0, 0, 2},
      {1, 8, 8, 1, 1000, 128, 128, 0, 0, 32, 0, 0, 2}, {1, 8, 2, 1, 700, 33, 33, 0, 1, 0, 0, 0, 2},
      {2, 8, 4, 2, 600, 17, 9, 0, 0, 0, 1, 0, 2}, {3, 4, 4, 1, 1000, 64, 64, 1, 0, 0, 1, 1, 2},
  };
  double worst = 0;
  for (const Case& c : cases) {
    const double e = run(c, gen);
    if (e > worst) worst = e;
    std::printf("%s B%lld Hq%lld Hkv%lld Lq%lld Lk%lld D%lld Dv%lld causal%d mask%d extras%d%s%s%s: max |out - scalar| %.3g\n",
                LEVEL, (long long)c.B, (long long)c.Hq, (long long)c.Hkv, (long long)c.Lq, (long long)c.Lk, (long long)c.D,
                (long long)c.Dv, c.causal, c.mask, c.extras, c.bshd ? " bshd" : "", c.kv ? " kv_lens" : "",
                c.half == 1 ? " f16" : c.half == 2 ? " bf16" : "", e);
  }
  std::printf("%s\n", worst <= 1e-5 ? "ok" : "FAILED");
  return worst <= 1e-5 ? 0 : 1;
}
