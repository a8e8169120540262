// The fused kernel on zmm prefill tiles (FlashOpsAvx512Zmm), for cores with full-width 512-bit FMAs;
// built with the same flags as sdpa_f32_flash.cpp (binding.gyp, CMakeLists.txt).
// GCC 12's false positive on its own AVX-512 intrinsics: see sdpa_f32_flash.cpp.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "../common/flash_fwd.h"
#include "flash_ops_avx512.h"
#include "kernels.h"

namespace attnkit {
void attn_sdpa_f32_flash_zmm__avx512(const attn_sdpa_args& a, const ParallelFor* pf) {
  flash::sdpa<FlashOpsAvx512Zmm>(a, pf);
}
}  // namespace attnkit
