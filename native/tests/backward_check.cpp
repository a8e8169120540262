// Standalone check of the fused backward kernel (kernels/common/flash_bwd.h) at one SIMD level and at
// the scalar level against a float64 backward written out here (full rows, the softmax Jacobian via
// D_i), and that a split over 7 workers run in reverse gives the serial call's bits. Built by
// scripts/check-exp.sh (AVX2) and scripts/check-neon.sh (arm64 under qemu-user). Exit code 0 = every
// case within tolerance.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "../kernels/scalar/kernels.h"
#if defined(__aarch64__)
#include "../kernels/neon/kernels.h"
#define KERNEL attnkit::attn_sdpa_bwd_f32__neon
#define LEVEL "neon"
#else
#include "../kernels/avx2/kernels.h"
#define KERNEL attnkit::attn_sdpa_bwd_f32__avx2
#define LEVEL "avx2"
#endif

namespace {

void reversed(void*, int64_t n, void (*task)(void*, int64_t), void* arg) {
  for (int64_t i = n - 1; i >= 0; --i) task(arg, i);
}

struct Case {
  int64_t B, Hq, Hkv, Lq, Lk, D, Dv;
  int causal, mask;  // mask: 0 none, 1 bool per row
  int extras;        // bits: 1 softcap, 2 window left, 4 window right, 8 sinks, 16 ALiBi
};

// Float64 gradients of one call (contiguous bhsd), lse as the kernel's input.
void reference(const attn_sdpa_args& a, const float* dout, std::vector<double>& dq, std::vector<double>& dk,
               std::vector<double>& dv, std::vector<double>& dsink, std::vector<float>& lse) {
  const int64_t G = a.heads_q / a.heads_kv, D = a.dim_qk, Dv = a.dim_v, Lk = a.len_k;
  std::vector<double> s(Lk), x(Lk), p(Lk), dp(Lk);
  std::vector<bool> vis(Lk);
  for (int64_t b = 0; b < a.batch; ++b)
    for (int64_t h = 0; h < a.heads_q; ++h)
      for (int64_t i = 0; i < a.len_q; ++i) {
        const int64_t hk = h / G, pos = i + a.position_offset;
        const float* q = a.q + ((b * a.heads_q + h) * a.len_q + i) * D;
        double m = a.sinks ? a.sinks[h] : -INFINITY;
        bool any = false;
        for (int64_t j = 0; j < Lk; ++j) {
          const float* k = a.k + ((b * a.heads_kv + hk) * Lk + j) * D;
          bool ok = !(a.causal && j > pos) && !((a.window & ATTN_WINDOW_LEFT) && j < pos - a.window_left) &&
                    !((a.window & ATTN_WINDOW_RIGHT) && j > pos + a.window_right);
          if (a.mask_kind == ATTN_MASK_BOOL) ok = ok && static_cast<const uint8_t*>(a.mask)[i * a.mask_stride_q + j];
          vis[j] = ok;
          double d = 0;
          for (int64_t e = 0; e < D; ++e) d += double(q[e]) * k[e];
          x[j] = d * a.scale;
          s[j] = a.softcap > 0 ? a.softcap * std::tanh(x[j] / a.softcap) : x[j];
          if (a.alibi_slopes) s[j] -= a.alibi_slopes[h] * std::fabs(double(pos - j));
          if (ok) m = std::max(m, s[j]), any = true;
        }
        const int64_t row = (b * a.heads_q + h) * a.len_q + i;
        double l = a.sinks ? std::exp(a.sinks[h] - m) : 0;
        for (int64_t j = 0; j < Lk; ++j) l += vis[j] ? std::exp(s[j] - m) : 0;
        lse[row] = any || a.sinks ? static_cast<float>(m + std::log(l)) : -INFINITY;
        if (!any) continue;
        const float* g = dout + row * Dv;
        double Di = 0;
        for (int64_t j = 0; j < Lk; ++j) {
          p[j] = vis[j] ? std::exp(s[j] - m) / l : 0;
          const float* v = a.v + ((b * a.heads_kv + hk) * Lk + j) * Dv;
          dp[j] = 0;
          for (int64_t e = 0; e < Dv; ++e) dp[j] += double(g[e]) * v[e];
          Di += p[j] * dp[j];
        }
        if (a.sinks) dsink[h] -= std::exp(a.sinks[h] - m) / l * Di;
        for (int64_t j = 0; j < Lk; ++j) {
          if (!vis[j]) continue;
          double ds = p[j] * (dp[j] - Di);
          if (a.softcap > 0) {
            const double t = std::tanh(x[j] / a.softcap);
            ds *= 1 - t * t;
          }
          ds *= a.scale;
          const float* k = a.k + ((b * a.heads_kv + hk) * Lk + j) * D;
          for (int64_t e = 0; e < D; ++e) {
            dq[row * D + e] += ds * k[e];
            dk[((b * a.heads_kv + hk) * Lk + j) * D + e] += ds * q[e];
          }
          for (int64_t e = 0; e < Dv; ++e) dv[((b * a.heads_kv + hk) * Lk + j) * Dv + e] += p[j] * g[e];
        }
      }
}

// Largest |got - want| / max(1, max |want|).
double rel_err(const std::vector<float>& got, const std::vector<double>& want) {
  double scale = 1, err = 0;
  for (double w : want) scale = std::fmax(scale, std::fabs(w));
  for (size_t x = 0; x < want.size(); ++x) {
    const double e = std::fabs(got[x] - want[x]);
    if (!(e <= err)) err = e;
  }
  return err / scale;
}

double run(const Case& c, std::mt19937& gen, void (*kernel)(const attn_sdpa_bwd_args&, const attnkit::ParallelFor*)) {
  std::normal_distribution<float> nd;
  auto fill = [&](std::vector<float>& v, int64_t n) {
    v.resize(static_cast<size_t>(n));
    for (auto& x : v) x = nd(gen);
  };
  std::vector<float> q, k, v, dout;
  fill(q, c.B * c.Hq * c.Lq * c.D);
  fill(k, c.B * c.Hkv * c.Lk * c.D);
  fill(v, c.B * c.Hkv * c.Lk * c.Dv);
  fill(dout, c.B * c.Hq * c.Lq * c.Dv);
  std::vector<uint8_t> mask(static_cast<size_t>(c.Lq * c.Lk) + 1);
  for (auto& m : mask) m = gen() % 4 != 0;
  std::vector<float> sinks(c.Hq), slopes(c.Hq);
  for (int64_t h = 0; h < c.Hq; ++h) sinks[h] = nd(gen), slopes[h] = 0.05f * (h + 1);
  attn_sdpa_args a{};
  a.q = q.data(), a.k = k.data(), a.v = v.data();
  a.q_view = {c.Hq * c.Lq * c.D, c.Lq * c.D, c.D};
  a.k_view = {c.Hkv * c.Lk * c.D, c.Lk * c.D, c.D};
  a.v_view = {c.Hkv * c.Lk * c.Dv, c.Lk * c.Dv, c.Dv};
  a.out_view = {c.Hq * c.Lq * c.Dv, c.Lq * c.Dv, c.Dv};
  a.batch = c.B, a.heads_q = c.Hq, a.heads_kv = c.Hkv, a.len_q = c.Lq, a.len_k = c.Lk, a.dim_qk = c.D, a.dim_v = c.Dv;
  a.scale = c.D > 0 ? 1.0f / std::sqrt(static_cast<float>(c.D)) : 1.0f;
  a.causal = c.causal;
  a.position_offset = c.Lk - c.Lq;
  if (c.mask) a.mask_kind = ATTN_MASK_BOOL, a.mask = mask.data(), a.mask_stride_q = c.Lk, a.mask_stride_k = 1;
  if (c.extras & 1) a.softcap = 3.0f;
  if (c.extras & 2) a.window |= ATTN_WINDOW_LEFT, a.window_left = 37;
  if (c.extras & 4) a.window |= ATTN_WINDOW_RIGHT, a.window_right = 5;
  if (c.extras & 8) a.sinks = sinks.data();
  if (c.extras & 16) a.alibi_slopes = slopes.data();
  // out from the scalar forward (D_i reads it); lse from the float64 reference.
  std::vector<float> out(dout.size() + 1), lse(static_cast<size_t>(c.B * c.Hq * c.Lq) + 1);
  a.out = out.data();
  attnkit::attn_sdpa_f32__scalar(a);
  std::vector<double> rq(q.size()), rk(k.size()), rv(v.size()), rs(c.Hq);
  reference(a, dout.data(), rq, rk, rv, rs, lse);

  attn_sdpa_bwd_args ba{};
  ba.fwd = a;
  ba.dout = dout.data(), ba.dout_view = a.out_view, ba.lse = lse.data();
  ba.dq_view = a.q_view, ba.dk_view = a.k_view, ba.dv_view = a.v_view;
  std::vector<float> dq(q.size()), dk(k.size()), dv(v.size()), ds(c.Hq), dq2(q.size()), dk2(k.size()), dv2(v.size()), ds2(c.Hq);
  ba.dq = dq.data(), ba.dk = dk.data(), ba.dv = dv.data(), ba.dsinks = a.sinks ? ds.data() : nullptr;
  kernel(ba, nullptr);
  const attnkit::ParallelFor pf{nullptr, reversed, 7};
  ba.dq = dq2.data(), ba.dk = dk2.data(), ba.dv = dv2.data(), ba.dsinks = a.sinks ? ds2.data() : nullptr;
  kernel(ba, &pf);
  if (dq != dq2 || dk != dk2 || dv != dv2 || ds != ds2) return 1e9;  // the split changed a bit
  double err = std::fmax(std::fmax(rel_err(dq, rq), rel_err(dk, rk)), rel_err(dv, rv));
  if (a.sinks) err = std::fmax(err, rel_err(ds, rs));
  return err;
}

}  // namespace

