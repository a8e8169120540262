// The fused kernel instantiated with portable Ops: the fallback on any CPU and ATTNKIT_SIMD=scalar.
#include "../common/flash_fwd.h"
#include "flash_ops_scalar.h"
#include "kernels.h"

namespace attnkit {
void attn_sdpa_f32_flash__scalar(const attn_sdpa_args& a, const ParallelFor* pf) {
  flash::sdpa<FlashOpsScalar>(a, pf);
}
}  // namespace attnkit
