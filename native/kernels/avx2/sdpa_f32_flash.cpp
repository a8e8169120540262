// The fused kernel instantiated for AVX2+FMA; this file is compiled with -mavx2 -mfma only.
#include "../common/flash_fwd.h"
#include "flash_ops_avx2.h"
#include "kernels.h"

namespace attnkit {
void attn_sdpa_f32_flash__avx2(const attn_sdpa_args& a, const ParallelFor* pf) { flash::sdpa<FlashOpsAvx2>(a, pf); }
}  // namespace attnkit
