// Scalar kernels: always built, the fallback and the oracle for the SIMD ones.
#pragma once
#include "attnkit.h"
#include "../common/parallel.h"

namespace attnkit {
// One row at a time, two-pass softmax: the oracle, and the path when weights are requested.
void attn_sdpa_f32__scalar(const attn_sdpa_args& a);
// The fused tiled kernel with portable loops.
void attn_sdpa_f32_flash__scalar(const attn_sdpa_args& a, const ParallelFor* pf);
}
