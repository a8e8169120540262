// npm pack / publish hook (prepack): the prebuilt addons shipped in the tarball, built by prebuildify
// (Node-API, so one binary serves every Node version) into prebuilds/<platform>-<arch>/:
//   linux-x64   with the host's g++
//   linux-arm64 cross-compiled with Debian's g++-aarch64-linux-gnu
// Each is built in a scratch copy of the sources, so the developer's build/ is left alone.
// ATTNKIT_PREBUILD_ARCHS=x64 (comma-separated) limits the list; a missing cross compiler is an error,
// not a tarball silently without arm64.
// ATTNKIT_PREBUILD_HOST_ADDON=build/Release/attnkit.node takes the host arch's prebuild from an addon
// node-gyp has already built from these sources (CI packs right after `npm ci` built it), stripped as
// prebuildify strips, instead of compiling it a second time; it must be newer than every source.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const cross = {
  arm64: { prefix: 'aarch64-linux-gnu-', apt: 'g++-aarch64-linux-gnu binutils-aarch64-linux-gnu' },
};

function fail(message) {
  process.stderr.write(`prebuild: ${message}\n`);
  process.exit(1);
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

if (process.platform !== 'linux') fail(`prebuilds are made on Linux (this is ${process.platform})`);
const archs = (process.env.ATTNKIT_PREBUILD_ARCHS || 'x64,arm64')
  .split(',')
  .map((a) => a.trim())
  .filter(Boolean);
for (const arch of archs) {
  if (arch !== os.arch() && !cross[arch]) fail(`no cross compiler known for ${arch}`);
  if (arch !== os.arch() && !onPath(`${cross[arch].prefix}g++`))
    fail(
      `${cross[arch].prefix}g++ not found, needed for the linux-${arch} prebuild (apt-get install ${cross[arch].apt}; or ATTNKIT_PREBUILD_ARCHS=${os.arch()})`,
    );
}

// node-gyp takes the Node headers from nodedir (npm's config, or the ones installed beside this node)
// rather than downloading them.
const env = { ...process.env };
const localHeaders = path.resolve(process.execPath, '..', '..');
if (!env.npm_config_nodedir && fs.existsSync(path.join(localHeaders, 'include', 'node', 'node_api.h')))
  env.npm_config_nodedir = localHeaders;

// The scratch copy: what node-gyp reads (binding.gyp, native/, package.json) and node_modules for
// node-addon-api.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'attnkit-prebuild-'));
try {
  for (const entry of ['binding.gyp', 'package.json', 'native'])
    fs.cpSync(path.join(root, entry), path.join(scratch, entry), {
      recursive: true,
      filter: (src) => !/native\/(tests|fuzz|probes)(\/|$)/.test(src),
    });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(scratch, 'node_modules'), 'dir');
  fs.rmSync(path.join(root, 'prebuilds'), { recursive: true, force: true });

  for (const arch of archs) {
    const started = Date.now();
    if (arch === os.arch() && process.env.ATTNKIT_PREBUILD_HOST_ADDON) {
      reuseHostAddon(process.env.ATTNKIT_PREBUILD_HOST_ADDON, arch);
      report(arch, started, `from ${process.env.ATTNKIT_PREBUILD_HOST_ADDON}`);
      continue;
    }
    const archEnv = { ...env };
    // This Node's version as the target: node-gyp then uses its headers (Node-API 8 binaries load in any later Node).
    const args = [
      '--napi',
      '--strip',
      '--tag-libc',
      `--target=${process.versions.node}`,
      `--arch=${arch}`,
      `--out=${root}`,
      scratch,
    ];
    if (arch !== os.arch()) {
      const p = cross[arch].prefix;
      Object.assign(archEnv, { CC: `${p}gcc`, CXX: `${p}g++`, LINK: `${p}g++`, AR: `${p}ar` });
      args.push(`--strip-bin=${p}strip`);
    }
    const r = spawnSync('prebuildify', args, {
      cwd: scratch,
      env: archEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    if (r.status !== 0) fail(`linux-${arch} build failed:\n${r.error ?? ''}${r.stdout}${r.stderr}`);
    report(arch, started, 'built');
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}

function report(arch, started, how) {
  const dir = path.join(root, 'prebuilds', `linux-${arch}`);
  const files = fs.readdirSync(dir).map((f) => `${f} (${fs.statSync(path.join(dir, f)).size} bytes)`);
  process.stdout.write(
    `prebuild: linux-${arch}: ${files.join(', ')} ${how} in ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
}

// The newest modification time under a path (a file or a directory tree).
function newestMtime(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((e) => newestMtime(path.join(p, e))));
}

function reuseHostAddon(addon, arch) {
  const from = path.resolve(root, addon);
  if (!fs.existsSync(from)) fail(`ATTNKIT_PREBUILD_HOST_ADDON: ${from} does not exist`);
  if (!process.report.getReport().header.glibcVersionRuntime)
    fail('ATTNKIT_PREBUILD_HOST_ADDON: the reused addon is tagged glibc, and this Node does not run on glibc');
  const built = fs.statSync(from).mtimeMs;
  for (const source of ['binding.gyp', 'native'])
    if (newestMtime(path.join(root, source)) > built)
      fail(`ATTNKIT_PREBUILD_HOST_ADDON: ${from} is older than ${source}: rebuild it or unset the variable`);
  const dir = path.join(root, 'prebuilds', `linux-${arch}`);
  fs.mkdirSync(dir, { recursive: true });
  // The name prebuildify gives with --napi --tag-libc on glibc.
  const to = path.join(dir, 'attnkit.glibc.node');
  fs.copyFileSync(from, to);
  const r = spawnSync('strip', ['--strip-all', to], { encoding: 'utf8' });
  if (r.status !== 0) fail(`strip ${to} failed: ${r.error ?? ''}${r.stderr}`);
}
