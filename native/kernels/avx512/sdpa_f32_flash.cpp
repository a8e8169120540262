// The fused kernel instantiated for AVX-512 (F, DQ, BW, VL); this file alone is compiled with those
// flags (binding.gyp, CMakeLists.txt).
// GCC 12 warns that its own AVX-512 intrinsics (here _mm512_reduce_add_ps) read an uninitialised __Y: a false
// positive of their _mm512_undefined_ps (GCC bug 105593, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "../common/flash_fwd.h"
#include "flash_ops_avx512.h"
#include "kernels.h"

namespace attnkit {
void attn_sdpa_f32_flash__avx512(const attn_sdpa_args& a, const ParallelFor* pf) { flash::sdpa<FlashOpsAvx512>(a, pf); }
}  // namespace attnkit
