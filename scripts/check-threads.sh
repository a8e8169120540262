#!/usr/bin/env bash
# Resizes the thread pool between thousands of jobs (native/tests/thread_pool_stress.cpp), once optimised
# and once under ThreadSanitizer. A lost wake-up would hang, so each run has a time limit.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(mktemp /tmp/attnkit-pool.XXXXXX)"
trap 'rm -f "$bin"' EXIT
src=("$root/native/tests/thread_pool_stress.cpp" "$root/native/threading/thread_pool.cpp")
# The addon's flags (native/sources.json); -O1 -g for ThreadSanitizer (the last -O wins).
flags="$(node "$root/scripts/native-sources.cjs" flags)"
# shellcheck disable=SC2086
g++ $flags -pthread "${src[@]}" -o "$bin"
timeout 120 "$bin"
# shellcheck disable=SC2086
g++ $flags -O1 -g -fsanitize=thread -pthread "${src[@]}" -o "$bin"
TSAN_OPTIONS=halt_on_error=1 timeout 600 "$bin"
