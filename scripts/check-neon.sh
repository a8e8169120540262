#!/usr/bin/env bash
# Cross-compiles the NEON kernel for arm64 with Debian's g++-aarch64-linux-gnu and, when qemu-user is
# installed (qemu-aarch64), runs native/tests/kernel_check.cpp against the scalar oracle and
# native/tests/backward_check.cpp (the backward kernel against a float64 backward).
#   apt-get install -y g++-aarch64-linux-gnu qemu-user
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cxx="${CXX_AARCH64:-aarch64-linux-gnu-g++}"
command -v "$cxx" >/dev/null || { echo "check-neon: $cxx not found (apt-get install -y g++-aarch64-linux-gnu)" >&2; exit 1; }
bin="$(mktemp /tmp/attnkit-neon.XXXXXX)"
bwd="$(mktemp /tmp/attnkit-neon-bwd.XXXXXX)"
trap 'rm -f "$bin" "$bwd"' EXIT
n="$root/native"
# The addon's flags and arm64 sources (native/sources.json).
flags="$(node "$root/scripts/native-sources.cjs" flags arm64)"
neon="$(node "$root/scripts/native-sources.cjs" sources arm64)"
# shellcheck disable=SC2086
(cd "$root" && "$cxx" $flags -Wall -Wextra -static "$n/tests/kernel_check.cpp" $neon "$n/kernels/scalar/sdpa_f32.cpp" -o "$bin")
# shellcheck disable=SC2086
(cd "$root" && "$cxx" $flags -Wall -Wextra -static "$n/tests/backward_check.cpp" "$n/kernels/neon/sdpa_bwd_f32.cpp" \
  "$n/kernels/scalar/sdpa_bwd_f32.cpp" "$n/kernels/scalar/sdpa_f32.cpp" -o "$bwd")
echo "check-neon: NEON kernels cross-compiled for arm64"
if command -v qemu-aarch64 >/dev/null; then
  qemu-aarch64 "$bin"
  qemu-aarch64 "$bwd"
else
  echo "check-neon: qemu-aarch64 not installed, not run (apt-get install -y qemu-user)"
fi
