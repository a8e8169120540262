// NEON kernels (arm64 only).
#pragma once
#include "attnkit.h"
#include "../common/parallel.h"

namespace attnkit {
void attn_sdpa_f32_flash__neon(const attn_sdpa_args& a, const ParallelFor* pf);
void attn_sdpa_bwd_f32__neon(const attn_sdpa_bwd_args& a, const ParallelFor* pf);
}
