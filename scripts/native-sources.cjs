// Reads native/sources.json (the addon's sources and flags, also read by binding.gyp and CMakeLists.txt)
// for the shell scripts that compile native code outside node-gyp:
//   node scripts/native-sources.cjs flags [library|arm64]  -> -std=c++17 -O3 -I... [+ that library's ISA flags]
//   node scripts/native-sources.cjs sources <library|arm64> -> its source files
//   node scripts/native-sources.cjs targets <x64|arm64> <os> [--runnable]
//       -> "target<TAB>source<TAB>defines, includes and ISA flags" for every source the addon builds there;
//          --runnable leaves out the ISA libraries this CPU cannot run (as the build option attnkit_avx512=0 does)
//   node scripts/native-sources.cjs runs <library>  -> exit status 0 when this CPU has every ISA the library's
//                                                      flags ask for (the check CI, test-sanitized.sh and vitest share)
'use strict';
const path = require('node:path');

const desc = require('../native/sources.json');

const root = path.join(__dirname, '..');

/** The std, optimisation and include flags every native file of the addon is built with (gcc/clang). */
const baseFlags = () => [
  `-std=${desc.std}`,
  desc.optimize.gcc,
  ...desc.includeDirs.map((d) => `-I${path.join(root, d)}`),
];

/** A library of sources.json, or 'arm64' for the sources that join the addon there. */
function part(name) {
  if (name === 'arm64') return { sources: desc.arm64.sources, flags: [], defines: [] };
  const lib = desc.libraries[name];
  if (!lib)
    throw new Error(
      `native-sources: no library '${name}' in native/sources.json (${Object.keys(desc.libraries).join(', ')}, arm64)`,
    );
  return lib;
}

let cpuFlags; // the flags line of /proc/cpuinfo, read on first use

/** Whether this CPU has every instruction set a library's -m flags ask for (a library or its name; Linux x64). */
function cpuRuns(library) {
  const lib = typeof library === 'string' ? part(library) : library;
  if (process.platform !== 'linux' || process.arch !== lib.arch) return false;
  cpuFlags ??= new Set(
    require('node:fs')
      .readFileSync('/proc/cpuinfo', 'utf8')
      .match(/^flags\s*:(.*)$/m)[1]
      .trim()
      .split(/\s+/),
  );
  return lib.flags.every((f) => cpuFlags.has(f === '-mavx512bf16' ? 'avx512_bf16' : f.replace(/^-m/, '')));
}

/** Each target the addon builds for arch/os with its sources and flags (-D, -I, -std, ISA; no -O). */
function targets(arch, os, { runnableOnly = false } = {}) {
  const includes = [...desc.includeDirs.map((d) => `-I${d}`), `-std=${desc.std}`, ...desc.gccFlags];
  const libs = Object.entries(desc.libraries).filter(
    ([, l]) => l.arch === arch && !(l.os === 'not-win' && os === 'win') && (!runnableOnly || cpuRuns(l)),
  );
  const addonDefines = [
    ...desc.defines,
    ...libs.flatMap(([, l]) => l.addonDefines),
    ...(arch === 'arm64' ? desc.arm64.addonDefines : []),
  ];
  const addonSources = [...desc.sources, ...(arch === 'arm64' ? desc.arm64.sources : [])];
  return [
    { name: 'attnkit', sources: addonSources, flags: [...addonDefines.map((d) => `-D${d}`), ...includes] },
    ...libs.map(([name, l]) => ({
      name,
      sources: l.sources,
      flags: [...l.defines.map((d) => `-D${d}`), ...includes, '-fPIC', ...l.flags],
    })),
  ];
}

module.exports = { desc, baseFlags, part, targets, cpuRuns };

if (require.main === module) {
  const [what, a, b, c] = process.argv.slice(2);
  if (what === 'flags') console.log([...baseFlags(), ...(a ? part(a).flags : [])].join(' '));
  else if (what === 'sources' && a) console.log(part(a).sources.join(' '));
  else if (what === 'runs' && a) process.exit(cpuRuns(a) ? 0 : 1);
  else if (what === 'targets' && a && b && (c === undefined || c === '--runnable'))
    for (const t of targets(a, b, { runnableOnly: c === '--runnable' }))
      for (const s of t.sources) console.log([t.name, s, t.flags.join(' ')].join('\t'));
  else {
    console.error(
      'usage: native-sources.cjs flags [library] | sources <library> | targets <arch> <os> [--runnable] | runs <library>',
    );
    process.exit(2);
  }
}
