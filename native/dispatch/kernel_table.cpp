#include "kernel_table.h"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "../kernels/scalar/kernels.h"

namespace attnkit {

namespace {

KernelTable scalar_table() { return KernelTable{"scalar", attn_sdpa_f32__scalar}; }

KernelTable build_table() {
  const char* forced = std::getenv("ATTNKIT_SIMD");
  if (forced && *forced && std::string(forced) != "scalar" && std::string(forced) != "auto") {
    throw std::runtime_error(std::string("ATTNKIT_SIMD=") + forced +
                             " is not available in this build (available: scalar)");
  }
  return scalar_table();
}

}  // namespace

const KernelTable& kernel_table() {
  static const KernelTable table = build_table();
  return table;
}

}  // namespace attnkit
