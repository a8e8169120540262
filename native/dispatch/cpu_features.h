// What the CPU and the OS let us run, detected once.
#pragma once

namespace attnkit {

struct CpuFeatures {
  bool avx2_fma;  // x86-64: AVX2 + FMA3 + F16C and the OS saves ymm state (OSXSAVE + XCR0)
  bool avx512;    // x86-64: AVX-512 F, DQ, BW, VL (with AVX2 + FMA3) and the OS saves zmm state (XCR0)
  bool neon;      // aarch64: always (Advanced SIMD is part of the base ISA)
  // With avx512: the core runs a 512-bit FMA at full width (two zmm FMAs per cycle on Zen 5 and Intel
  // server cores) rather than as two 256-bit halves (Zen 4), so zmm tiles double the FMA peak.
  bool avx512_full_width;
  bool avx512_bf16;  // AVX512_BF16 (vdpbf16ps): Zen 4, Zen 5, Sapphire Rapids and later
};

const CpuFeatures& cpu_features();

}  // namespace attnkit