int main() {
  std::mt19937 gen(7);
  const Case cases[] = {
      {1, 1, 1, 1, 1, 1, 1, 0, 0, 0},      {1, 2, 1, 3, 17, 65, 3, 1, 0, 0},    {2, 4, 2, 65, 65, 17, 17, 1, 1, 0},
      {1, 2, 2, 130, 200, 64, 64, 0, 0, 0}, {1, 3, 1, 17, 300, 3, 65, 0, 1, 1 | 2 | 4 | 8},
      {2, 2, 2, 100, 70, 33, 16, 1, 0, 1 | 16}, {1, 1, 1, 200, 200, 64, 64, 1, 1, 8},
      // Causal diagonal tiles: aligned (GQA 2/1, 4 blocks), straddling two heads with a left window (rows
      // that stop seeing a block), bottom-right with an unaligned offset, soft-capped.
      {1, 2, 1, 256, 256, 64, 64, 1, 0, 0}, {1, 4, 2, 150, 150, 16, 16, 1, 0, 2}, {1, 2, 2, 100, 230, 64, 48, 1, 0, 0},
      {1, 1, 1, 192, 192, 32, 32, 1, 0, 1},
  };
  double worst = 0;
  for (void (*kernel)(const attn_sdpa_bwd_args&, const attnkit::ParallelFor*) : {KERNEL, attnkit::attn_sdpa_bwd_f32__scalar}) {
    for (const Case& c : cases) {
      const double e = run(c, gen, kernel);
      worst = std::fmax(worst, e);
      if (!(e <= 2e-5)) {
        std::printf("backward-check FAIL (%s): B%ld Hq%ld Hkv%ld Lq%ld Lk%ld D%ld Dv%ld causal%d mask%d extras%d: err %g\n",
                    kernel == KERNEL ? LEVEL : "scalar", long(c.B), long(c.Hq), long(c.Hkv), long(c.Lq), long(c.Lk),
                    long(c.D), long(c.Dv), c.causal, c.mask, c.extras, e);
        return 1;
      }
    }
  }
  std::printf("backward-check (%s and scalar): %zu cases each, largest error vs float64 %.2e, 7 reversed workers bit-identical\n",
              LEVEL, sizeof(cases) / sizeof(cases[0]), worst);
  return 0;
}
