// Packing of nn.Linear's weight [out, in] for the projection GEMMs (gemm_f32_6x16__avx2, and
// gemm_f32_8x48__avx512, which reads the same panels three at a time). Include only from files built with
// -mavx2 -mfma or wider.
#pragma once
#include <algorithm>
#include <vector>

#include "attnkit_gemm.h"
#include "flash_ops_avx2.h"

namespace attnkit {
namespace {  // each kernel's translation unit gets its own copy, and so its own buffer

// Packs the rows of w for outputs [o_begin, o_end) (o_begin a multiple of 16) into panels of 16 outputs,
// panel p = [in][16] at p * 16 * in, outputs past o_end zero-filled: full panels by the attention kernel's
// 8x8 register transposes (FlashOpsAvx2::pack_k16), the last, partial one element by element. Returns a
// per-thread buffer, reused across calls (pool threads live as long as the addon).
inline const float* pack_w_panels16(const attn_linear_args& a, int64_t o_begin, int64_t o_end) {
  const int64_t n = a.in_features, p_first = o_begin / 16, panels = (o_end - o_begin + 15) / 16;
  static thread_local std::vector<float> packed;
  packed.resize(static_cast<size_t>(std::max<int64_t>(1, panels * 16 * n)));
  for (int64_t p = 0; p < panels; p++) {
    float* dst = packed.data() + p * 16 * n;
    const int64_t o0 = (p_first + p) * 16;
    const int64_t cols = std::min<int64_t>(o_end - o0, 16);
    if (cols == 16) {
      FlashOpsAvx2::pack_k16(dst, a.w + o0 * n, n, n);
      continue;
    }
    for (int64_t k = 0; k < n; k++)
      for (int64_t j = 0; j < 16; j++) dst[k * 16 + j] = j < cols ? a.w[(o0 + j) * n + k] : 0.0f;
  }
  return packed.data();
}

}  // namespace
}  // namespace attnkit
