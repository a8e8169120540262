#!/usr/bin/env bash
# Measures the vectorised exp's max relative error (native/tests/exp_error.cpp) and checks the AVX2 fused
# kernel against the scalar oracle (native/tests/kernel_check.cpp), on an AVX2 machine.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(mktemp /tmp/attnkit-exp.XXXXXX)"
trap 'rm -f "$bin"' EXIT
g++ -std=c++17 -O2 -mavx2 -mfma "$root/native/tests/exp_error.cpp" -o "$bin"
"$bin"
# And the AVX2 fused kernel against the scalar oracle, lse included (the JS glue never requests lse).
n="$root/native"
g++ -std=c++17 -O2 -mavx2 -mfma -I"$n/include" "$n/tests/kernel_check.cpp" "$n/kernels/avx2/sdpa_f32_flash.cpp" \
  "$n/kernels/scalar/sdpa_f32.cpp" -o "$bin"
"$bin"
