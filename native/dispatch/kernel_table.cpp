#include "kernel_table.h"

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include <vector>

#include "../kernels/common/kv_types.h"
#include "../kernels/scalar/gemm_f32.h"
#include "../kernels/scalar/kernels.h"
#include "cpu_features.h"
#if defined(ATTNKIT_HAVE_AVX2)
#include "../kernels/avx2/kernels.h"
#endif
#if defined(ATTNKIT_HAVE_AVX512)
#include "../kernels/avx512/kernels.h"
#endif
#if defined(ATTNKIT_HAVE_NEON)
#include "../kernels/neon/kernels.h"
#endif

namespace attnkit {

namespace {

// Levels this build and CPU can run, best first.
std::string available_levels() {
  std::string s;
#if defined(ATTNKIT_HAVE_AVX512)
  if (cpu_features().avx512) s += "avx512, ";
#endif
#if defined(ATTNKIT_HAVE_AVX2)
  if (cpu_features().avx2_fma) s += "avx2, ";
#endif
#if defined(ATTNKIT_HAVE_NEON)
  if (cpu_features().neon) s += "neon, ";
#endif
  return s + "scalar";
}

// linear()'s GEMM at an x86 level: the AVX2 tiles where this build has them, else the scalar one (the
// avx512 level with full-width FMAs then takes its zmm tile).
void set_x86_gemm(KernelTable* t) {
#if defined(ATTNKIT_HAVE_GEMM_AVX2)
  t->gemm_f32 = attn_gemm_f32_6x16__avx2;
  t->gemv_f32 = attn_gemv_f32__avx2;
  // Up to where the packed 6x16 GEMM catches up with it (E = 1024, bench/linear.mjs).
  t->gemv_rows = 32;
  t->gemm_name = "gemm_f32_6x16__avx2";
#else
  (void)t;
#endif
}

}  // namespace

// fma_width: 0 for the level's own choice, else 256 or 512 (ATTNKIT_FMA_WIDTH), which only the avx512
// level chooses between; the other levels have one width (unused in a build without AVX-512).
bool make_kernel_table(const char* level_name, [[maybe_unused]] int fma_width, KernelTable* t) {
  const std::string level = level_name;
  *t = KernelTable{"scalar", 32, attn_sdpa_f32_flash__scalar, nullptr, attn_gemm_f32__scalar, nullptr, 0, "gemm_f32__scalar",
                   attn_sdpa_bwd_f32__scalar};
  if (level == "scalar") return true;
#if defined(ATTNKIT_HAVE_AVX512)
  if (level == "avx512" && cpu_features().avx512) {
    if (fma_width == 0) fma_width = cpu_features().avx512_full_width ? 512 : 256;
    t->simd = "avx512";
    t->fma_width = fma_width;
    t->sdpa_f32 = fma_width == 512 ? attn_sdpa_f32_flash_zmm__avx512 : attn_sdpa_f32_flash__avx512;
    t->sdpa_bwd_f32 = attn_sdpa_bwd_f32__avx512;
#if defined(ATTNKIT_HAVE_AVX512_BF16)
    if (cpu_features().avx512_bf16) t->sdpa_bf16 = attn_sdpa_f32_flash_bf16__avx512;
#endif
    set_x86_gemm(t);
    if (fma_width == 512) {
      t->gemm_f32 = attn_gemm_f32_8x48__avx512;
      t->gemm_name = "gemm_f32_8x48__avx512";
      // The gemv's one pass of 4 rows over w: from 5 rows on the zmm GEMM is faster (E = 768 and 1024).
      t->gemv_rows = 4;
    }
    return true;
  }
#endif
#if defined(ATTNKIT_HAVE_AVX2)
  if (level == "avx2" && cpu_features().avx2_fma) {
    t->simd = "avx2";
    t->fma_width = 256;
    t->sdpa_f32 = attn_sdpa_f32_flash__avx2;
    t->sdpa_bwd_f32 = attn_sdpa_bwd_f32__avx2;
    set_x86_gemm(t);
    return true;
  }
#endif
#if defined(ATTNKIT_HAVE_NEON)
  if (level == "neon" && cpu_features().neon) {
    t->simd = "neon";
    t->fma_width = 128;
    t->sdpa_f32 = attn_sdpa_f32_flash__neon;
    t->sdpa_bwd_f32 = attn_sdpa_bwd_f32__neon;
    return true;
  }
#endif
  return false;
}

namespace {

KernelTable build_table() {
  const std::string levels = available_levels();
  const char* forced = std::getenv("ATTNKIT_SIMD");
  const char* width_env = std::getenv("ATTNKIT_FMA_WIDTH");
  const bool width_set = width_env && *width_env && std::string(width_env) != "auto";
  const int width = width_set ? std::atoi(width_env) : 0;
  if (width_set && width != 256 && width != 512)
    throw std::runtime_error(std::string("ATTNKIT_FMA_WIDTH=") + width_env + " must be 256, 512 or auto");
  const std::string level =
      forced && *forced && std::string(forced) != "auto" ? std::string(forced) : levels.substr(0, levels.find(','));
  KernelTable t{};
  if (!make_kernel_table(level.c_str(), width, &t))
    throw std::runtime_error("ATTNKIT_SIMD=" + level + " is not available on this CPU/build (available: " + levels + ")");
  return t;
}

}  // namespace

const KernelTable& kernel_table() {
  static const KernelTable table = build_table();
  return table;
}

void run_sdpa_f32(const attn_sdpa_args& a, const ParallelFor* pf) { run_sdpa_f32(kernel_table(), a, pf); }

namespace {

// The float32 copy of 16-bit K (or V) rows that the weights path reads: every element up to the last
// one the view reaches, widened. (The row kernel reads float only; weights cost Lq x Lk anyway.)
std::vector<float> widen_rows(const uint16_t* src, int32_t dtype, const attn_view& view, int64_t batch, int64_t heads,
                              int64_t len, int64_t dim) {
  if (batch == 0 || heads == 0 || len == 0 || dim == 0) return std::vector<float>(1);
  const int64_t n = (batch - 1) * view.stride_b + (heads - 1) * view.stride_h + (len - 1) * view.stride_l + dim;
  std::vector<float> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const uint16_t h = src[i];
    out[i] = dtype == ATTN_KV_BF16 ? to_f32(static_cast<bf16_t>(h)) : to_f32(static_cast<f16_t>(h));
  }
  return out;
}

}  // namespace

