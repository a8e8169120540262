#!/usr/bin/env bash
# The linux-arm64 prebuild, without an arm64 Node: an aarch64 program (cross-compiled, run under
# qemu-aarch64 against Debian's arm64 glibc and libstdc++) dlopen()s it with RTLD_NOW, every N-API
# function it imports stubbed, and finds its module entry point. That proves it links and its static
# initialisers run on arm64; its NEON kernel's results are checked by scripts/check-neon.sh (the same
# sources and flags, native/sources.json), not through this binary.
#   bash scripts/check-arm64-prebuild.sh prebuilds/linux-arm64/attnkit.glibc.node
set -euo pipefail
so="$(readlink -f "$1")"
prefix=aarch64-linux-gnu-
command -v "${prefix}gcc" >/dev/null || { echo "check-arm64-prebuild: ${prefix}gcc not found (apt-get install g++-aarch64-linux-gnu)" >&2; exit 1; }
command -v qemu-aarch64 >/dev/null || { echo "check-arm64-prebuild: qemu-aarch64 not found (apt-get install qemu-user)" >&2; exit 1; }
file "$so" | grep -q 'ARM aarch64' || { echo "check-arm64-prebuild: $so is not an aarch64 binary: $(file -b "$so")" >&2; exit 1; }
work="$(mktemp -d /tmp/attnkit-arm64.XXXXXX)"
trap 'rm -rf "$work"' EXIT
{
  echo '#include <dlfcn.h>'
  echo '#include <stdio.h>'
  "${prefix}nm" -D --undefined-only "$so" | awk '$2 ~ /^(napi_|node_api_)/ { print "void " $2 "(void) {}" }'
  cat <<'C'
int main(int argc, char** argv) {
  void* h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) { fprintf(stderr, "check-arm64-prebuild: dlopen: %s\n", dlerror()); return 1; }
  if (!dlsym(h, "napi_register_module_v1")) { fprintf(stderr, "check-arm64-prebuild: no napi_register_module_v1\n"); return 1; }
  return 0;
}
C
} >"$work/probe.c"
"${prefix}gcc" -O1 -rdynamic "$work/probe.c" -o "$work/probe" -ldl
qemu-aarch64 -L /usr/aarch64-linux-gnu "$work/probe" "$so"
echo "check-arm64-prebuild: $(basename "$so") loads on arm64 (qemu, RTLD_NOW) and exports napi_register_module_v1"
