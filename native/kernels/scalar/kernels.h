// Scalar kernels: always built, the fallback and the oracle for the SIMD ones.
#pragma once
#include "attnkit.h"

namespace attnkit {
void attn_sdpa_f32__scalar(const attn_sdpa_args& a);
}
