// The backward kernel instantiated for AVX-512 (the ymm micro-kernel, 16-lane exp); this file alone is
// compiled with the AVX-512 flags (binding.gyp, CMakeLists.txt).
// GCC 12's false positive on its own AVX-512 intrinsics: see sdpa_f32_flash.cpp.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "../common/flash_bwd.h"
#include "flash_ops_avx512.h"
#include "kernels.h"

namespace attnkit {
void attn_sdpa_bwd_f32__avx512(const attn_sdpa_bwd_args& a, const ParallelFor* pf) {
  flash::sdpa_backward<FlashOpsAvx512>(a, pf);
}
}  // namespace attnkit
