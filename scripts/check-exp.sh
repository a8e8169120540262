#!/usr/bin/env bash
# Measures the vectorised exp's max relative error (native/tests/exp_error.cpp) and checks the AVX2 fused
# kernel against the scalar oracle (native/tests/kernel_check.cpp), on an AVX2 machine; on an AVX-512F
# machine the same for the AVX-512 level (its exp must match the AVX2 exp bit for bit).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(mktemp /tmp/attnkit-exp.XXXXXX)"
trap 'rm -f "$bin"' EXIT
g++ -std=c++17 -O2 -mavx2 -mfma -mf16c "$root/native/tests/exp_error.cpp" -o "$bin"
"$bin"
# And the AVX2 fused kernel against the scalar oracle, lse included (the JS glue never requests lse).
n="$root/native"
g++ -std=c++17 -O2 -mavx2 -mfma -mf16c -I"$n/include" "$n/tests/kernel_check.cpp" "$n/kernels/avx2/sdpa_f32_flash.cpp" \
  "$n/kernels/scalar/sdpa_f32.cpp" -o "$bin"
"$bin"
# The backward kernel (AVX2 and scalar) against a float64 backward (native/tests/backward_check.cpp).
g++ -std=c++17 -O2 -mavx2 -mfma -I"$n/include" "$n/tests/backward_check.cpp" "$n/kernels/avx2/sdpa_bwd_f32.cpp" \
  "$n/kernels/scalar/sdpa_bwd_f32.cpp" "$n/kernels/scalar/sdpa_f32.cpp" -o "$bin"
"$bin"
# The AVX-512 level: its exp gives the AVX2 exp's bits, and its fused kernel passes the same checks.
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo && grep -qw avx512dq /proc/cpuinfo &&
  grep -qw avx512bw /proc/cpuinfo; then
  g++ -std=c++17 -O2 -mavx512f -mavx512vl -mavx512dq -mavx512bw -mavx2 -mfma -mf16c "$root/native/tests/exp_avx512_match.cpp" -o "$bin"
  "$bin"
  g++ -std=c++17 -O2 -mavx512f -mavx512vl -mavx512dq -mavx512bw -mavx2 -mfma -mf16c -DCHECK_AVX512 -I"$n/include" "$n/tests/kernel_check.cpp" \
    "$n/kernels/avx512/sdpa_f32_flash.cpp" "$n/kernels/scalar/sdpa_f32.cpp" -o "$bin"
  "$bin"
  # Its zmm tiles too (the kernel of cores with full-width 512-bit FMAs); they run on any AVX-512 CPU.
  g++ -std=c++17 -O2 -mavx512f -mavx512vl -mavx512dq -mavx512bw -mavx2 -mfma -mf16c -DCHECK_AVX512_ZMM -I"$n/include" \
    "$n/tests/kernel_check.cpp" "$n/kernels/avx512/sdpa_f32_flash_zmm.cpp" "$n/kernels/scalar/sdpa_f32.cpp" -o "$bin"
  "$bin"
else
  echo "check-exp: AVX-512 level NOT checked: this CPU lacks AVX-512 F, DQ, BW or VL"
fi
