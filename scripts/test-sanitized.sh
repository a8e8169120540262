#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer in a scratch clone and runs the
# native test project against it: any out-of-bounds access or UB in the kernels fails the run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/attnkit-asan.XXXXXX)"
trap 'rm -rf "$work"' EXIT
git -C "$root" ls-files -z | (cd "$root" && xargs -0 cp --parents -t "$work")
ln -s "$root/node_modules" "$work/node_modules"
cp -r "$root/dist" "$work/dist"
cd "$work"
gyp="${npm_config_node_gyp:-$(dirname "$(command -v npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js}"
nodedir_flag=()
[ -n "${npm_config_nodedir:-}" ] && nodedir_flag=(--nodedir="$npm_config_nodedir")
# -O1 after binding.gyp's -O3 (the last -O wins): the sanitizers check the same accesses and operations
# at any level, and g++ compiles the sanitized flash kernels about twice as fast at -O1 as at -O2. On every
# core unless JOBS says otherwise.
# A CPU without AVX-512 could not run those kernels under the sanitizers: they are left out of the build.
gyp_defines=()
node "$root/scripts/native-sources.cjs" runs attnkit_avx512 || gyp_defines=(-- -Dattnkit_avx512=0)
start=$(date +%s)
CXXFLAGS="-O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
LDFLAGS="-fsanitize=address,undefined" node "$gyp" rebuild --jobs "${JOBS:-max}" "${nodedir_flag[@]}" "${gyp_defines[@]}" >build.log 2>&1 || { cat build.log; exit 1; }
echo "test-sanitized: ASan + UBSan addon built in $(($(date +%s) - start)) s"
preload="$(g++ -print-file-name=libasan.so) $(g++ -print-file-name=libubsan.so)"
ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="$preload" npx vitest run --project native "$@"