void run_sdpa_f32(const KernelTable& t, const attn_sdpa_args& a, const ParallelFor* pf) {
  if (a.weights) {
    if (a.kv_dtype == ATTN_KV_F32) {
      attn_sdpa_f32__scalar(a);
      return;
    }
    const std::vector<float> k = widen_rows(a.k16, a.kv_dtype, a.k_view, a.batch, a.heads_kv, a.len_k, a.dim_qk);
    const std::vector<float> v = widen_rows(a.v16, a.kv_dtype, a.v_view, a.batch, a.heads_kv, a.len_k, a.dim_v);
    attn_sdpa_args wide = a;
    wide.kv_dtype = ATTN_KV_F32;
    wide.k = k.data();
    wide.v = v.data();
    wide.k16 = wide.v16 = nullptr;
    attn_sdpa_f32__scalar(wide);
    return;
  }
  (a.compute_bf16 && t.sdpa_bf16 ? t.sdpa_bf16 : t.sdpa_f32)(a, pf);
}

void run_sdpa_backward_f32(const attn_sdpa_bwd_args& a, const ParallelFor* pf) {
  run_sdpa_backward_f32(kernel_table(), a, pf);
}

void run_sdpa_backward_f32(const KernelTable& t, const attn_sdpa_bwd_args& a, const ParallelFor* pf) {
  if (a.lse) {
    t.sdpa_bwd_f32(a, pf);
    return;
  }
  const attn_sdpa_args& f = a.fwd;
  std::vector<float> lse(static_cast<size_t>(f.batch * f.heads_q * f.len_q));
  std::vector<float> out(static_cast<size_t>(f.batch * f.heads_q * f.len_q * f.dim_v));
  attn_sdpa_args fwd = f;
  fwd.out = out.data();
  fwd.out_view = attn_view{f.heads_q * f.len_q * f.dim_v, f.len_q * f.dim_v, f.dim_v};
  fwd.weights = nullptr;
  fwd.lse = lse.data();
  fwd.compute_bf16 = 0;
  t.sdpa_f32(fwd, pf);
  attn_sdpa_bwd_args with_lse = a;
  with_lse.lse = lse.data();
  t.sdpa_bwd_f32(with_lse, pf);
}

}  // namespace attnkit
