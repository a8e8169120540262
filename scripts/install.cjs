// npm install hook: compile the addon unless a usable binary is already there. A failed build must
// not fail the install (attnkit then runs on its JavaScript backend), so it ends in one warning line,
// unless ATTNKIT_BACKEND=native asks for the addon, in which case the failure is fatal and shown whole.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const required = (process.env.ATTNKIT_BACKEND || '').toLowerCase() === 'native';

function hasBinary() {
  try {
    require('node-gyp-build').resolve(root);
    return true;
  } catch {
    return false;
  }
}

if (hasBinary()) process.exit(0);

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
process.stderr.write(`attnkit: native addon not built (log: ${log}); using the JavaScript backend. Retry with \`npm rebuild attnkit\`.\n`);
