// AVX2+FMA kernels (built only into the attnkit_avx2 library with -mavx2 -mfma).
#pragma once
#include "attnkit.h"
#include "../common/parallel.h"

namespace attnkit {
void attn_sdpa_f32_flash__avx2(const attn_sdpa_args& a, const ParallelFor* pf);
void attn_sdpa_bwd_f32__avx2(const attn_sdpa_bwd_args& a, const ParallelFor* pf);
}
