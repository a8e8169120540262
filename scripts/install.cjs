// npm install hook: compile the addon unless a usable binary (a prebuild in the tarball, or an earlier
// build) is already there. A failed build must not fail the install (attnkit then runs on its JavaScript
// backend), so it ends in one warning line, unless ATTNKIT_BACKEND=native asks for the addon, in which
// case the failure is fatal and shown whole.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const required = (process.env.ATTNKIT_BACKEND || '').toLowerCase() === 'native';

// The addon ABI the JavaScript side expects (load-addon.ts refuses any other), from its one definition,
// native/napi/abi.json, which ships with the package.
function expectedAbi() {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, 'native/napi/abi.json'), 'utf8')).abi;
  } catch {
    return undefined;
  }
}

// Why no binary fits, or '' when one does: node-gyp-build's choice (build/Release, then
// prebuilds/<platform>-<arch>) must load here and be of the expected ABI, as load-addon.ts checks.
function whyNoBinary() {
  let file;
  try {
    file = require('node-gyp-build').resolve(root);
  } catch {
    return `no prebuilt or compiled addon for ${process.platform}-${process.arch}`;
  }
  let abi;
  try {
    abi = require(file).abi;
  } catch (err) {
    return `${path.relative(root, file)} does not load (${String(err?.message).split('\n')[0]})`;
  }
  const expected = expectedAbi();
  if (expected !== undefined && abi !== expected)
    return `${path.relative(root, file)} is stale (ABI ${abi}, expected ${expected})`;
  return '';
}

const why = whyNoBinary();
// --check: say what an install would do, and do nothing.
if (process.argv.includes('--check')) {
  process.stdout.write(why ? `build: ${why}\n` : 'fits\n');
  process.exit(0);
}
if (!why) process.exit(0);
process.stderr.write(`attnkit: ${why}; compiling the addon\n`);

// npm runs lifecycle scripts with its bundled node-gyp at npm_config_node_gyp; fall back to PATH.
const gypJs = process.env.npm_config_node_gyp;
const [cmd, args] = gypJs && fs.existsSync(gypJs) ? [process.execPath, [gypJs, 'rebuild']] : ['node-gyp', ['rebuild']];
const result = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', shell: process.platform === 'win32' });
if (result.status === 0) process.exit(0);

const log = path.join(os.tmpdir(), `attnkit-build-${process.pid}.log`);
const output = `${result.error ? `${String(result.error)}\n` : ''}${result.stdout || ''}${result.stderr || ''}`;
fs.writeFileSync(log, output);
if (required) {
  process.stderr.write(`${output}\nattnkit: native build failed and ATTNKIT_BACKEND=native requires it\n`);
  process.exit(1);
}
process.stderr.write(
  `attnkit: native addon not built (log: ${log}); using the JavaScript backend. Retry with \`npm rebuild attnkit\`.\n`,
);
