#!/usr/bin/env bash
# `npm run leak-check`: scripts/leak-workload.cjs (every kind of addon call, a few times) under valgrind
# memcheck, on the built addon and dist/. Fails on a definite leak, or any memcheck error, with a frame
# in attnkit.node.
#
# How Node's own reports are told apart: valgrind writes every error to XML, and a filter keeps those
# whose stack (40 frames, enough to reach the addon under V8 and Node-API) names attnkit.node. Node
# leaks some blocks on purpose at exit, and its possibly-lost blocks (and the pool threads' scratch, still
# alive at exit) are not errors under --errors-for-leak-kinds=definite; the count of ignored errors is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v valgrind >/dev/null || { echo "leak-check: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
[ -f dist/index.js ] || { echo "leak-check: dist/ is missing; run npm run build:ts" >&2; exit 2; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
# The addon picks its kernels from the CPUID valgrind reports (no AVX-512 there), so valgrind can run them.
ATTNKIT_BACKEND=native valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1 \
  --num-callers=40 --xml=yes --xml-file="$out/memcheck.xml" \
  node scripts/leak-workload.cjs >"$out/stdout" || status=$?
cat "$out/stdout"
grep -q '^leak workload done' "$out/stdout" || { echo "leak-check: the workload did not finish (exit $status)" >&2; exit 1; }

node - "$out/memcheck.xml" "$status" <<'EOF'
const fs = require('node:fs');
const [xmlFile, status] = process.argv.slice(2);
const errors = fs.readFileSync(xmlFile, 'utf8').match(/<error>[\s\S]*?<\/error>/g) ?? [];
const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const field = (e, tag) => unescape(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(e)?.[1]?.trim() ?? '');
// Possibly lost and still reachable blocks are listed in the XML but are not errors (definite only).
const counted = errors.filter((e) => !/^Leak_(PossiblyLost|StillReachable|IndirectlyLost)$/.test(field(e, 'kind')));
const ours = counted.filter((e) => /<obj>[^<]*attnkit\.node<\/obj>/.test(e));
for (const e of ours) {
  const frames = [...e.matchAll(/<frame>[\s\S]*?<\/frame>/g)].map(([f]) => `    ${field(f, 'fn') || '?'} (${(field(f, 'obj').split('/').pop())})`);
  console.log(`${field(e, 'kind')}: ${field(e, 'text') || field(e, 'what')}\n${frames.join('\n')}`);
}
const bytes = {};
for (const e of errors) bytes[field(e, 'kind')] = (bytes[field(e, 'kind')] ?? 0) + Number(field(e, 'leakedbytes') || 0);
console.log(`leak-check: bytes by kind ${JSON.stringify(bytes)}`);
console.log(`leak-check: ${ours.length} definite leaks or memcheck errors in attnkit.node; ${counted.length - ours.length} elsewhere (Node's own, ignored); valgrind exit ${status}`);
process.exit(ours.length ? 1 : 0);
EOF
