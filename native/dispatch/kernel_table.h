// The kernel table: filled once from the CPU's features (or ATTNKIT_SIMD), so callers never test CPU flags.
#pragma once
#include "attnkit.h"
#include "../kernels/common/parallel.h"

namespace attnkit {

struct KernelTable {
  const char* simd;  // "scalar", "avx2", "avx512", "neon": reported by backendInfo().simd
  void (*sdpa_f32)(const attn_sdpa_args&, const ParallelFor*);  // fused kernel (no weights)
};

// The table in use; built on first call. Throws std::runtime_error when ATTNKIT_SIMD names
// a level this build or CPU cannot run.
const KernelTable& kernel_table();

// Runs one attention call: the fused kernel, or the scalar row kernel when weights are requested
// (they need the full Lq x Lk matrix anyway).
void run_sdpa_f32(const attn_sdpa_args& a, const ParallelFor* pf);

}  // namespace attnkit
