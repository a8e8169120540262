#include "kernel_table.h"

#include <cstdlib>
#include <stdexcept>
#include <string>

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

bool make_table(const std::string& level, KernelTable* t) {
  if (level == "scalar") {
    *t = KernelTable{"scalar", attn_sdpa_f32_flash__scalar};
    return true;
  }
#if defined(ATTNKIT_HAVE_AVX512)
  if (level == "avx512" && cpu_features().avx512) {
    *t = KernelTable{"avx512", attn_sdpa_f32_flash__avx512};
    return true;
  }
#endif
#if defined(ATTNKIT_HAVE_AVX2)
  if (level == "avx2" && cpu_features().avx2_fma) {
    *t = KernelTable{"avx2", attn_sdpa_f32_flash__avx2};
    return true;
  }
#endif
#if defined(ATTNKIT_HAVE_NEON)
  if (level == "neon" && cpu_features().neon) {
    *t = KernelTable{"neon", attn_sdpa_f32_flash__neon};
    return true;
  }
#endif
  return false;
}

KernelTable build_table() {
  const std::string levels = available_levels();
  const char* forced = std::getenv("ATTNKIT_SIMD");
  KernelTable t{};
  if (forced && *forced && std::string(forced) != "auto") {
    if (!make_table(forced, &t))
      throw std::runtime_error(std::string("ATTNKIT_SIMD=") + forced + " is not available on this CPU/build (available: " +
                               levels + ")");
    return t;
  }
  make_table(levels.substr(0, levels.find(',')), &t);  // the best level
  return t;
}

}  // namespace

const KernelTable& kernel_table() {
  static const KernelTable table = build_table();
  return table;
}

void run_sdpa_f32(const attn_sdpa_args& a, const ParallelFor* pf) {
  if (a.weights) {
    attn_sdpa_f32__scalar(a);
    return;
  }
  kernel_table().sdpa_f32(a, pf);
}

}  // namespace attnkit
