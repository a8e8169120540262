// The kernel table: filled once from the CPU's features (or ATTNKIT_SIMD / ATTNKIT_FMA_WIDTH), so callers
// never test CPU flags.
#pragma once
#include "attnkit.h"
#include "attnkit_gemm.h"
#include "../kernels/common/parallel.h"

namespace attnkit {

// A projection GEMM for outputs [o_begin, o_end) of every row (see kernels/scalar/gemm_f32.h).
using GemmFn = void (*)(const attn_linear_args&, int64_t o_begin, int64_t o_end);

struct KernelTable {
  const char* simd;  // "scalar", "avx2", "avx512", "neon": reported by backendInfo().simd
  // Width in bits of the vectors the prefill and GEMM tiles compute on: 512 (zmm tiles), 256, 128 (NEON)
  // or 32 (scalar). At avx512 it is 512 where the core runs a zmm FMA at full width, else 256.
  int fma_width;
  void (*sdpa_f32)(const attn_sdpa_args&, const ParallelFor*);  // fused kernel (no weights)
  // The fused kernel for calls with compute_bf16 (bf16 products in prefill), or nullptr: sdpa_f32 takes them.
  void (*sdpa_bf16)(const attn_sdpa_args&, const ParallelFor*);
  GemmFn gemm_f32;        // linear(): the packed GEMM
  GemmFn gemv_f32;        // linear() on few rows (reads w in place), or nullptr: gemm_f32 takes every call
  int gemv_rows;          // calls of at most this many rows take gemv_f32 (where it beats the packed GEMM)
  const char* gemm_name;  // reported by backendInfo().gemm (a BLAS build reports "cblas" instead)
  void (*sdpa_bwd_f32)(const attn_sdpa_bwd_args&, const ParallelFor*);  // fused backward (lse given)
};

// The table in use; built on first call. Throws std::runtime_error when ATTNKIT_SIMD names
// a level this build or CPU cannot run, or ATTNKIT_FMA_WIDTH is not 256, 512 or auto.
const KernelTable& kernel_table();

// The table of one level ("scalar", "avx2", "avx512", "neon"; fma_width 0 for the level's own choice,
// else 256 or 512), as ATTNKIT_SIMD / ATTNKIT_FMA_WIDTH would give it; false when this build or CPU
// cannot run that level. For the fuzz harness, which runs every level in one process.
bool make_kernel_table(const char* level, int fma_width, KernelTable* t);

// Runs one attention call: the fused kernel, or the scalar row kernel when weights are requested
// (they need the full Lq x Lk matrix anyway).
void run_sdpa_f32(const attn_sdpa_args& a, const ParallelFor* pf);
void run_sdpa_f32(const KernelTable& table, const attn_sdpa_args& a, const ParallelFor* pf);

// Runs one backward call; without a.lse the level's forward computes it first (into a temporary
// [B, Hq, Lq] and a [B, Hq, Lq, Dv] result it then drops).
void run_sdpa_backward_f32(const attn_sdpa_bwd_args& a, const ParallelFor* pf);
void run_sdpa_backward_f32(const KernelTable& table, const attn_sdpa_bwd_args& a, const ParallelFor* pf);

}  // namespace attnkit
