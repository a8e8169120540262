// The backward kernel instantiated for AVX2+FMA; this file is compiled with -mavx2 -mfma only.
#include "../common/flash_bwd.h"
#include "flash_ops_avx2.h"
#include "kernels.h"

namespace attnkit {
void attn_sdpa_bwd_f32__avx2(const attn_sdpa_bwd_args& a, const ParallelFor* pf) {
  flash::sdpa_backward<FlashOpsAvx2>(a, pf);
}
}  // namespace attnkit
