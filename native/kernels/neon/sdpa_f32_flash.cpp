// The fused kernel instantiated with NEON Ops (arm64 only).
#include "../common/flash_fwd.h"
#include "flash_ops_neon.h"
#include "kernels.h"

namespace attnkit {
void attn_sdpa_f32_flash__neon(const attn_sdpa_args& a, const ParallelFor* pf) { flash::sdpa<FlashOpsNeon>(a, pf); }
}  // namespace attnkit
