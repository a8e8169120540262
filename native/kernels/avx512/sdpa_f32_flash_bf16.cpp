// The fused kernel with bfloat16 products in prefill (FlashOpsAvx512Bf16), for calls that allow them;
// this file alone is built with -mavx512bf16 besides the AVX-512 flags (binding.gyp, CMakeLists.txt),
// and runs only where dispatch/cpu_features.cpp found AVX512_BF16.
// GCC 12's false positive on its own AVX-512 intrinsics: see sdpa_f32_flash.cpp.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "../common/flash_fwd.h"
#include "flash_ops_avx512_bf16.h"
#include "kernels.h"

namespace attnkit {
void attn_sdpa_f32_flash_bf16__avx512(const attn_sdpa_args& a, const ParallelFor* pf) {
  flash::sdpa<FlashOpsAvx512Bf16>(a, pf);
}
}  // namespace attnkit
