// The backward kernel instantiated with portable Ops: the fallback on any CPU and ATTNKIT_SIMD=scalar.
#include "../common/flash_bwd.h"
#include "flash_ops_scalar.h"
#include "kernels.h"

namespace attnkit {
void attn_sdpa_bwd_f32__scalar(const attn_sdpa_bwd_args& a, const ParallelFor* pf) {
  flash::sdpa_backward<FlashOpsScalar>(a, pf);
}
}  // namespace attnkit
