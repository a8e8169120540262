// linear()'s GEMM through a system CBLAS (built only with CMake's ATTNKIT_BLAS=ON): y = x · wᵀ + b,
// outputs [o_begin, o_end) per call. The caller's thread pool runs blocks of outputs, so the BLAS itself runs
// on one thread: threads from both would oversubscribe the cores.
#include <cblas.h>

#include <algorithm>

#include "../scalar/gemm_f32.h"

// Weak: present only when the BLAS is OpenBLAS or BLIS; others follow their own variables
// (MKL_NUM_THREADS=1).
#if defined(__GNUC__) || defined(__clang__)
extern "C" void openblas_set_num_threads(int) __attribute__((weak));
extern "C" void bli_thread_set_num_threads(long) __attribute__((weak));
#define ATTNKIT_BLAS_THREADS_KNOWN 1
#endif

namespace attnkit {

void attn_gemm_f32__cblas(const attn_linear_args& a, int64_t o_begin, int64_t o_end) {
  static const bool single = [] {
#if defined(ATTNKIT_BLAS_THREADS_KNOWN)
    if (openblas_set_num_threads) openblas_set_num_threads(1);
    if (bli_thread_set_num_threads) bli_thread_set_num_threads(1);
#endif
    return true;
  }();
  (void)single;
  const int64_t ldy = a.out_features, n = o_end - o_begin;
  if (a.rows == 0 || n <= 0) return;
  float* y = a.y + o_begin;
  if (a.bias)
    for (int64_t r = 0; r < a.rows; ++r) std::copy_n(a.bias + o_begin, n, y + r * ldy);
  else if (a.in_features == 0)  // beta = 0 and k = 0: some BLAS return without writing y
    for (int64_t r = 0; r < a.rows; ++r) std::fill_n(y + r * ldy, n, 0.0f);
  if (a.in_features == 0) return;
  const int k = static_cast<int>(a.in_features);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(a.rows), static_cast<int>(n), k, 1.0f, a.x, k,
              a.w + o_begin * a.in_features, k, a.bias ? 1.0f : 0.0f, y, static_cast<int>(ldy));
}

}  // namespace attnkit
