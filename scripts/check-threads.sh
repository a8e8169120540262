#!/usr/bin/env bash
# Resizes the thread pool between thousands of jobs (native/tests/thread_pool_stress.cpp), once optimised
# and once under ThreadSanitizer. A lost wake-up would hang, so each run has a time limit.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(mktemp /tmp/attnkit-pool.XXXXXX)"
trap 'rm -f "$bin"' EXIT
src=("$root/native/tests/thread_pool_stress.cpp" "$root/native/threading/thread_pool.cpp")
g++ -std=c++17 -O2 -pthread "${src[@]}" -o "$bin"
timeout 120 "$bin"
g++ -std=c++17 -O1 -g -fsanitize=thread -pthread "${src[@]}" -o "$bin"
TSAN_OPTIONS=halt_on_error=1 timeout 600 "$bin"
