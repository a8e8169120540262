#include "linear_args.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "../dispatch/kernel_table.h"
#include "../kernels/scalar/gemm_f32.h"
#include "typed_data.h"

namespace attnkit {

namespace {

int64_t desc_size(const double* desc, int slot, const char* what) {
  const double v = desc[slot];
  // 2^31 - 1 elements at most per tensor (as in TS), so every size fits comfortably.
  if (!(v >= 0) || v > 2147483647.0 || std::floor(v) != v)
    throw std::range_error(std::string("attnkit native: linear: bad descriptor value for ") + what);
  return static_cast<int64_t>(v);
}

Napi::TypedArray f32_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw std::invalid_argument(std::string("attnkit native: linear: ") + name + " must be a Float32Array");
  return info[i].As<Napi::TypedArray>();
}

float* f32_ptr(Napi::TypedArray t) {
  return typed_data<float>(t);
}

void need(const char* name, size_t have, double want) {
  if (double(have) < want) throw std::range_error(std::string("attnkit native: linear: ") + name + " is too short for its shape");
}

#if defined(ATTNKIT_HAVE_CBLAS)
// The system BLAS takes every GEMM unless the scalar level is in use (the test suite's oracle level) or
// ATTNKIT_GEMM=builtin asks for the built-in kernels: whoever builds with a BLAS chose it.
bool blas_allowed() {
  static const bool ok = [] {
    const char* gemm = std::getenv("ATTNKIT_GEMM");
    return std::strcmp(kernel_table().simd, "scalar") != 0 && !(gemm && std::strcmp(gemm, "builtin") == 0);
  }();
  return ok;
}
#endif

}  // namespace

attn_linear_args linear_args_from_js(const Napi::CallbackInfo& info) {
  if (info.Length() < 5) throw std::invalid_argument("attnkit native: linear expects 5 arguments");
  Napi::TypedArray x = f32_arg(info, 0, "x");
  Napi::TypedArray w = f32_arg(info, 1, "weight");
  const bool has_bias = !info[2].IsNull() && !info[2].IsUndefined();
  Napi::TypedArray y = f32_arg(info, 3, "out");
  if (!info[4].IsTypedArray() || info[4].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[4].As<Napi::TypedArray>().ElementLength() != kLinDescLength)
    throw std::invalid_argument("attnkit native: linear: bad descriptor");
  Napi::TypedArray d = info[4].As<Napi::TypedArray>();
  const double* desc = typed_data<const double>(d);

  attn_linear_args a{};
  a.rows = desc_size(desc, kLinRows, "rows");
  a.in_features = desc_size(desc, kLinIn, "in_features");
  a.out_features = desc_size(desc, kLinOut, "out_features");
  need("x", x.ElementLength(), double(a.rows) * double(a.in_features));
  need("weight", w.ElementLength(), double(a.out_features) * double(a.in_features));
  need("out", y.ElementLength(), double(a.rows) * double(a.out_features));
  a.x = f32_ptr(x);
  a.w = f32_ptr(w);
  a.y = f32_ptr(y);
  a.bias = nullptr;
  if (has_bias) {
    Napi::TypedArray b = f32_arg(info, 2, "bias");
    need("bias", b.ElementLength(), double(a.out_features));
    a.bias = f32_ptr(b);
  }
  return a;
}

namespace {

// Tasks are blocks of kColBlock outputs (8 panels of 16) times groups of rows; each packs (or, for a
// BLAS, reads) only its outputs' rows of w, x is shared. Every output element is the same FMA chain
// over k whatever task holds it, so results are bit-identical for any thread count, and the grid may
// follow the workers: row groups just large enough for ~4 tasks per worker, never under kRowBlock
// rows, since each group packs its outputs' rows of w again (in * 128 copies against
// rows * in * 128 FMAs). A BLAS gets output blocks only: with row blocks of 96 it ran
// (2048 x 1024) · (1024 x 1024)ᵀ at 77 GFLOP/s on 1 core against 100 for one call.
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

void run_linear(const attn_linear_args& a, const ParallelFor* pf) {
  if (a.rows <= 0 || a.out_features <= 0) return;
  const KernelTable& table = kernel_table();
  LinearJob job{&a, table.gemm_f32, a.rows, (a.out_features + kColBlock - 1) / kColBlock};
  bool row_groups = true;
#if defined(ATTNKIT_HAVE_CBLAS)
  if (blas_allowed()) {
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
  if (blas_allowed()) return "cblas";
#endif
  return kernel_table().gemm_name;
}

}  // namespace attnkit
