/* C ABI of the projection GEMM behind linear(): y = x · wᵀ + b, PyTorch nn.Linear's layout.
 * No N-API types here; native/napi/linear_args.cc fills the struct after re-checking lengths. */
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct attn_linear_args {
  int64_t rows;         /* product of x's leading dims */
  int64_t in_features;  /* x's last dim, w's row length */
  int64_t out_features; /* w's row count, y's last dim */
  const float* x;       /* [rows, in_features], row-major, contiguous */
  const float* w;       /* [out_features, in_features], row-major, contiguous */
  const float* bias;    /* [out_features] or NULL */
  float* y;             /* [rows, out_features], row-major, contiguous; never aliases the inputs */
} attn_linear_args;

#ifdef __cplusplus
}
#endif
