#!/usr/bin/env bash
# The package as a stranger gets it (`npm run check:package`): packs the tarball (prepack builds the
# linux-x64 and linux-arm64 prebuilds), lints it (publint --strict, attw), checks what it holds, then
# installs it into an empty project with no compiler on PATH and no network (npm's cache only) and
# there requires the native backend from the x64 prebuild, `attnkit --version`, and runs every example
# copied out of the tarball. Needs the arm64 cross compiler (scripts/prebuild.cjs) and a warm npm cache
# (an `npm ci` of this repository puts the package's two dependencies there).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/attnkit-package.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$root"

npm pack --pack-destination "$work" --silent >"$work/pack.out"
tarball="$work/$(tail -n 1 "$work/pack.out")"
echo "check-package: $(basename "$tarball"): $(du -k "$tarball" | cut -f1) kB, $(tar tzf "$tarball" | wc -l) files"

publint run --strict "$tarball"
attw --no-color "$tarball"

# What ships: both prebuilds, the examples and the LICENSE; no tests, fuzzers, probes or source maps.
listing="$(tar tzf "$tarball")"
for want in package/prebuilds/linux-x64/ package/prebuilds/linux-arm64/ package/examples/demo.mjs package/LICENSE \
  package/native/sources.json; do
  grep -q "^$want" <<<"$listing" || { echo "check-package: $want missing from the tarball" >&2; exit 1; }
done
if grep -E '^package/native/(tests|fuzz|probes)/|\.map$' <<<"$listing"; then
  echo "check-package: the tarball ships the files above, which it must not" >&2
  exit 1
fi
tar xzf "$tarball" -C "$work" package/prebuilds
file "$work"/package/prebuilds/*/*.node
bash "$root/scripts/check-arm64-prebuild.sh" "$work"/package/prebuilds/linux-arm64/*.node

# A PATH with node and sh only: no cc, c++, g++, make or python3, so node-gyp could not build.
bin="$work/bin"
mkdir -p "$bin"
ln -s "$(command -v node)" "$bin/node"
ln -s "$(command -v sh)" "$bin/sh"
for tool in cc c++ gcc g++ make python3; do
  if PATH="$bin" command -v "$tool" >/dev/null; then
    echo "check-package: $tool is still on the stripped PATH" >&2
    exit 1
  fi
done
npm_cli="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
app="$work/app"
mkdir -p "$app"
echo '{ "name": "attnkit-consumer", "version": "1.0.0", "private": true }' >"$app/package.json"
# npm's cache gets the package's dependencies (node-addon-api, node-gyp-build) as for a user who has
# installed them before: a first install elsewhere, with the network and no install scripts.
mkdir -p "$work/warm"
echo '{ "name": "attnkit-warm", "version": "1.0.0", "private": true }' >"$work/warm/package.json"
(cd "$work/warm" && npm install --prefer-offline --ignore-scripts --no-audit --no-fund --silent "$tarball")
# Then the install under test: --offline (npm's cache only), in a network namespace with no interface when we may make one (root),
# else through an unreachable proxy.
nonet=(env npm_config_proxy=http://127.0.0.1:9 npm_config_https_proxy=http://127.0.0.1:9)
unshare -n true 2>/dev/null && nonet=(unshare -n)
echo "check-package: installing with no network (${nonet[*]}) and PATH=$bin"
(cd "$app" && "${nonet[@]}" env PATH="$bin" node "$npm_cli" install --offline --no-audit --no-fund --foreground-scripts "$tarball")
installed="$app/node_modules/attnkit"
[ ! -e "$installed/build" ] || { echo "check-package: the install compiled the addon (build/ exists)" >&2; exit 1; }

cd "$app"
fits="$(PATH="$bin" node "$installed/scripts/install.cjs" --check)"
[ "$fits" = fits ] || { echo "check-package: install.cjs --check says '$fits'" >&2; exit 1; }
PATH="$bin" node -e '
  const info = require("attnkit").backendInfo();
  console.log("check-package:", JSON.stringify(info));
  if (info.backend !== "native" || !info.reason.includes("prebuilds/linux-x64/")) process.exit(1);'
version="$(PATH="$bin" node_modules/.bin/attnkit --version)"
[ "$version" = "$(node -p "require('$root/package.json').version")" ] || { echo "check-package: attnkit --version said '$version'" >&2; exit 1; }
cp "$installed"/examples/*.mjs .
timeout="$(command -v timeout)"
for example in *.mjs; do
  PATH="$bin" ATTNKIT_BACKEND=native "$timeout" 120 node "$example" >"$work/example.log" 2>&1 ||
    { cat "$work/example.log"; echo "check-package: examples/$example failed against the installed tarball" >&2; exit 1; }
done
echo "check-package: installed offline without a compiler, backend native from the prebuild, attnkit $version, $(ls ./*.mjs | wc -l) examples ran"
