// Scalar kernels: always built, the fallback and the oracle for the SIMD ones.
#pragma once
#include "attnkit.h"
#include "../common/parallel.h"

namespace attnkit {
// One row at a time, two-pass softmax: the oracle, and the path when weights are requested.
void attn_sdpa_f32__scalar(const attn_sdpa_args& a);
// The fused tiled kernel with portable loops.
void attn_sdpa_f32_flash__scalar(const attn_sdpa_args& a, const ParallelFor* pf);
// The fused backward pass (kernels/common/flash_bwd.h) with portable loops; a.lse must be given.
void attn_sdpa_bwd_f32__scalar(const attn_sdpa_bwd_args& a, const ParallelFor* pf);
}
