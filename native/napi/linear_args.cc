#include "linear_args.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "../dispatch/kernel_table.h"
#include "../kernels/scalar/gemm_f32.h"

namespace attnkit {

namespace {

int64_t desc_size(const double* desc, int slot, const char* what) {
  const double v = desc[slot];
  // 2^31 - 1 elements at most per tensor (as in TS), so every size fits comfortably.
  if (!(v >= 0) || v > 2147483647.0 || std::floor(v) != v)
    throw std::range_error(std::string("attnkit native: linear: bad descriptor value for ") + what);
  return static_cast<int64_t>(v);
}

const CallArg& f32_arg(const CallArgs& call, size_t i, const char* name) {
  if (call[i].type != ArgType::kFloat32)
    throw std::invalid_argument(std::string("attnkit native: linear: ") + name + " must be a Float32Array");
  return call[i];
}

void need(const char* name, size_t have, double want) {
  if (double(have) < want) throw std::range_error(std::string("attnkit native: linear: ") + name + " is too short for its shape");
}

#if defined(ATTNKIT_HAVE_CBLAS)
// The system BLAS takes every GEMM unless the scalar level is in use (the test suite's oracle level) or
// ATTNKIT_GEMM=builtin asks for the built-in kernels: whoever builds with a BLAS chose it.
bool blas_allowed(const KernelTable& table) {
  static const bool builtin = [] {
    const char* gemm = std::getenv("ATTNKIT_GEMM");
    return gemm && std::strcmp(gemm, "builtin") == 0;
  }();
  return std::strcmp(table.simd, "scalar") != 0 && !builtin;
}
#endif

}  // namespace

attn_linear_args linear_args_from_call(const CallArgs& call) {
  if (call.count < 5) throw std::invalid_argument("attnkit native: linear expects 5 arguments");
  const CallArg& x = f32_arg(call, 0, "x");
  const CallArg& w = f32_arg(call, 1, "weight");
  const bool has_bias = call[2].type != ArgType::kNull;
  const CallArg& y = f32_arg(call, 3, "out");
  if (call[4].type != ArgType::kFloat64 || call[4].length != kLinDescLength)
    throw std::invalid_argument("attnkit native: linear: bad descriptor");
  const double* desc = static_cast<const double*>(call.data(call.ctx, 4));

  attn_linear_args a{};
  a.rows = desc_size(desc, kLinRows, "rows");
  a.in_features = desc_size(desc, kLinIn, "in_features");
  a.out_features = desc_size(desc, kLinOut, "out_features");
  need("x", x.length, double(a.rows) * double(a.in_features));
  need("weight", w.length, double(a.out_features) * double(a.in_features));
  need("out", y.length, double(a.rows) * double(a.out_features));
  a.x = call.f32(0);
  a.w = call.f32(1);
  a.y = call.f32(3);
  a.bias = nullptr;
  if (has_bias) {
    const CallArg& b = f32_arg(call, 2, "bias");
    need("bias", b.length, double(a.out_features));
    a.bias = call.f32(2);
  }
  return a;
}

namespace {

// Tasks are blocks of kColBlock outputs (8 panels of 16) times groups of rows; each packs (or, for a
// BLAS, reads) only its outputs' rows of w, x is shared. Every output element is the same FMA chain
// over k whatever task holds it, so results are bit-identical for any thread count, and the grid may
// follow the workers: row groups just large enough for ~4 tasks per worker, never under kRowBlock
// rows, since each group packs its outputs' rows of w again (in * 128 copies against
// rows * in * 128 FMAs). A BLAS gets output blocks only, each one call over all rows: it ran slower
// on row blocks.
constexpr int64_t kRowBlock = 96;
constexpr int64_t kColBlock = 128;

struct LinearJob {
  const attn_linear_args* a;
  GemmFn kernel;
  int64_t row_group, col_blocks;
};

void grid_task(void* arg, int64_t t) {
  const LinearJob& job = *static_cast<const LinearJob*>(arg);
  const attn_linear_args& a = *job.a;
  const int64_t cb = t % job.col_blocks, r0 = t / job.col_blocks * job.row_group;
  attn_linear_args part = a;
  part.rows = std::min(job.row_group, a.rows - r0);
  part.x = a.x + r0 * a.in_features;
  part.y = a.y + r0 * a.out_features;
  job.kernel(part, cb * kColBlock, std::min(a.out_features, (cb + 1) * kColBlock));
}

}  // namespace

void run_linear(const attn_linear_args& a, const ParallelFor* pf) { run_linear(kernel_table(), a, pf); }

void run_linear(const KernelTable& table, const attn_linear_args& a, const ParallelFor* pf) {
  if (a.rows <= 0 || a.out_features <= 0) return;
  LinearJob job{&a, table.gemm_f32, a.rows, (a.out_features + kColBlock - 1) / kColBlock};
  bool row_groups = true;
#if defined(ATTNKIT_HAVE_CBLAS)
  if (blas_allowed(table)) {
    job.kernel = attn_gemm_f32__cblas;
    row_groups = false;
  }
#endif
  // A few rows take the table's gemv, which skips the GEMM's packing of w.
  if (row_groups && table.gemv_f32 && a.rows <= table.gemv_rows) {
    job.kernel = table.gemv_f32;  // reads w in place: output blocks suffice
    row_groups = false;
  }
  if (row_groups) {
    const int64_t workers = pf ? std::max(1, pf->workers) : 1;
    const int64_t wanted = (4 * workers + job.col_blocks - 1) / job.col_blocks;
    const int64_t groups = std::max<int64_t>(1, std::min(wanted, a.rows / kRowBlock));
    job.row_group = (a.rows + groups - 1) / groups;
  }
  parallel_for(pf, (a.rows + job.row_group - 1) / job.row_group * job.col_blocks, grid_task, &job);
}

const char* linear_kernel_name() {
#if defined(ATTNKIT_HAVE_CBLAS)
  if (blas_allowed(kernel_table())) return "cblas";
#endif
  return kernel_table().gemm_name;
}

}  // namespace attnkit
