// Turns the JS linear call (x, w, bias|null, y, desc) into attn_linear_args, re-checking lengths,
// and runs it on the GEMM the kernel table chose (dispatch/kernel_table.h).
#pragma once
#include <napi.h>

#include "attnkit_gemm.h"
#include "../kernels/common/parallel.h"

namespace attnkit {

// Descriptor slots written by src/backends/native/index.ts (linear); keep the two in step.
enum LinearDescSlot { kLinRows = 0, kLinIn, kLinOut, kLinDescLength };

// info: (x, w, bias|null, y, desc). Throws std::invalid_argument / std::range_error on any inconsistency.
attn_linear_args linear_args_from_js(const Napi::CallbackInfo& info);

// Runs y = x · wᵀ + b on the kernel table's GEMM (or the system BLAS of a CMake build with
// ATTNKIT_BLAS=ON), split over blocks of rows on pf (nullptr: this thread).
void run_linear(const attn_linear_args& a, const ParallelFor* pf);
const char* linear_kernel_name();

}  // namespace attnkit
