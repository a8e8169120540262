// Turns the JS linear call (x, w, bias|null, y, desc) into attn_linear_args, re-checking lengths,
// and runs it on the GEMM the kernel table chose (dispatch/kernel_table.h). No N-API here: the addon
// passes the call through js_args.h, the fuzz harness its own buffers.
#pragma once
#include "attnkit_gemm.h"
#include "abi_generated.h"
#include "call_args.h"
#include "../kernels/common/parallel.h"

namespace attnkit {


// call: (x, w, bias|null, y, desc). Throws std::invalid_argument / std::range_error on any inconsistency.
attn_linear_args linear_args_from_call(const CallArgs& call);

struct KernelTable;

// Runs y = x · wᵀ + b on the kernel table's GEMM (or the system BLAS of a CMake build with
// ATTNKIT_BLAS=ON), split over blocks of rows on pf (nullptr: this thread).
void run_linear(const attn_linear_args& a, const ParallelFor* pf);
// The same on a given table (dispatch/kernel_table.h make_kernel_table): the fuzz harness runs every level.
void run_linear(const KernelTable& table, const attn_linear_args& a, const ParallelFor* pf);
const char* linear_kernel_name();

}  // namespace attnkit
