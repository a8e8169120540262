#!/usr/bin/env bash
# Measures the vectorised exp's max relative error (native/tests/exp_error.cpp) on an AVX2 machine.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(mktemp /tmp/attnkit-exp.XXXXXX)"
trap 'rm -f "$bin"' EXIT
g++ -std=c++17 -O2 -mavx2 -mfma "$root/native/tests/exp_error.cpp" -o "$bin"
"$bin"
