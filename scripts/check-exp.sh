#!/usr/bin/env bash
# Measures the vectorised exp's max relative error (native/tests/exp_error.cpp) and checks the AVX2 fused
# kernel against the scalar oracle (native/tests/kernel_check.cpp), on an AVX2 machine; on an AVX-512F
# machine the same for the AVX-512 level (its exp must match the AVX2 exp bit for bit).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(mktemp /tmp/attnkit-exp.XXXXXX)"
trap 'rm -f "$bin"' EXIT
# The addon's flags for each ISA library (native/sources.json).
avx2="$(node "$root/scripts/native-sources.cjs" flags attnkit_avx2)"
avx512="$(node "$root/scripts/native-sources.cjs" flags attnkit_avx512)"
# shellcheck disable=SC2086
g++ $avx2 "$root/native/tests/exp_error.cpp" -o "$bin"
"$bin"
# And the AVX2 fused kernel against the scalar oracle, lse included (the JS glue never requests lse).
n="$root/native"
# shellcheck disable=SC2086
g++ $avx2 "$n/tests/kernel_check.cpp" "$n/kernels/avx2/sdpa_f32_flash.cpp" \
  "$n/kernels/scalar/sdpa_f32.cpp" -o "$bin"
"$bin"
# The backward kernel (AVX2 and scalar) against a float64 backward (native/tests/backward_check.cpp).
# shellcheck disable=SC2086
g++ $avx2 "$n/tests/backward_check.cpp" "$n/kernels/avx2/sdpa_bwd_f32.cpp" \
  "$n/kernels/scalar/sdpa_bwd_f32.cpp" "$n/kernels/scalar/sdpa_f32.cpp" -o "$bin"
"$bin"
# The AVX-512 level: its exp gives the AVX2 exp's bits, and its fused kernel passes the same checks.
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo && grep -qw avx512dq /proc/cpuinfo &&
  grep -qw avx512bw /proc/cpuinfo; then
  # shellcheck disable=SC2086
  g++ $avx512 "$root/native/tests/exp_avx512_match.cpp" -o "$bin"
  "$bin"
  # shellcheck disable=SC2086
  g++ $avx512 -DCHECK_AVX512 "$n/tests/kernel_check.cpp" \
    "$n/kernels/avx512/sdpa_f32_flash.cpp" "$n/kernels/scalar/sdpa_f32.cpp" -o "$bin"
  "$bin"
  # Its zmm tiles too (the kernel of cores with full-width 512-bit FMAs); they run on any AVX-512 CPU.
  # shellcheck disable=SC2086
  g++ $avx512 -DCHECK_AVX512_ZMM "$n/tests/kernel_check.cpp" "$n/kernels/avx512/sdpa_f32_flash_zmm.cpp" "$n/kernels/scalar/sdpa_f32.cpp" -o "$bin"
  "$bin"
else
  echo "check-exp: AVX-512 level NOT checked: this CPU lacks AVX-512 F, DQ, BW or VL"
fi
