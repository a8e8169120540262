#include "cpu_features.h"

#if defined(__x86_64__) || defined(_M_X64)
#if defined(_MSC_VER)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

namespace attnkit {

namespace {

#if defined(__x86_64__) || defined(_M_X64)
void cpuid(unsigned leaf, unsigned sub, unsigned r[4]) {
#if defined(_MSC_VER)
  int v[4];
  __cpuidex(v, static_cast<int>(leaf), static_cast<int>(sub));
  for (int i = 0; i < 4; ++i) r[i] = static_cast<unsigned>(v[i]);
#else
  __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
#endif
}

unsigned long long xcr0() {
#if defined(_MSC_VER)
  return _xgetbv(0);
#else
  unsigned eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));  // no -mxsave needed
  return (static_cast<unsigned long long>(edx) << 32) | eax;
#endif
}

bool detect_avx2_fma() {
  unsigned r[4];
  cpuid(0, 0, r);
  if (r[0] < 7) return false;
  cpuid(1, 0, r);
  const bool fma = r[2] & (1u << 12), osxsave = r[2] & (1u << 27), avx = r[2] & (1u << 28);
  // F16C (vcvtph2ps: float16 K/V) came before AVX2 on every x86-64 core; the kernels built with -mavx2 use it.
  const bool f16c = r[2] & (1u << 29);
  // AVX needs the OS to save xmm and ymm state on context switches: XCR0 bits 1 and 2.
  if (!(fma && osxsave && avx && f16c) || (xcr0() & 6) != 6) return false;
  cpuid(7, 0, r);
  return r[1] & (1u << 5);  // AVX2
}

// Called only when detect_avx2_fma() said yes.
bool detect_avx512f() {
  unsigned r[4];
  cpuid(7, 0, r);
  // F, DQ, BW and VL (the attnkit_avx512 library is built with all four: VL lets the AVX2 code in it use
  // ymm16-31), and the OS must also save the opmask and both halves of zmm0-31: XCR0 bits 5, 6, 7.
  const unsigned need = (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31);
  return (r[1] & need) == need && (xcr0() & 0xE6) == 0xE6;
}

// Zen 4 (AMD family 0x19 with AVX-512) splits each 512-bit FMA into two 256-bit halves; Zen 5
// (family 0x1A) and Intel's AVX-512 cores run it whole. Decided from cpuid, not a timing probe, so
// the choice is the same on every load.
bool detect_avx512_full_width() {
  unsigned r[4];
  cpuid(0, 0, r);
  const bool amd = r[1] == 0x68747541u && r[3] == 0x69746e65u && r[2] == 0x444d4163u;  // "AuthenticAMD"
  if (!amd) return true;
  cpuid(1, 0, r);
  const unsigned family = ((r[0] >> 8) & 0xF) + ((r[0] >> 20) & 0xFF);
  return family >= 0x1A;
}

bool detect_avx512_bf16() {
  unsigned r[4];
  cpuid(0, 0, r);
  if (r[0] < 7) return false;
  cpuid(7, 1, r);
  return r[0] & (1u << 5);
}
#endif

CpuFeatures detect() {
  CpuFeatures f{false, false, false, false, false};
#if defined(__x86_64__) || defined(_M_X64)
  f.avx2_fma = detect_avx2_fma();
  f.avx512 = f.avx2_fma && detect_avx512f();
  f.avx512_full_width = f.avx512 && detect_avx512_full_width();
  f.avx512_bf16 = f.avx512 && detect_avx512_bf16();
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
  f.neon = true;
#endif
  return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

}  // namespace attnkit
