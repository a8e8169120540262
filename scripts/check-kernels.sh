#!/usr/bin/env bash
# `npm run check:kernels`: the exp error bound and the x86 kernels against the scalar oracle
# (check-exp.sh) and the NEON kernels under qemu (check-neon.sh) side by side, since each compiles on one
# core; then the thread pool under load (check-threads.sh). Each check's output is printed whole.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
logs="$(mktemp -d /tmp/attnkit-checks.XXXXXX)"
trap 'rm -rf "$logs"' EXIT
bash "$here/check-exp.sh" >"$logs/exp" 2>&1 &
exp=$!
bash "$here/check-neon.sh" >"$logs/neon" 2>&1 &
neon=$!
status=0
wait "$exp" || { status=1; echo "check-kernels: check-exp.sh FAILED" >>"$logs/exp"; }
cat "$logs/exp"
wait "$neon" || { status=1; echo "check-kernels: check-neon.sh FAILED" >>"$logs/neon"; }
cat "$logs/neon"
[ "$status" = 0 ] || exit 1
bash "$here/check-threads.sh"
