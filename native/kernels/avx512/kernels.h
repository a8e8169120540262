// AVX-512 kernels (built only into the attnkit_avx512 library with -mavx512f -mavx512vl -mavx512dq
// -mavx512bw).
#pragma once
#include "attnkit.h"
#include "../common/parallel.h"

namespace attnkit {
void attn_sdpa_f32_flash__avx512(const attn_sdpa_args& a, const ParallelFor* pf);
}
