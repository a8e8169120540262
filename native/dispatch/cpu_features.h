// What the CPU and the OS let us run, detected once.
#pragma once

namespace attnkit {

struct CpuFeatures {
  bool avx2_fma;  // x86-64: AVX2 + FMA3 and the OS saves ymm state (OSXSAVE + XCR0)
  bool avx512;    // x86-64: AVX-512 F, DQ, BW, VL (with AVX2 + FMA3) and the OS saves zmm state (XCR0)
  bool neon;      // aarch64: always (Advanced SIMD is part of the base ISA)
};

const CpuFeatures& cpu_features();

}  // namespace attnkit
