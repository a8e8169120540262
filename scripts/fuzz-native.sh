#!/usr/bin/env bash
# Builds the libFuzzer harnesses of native/fuzz/ with clang++ -fsanitize=fuzzer,address,undefined and
# runs each for a bounded time:
#   bash scripts/fuzz-native.sh [seconds per harness, default $FUZZ_SECONDS or 60] [sdpa|linear ...]
# The native sources, with their per-ISA flags and defines, are read from native/sources.json (its x64
# Linux targets), so the fuzzed code is built as the addon is; sources that need N-API are left out. Each run
# starts from the committed inputs in native/fuzz/corpus/<harness>/ (regressions among them) and keeps
# what it finds in build/fuzz/corpus-<harness>/; a failing input is saved in build/fuzz/ and fails the
# script. Needs clang with libFuzzer (Debian: clang-14 libclang-rt-14-dev) and x86-64 Linux.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-${FUZZ_SECONDS:-60}}"
[ $# -gt 0 ] && shift
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(sdpa linear)
cxx="${FUZZ_CXX:-$(command -v clang++-14 || command -v clang++ || true)}"
[ -n "$cxx" ] || { echo "fuzz-native: clang++ not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 1; }
jobs_max="${FUZZ_JOBS:-2}"
out="$root/build/fuzz"
mkdir -p "$out/obj"
cd "$root"

# native/sources.json -> "target<TAB>source<TAB>flags" (defines, include dirs, std and ISA flags, no -O),
# without the ISA libraries this CPU cannot run (they could not be fuzzed here).
node scripts/native-sources.cjs targets x64 linux --runnable >"$out/sources.tsv"

# UBSan stops at the first error through UBSAN_OPTIONS=halt_on_error=1: -fno-sanitize-recover made
# clang take minutes per kernel file.
common=(-std=c++17 -O1 -gline-tables-only -fno-omit-frame-pointer -fsanitize=address,undefined -D_GLIBCXX_SANITIZE_VECTOR)
addon_flags=""
objs=()
start=$(date +%s)
while IFS=$'\t' read -r target src flags; do
  [ "$target" = attnkit ] && addon_flags="$flags"
  # shellcheck disable=SC2086
  if "$cxx" -std=c++17 $flags -MM -MG "$src" | grep -q 'napi\.h'; then continue; fi
  obj="$out/obj/${src//\//_}.o"
  objs+=("$obj")
  # Comparisons are traced (to steer inputs past them) in the argument checks only: in the kernels' and
  # the harnesses' loops the tracing took most of the time.
  cov=(-fsanitize=fuzzer-no-link)
  [[ "$src" == native/napi/* ]] || cov+=(-fno-sanitize-coverage=trace-cmp)
  # shellcheck disable=SC2086
  "$cxx" "${common[@]}" "${cov[@]}" $flags -c "$src" -o "$obj" &
  if [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; then wait -n; fi
done <"$out/sources.tsv"
for h in "${harnesses[@]}"; do
  # shellcheck disable=SC2086
  "$cxx" "${common[@]}" -fsanitize=fuzzer -fno-sanitize-coverage=trace-cmp $addon_flags -c "native/fuzz/${h}_fuzz.cpp" \
    -o "$out/obj/${h}_fuzz.o" &
  if [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; then wait -n; fi
done
for pid in $(jobs -p); do wait "$pid"; done
for h in "${harnesses[@]}"; do
  "$cxx" "${common[@]}" -fsanitize=fuzzer "$out/obj/${h}_fuzz.o" "${objs[@]}" -lpthread -o "$out/${h}_fuzz"
done
echo "fuzz-native: built ${harnesses[*]} with $("$cxx" --version | head -1) in $(($(date +%s) - start)) s"
echo "fuzz-native: not built, this CPU cannot run them: $(node scripts/native-sources.cjs targets x64 linux | cut -f2 |
  grep -vxF -f <(cut -f2 "$out/sources.tsv") | tr '\n' ' ')"

# The harnesses run side by side (a fuzzer is single-threaded); each reports when all are done.
for h in "${harnesses[@]}"; do
  corpus="$out/corpus-$h"
  mkdir -p "$corpus" "native/fuzz/corpus/$h"
  # New inputs go to the first directory (scratch); the committed one is only read.
  # -len_control=0: inputs may take every option (about 60 bytes) from the start.
  (UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$out/${h}_fuzz" -max_total_time="$seconds" -timeout=10 -max_len=256 \
    -len_control=0 -print_final_stats=1 -artifact_prefix="$out/$h-" "$corpus" "native/fuzz/corpus/$h" >"$out/$h.log" 2>&1
   echo $? >"$out/$h.status") &
done
wait

status=0
for h in "${harnesses[@]}"; do
  log="$out/$h.log"
  if [ "$(cat "$out/$h.status")" = 0 ]; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    echo "fuzz-native: $h: $runs executions in $seconds s ($rate/s), no failure; $(grep -h "^${h}_fuzz: " "$log" | cut -d' ' -f2-)"
  else
    status=1
    tail -n 80 "$log"
    echo "fuzz-native: $h FAILED (log $log; the input is saved as $out/$h-*)"
  fi
done
exit "$status"
