// The backward kernel instantiated for NEON (arm64).
#include "../common/flash_bwd.h"
#include "flash_ops_neon.h"
#include "kernels.h"

namespace attnkit {
void attn_sdpa_bwd_f32__neon(const attn_sdpa_bwd_args& a, const ParallelFor* pf) {
  flash::sdpa_backward<FlashOpsNeon>(a, pf);
}
}  // namespace attnkit
