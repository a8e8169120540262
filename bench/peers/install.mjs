// Installs the peers into bench/.peers (gitignored), never into attnkit's own dependencies: a plain
// `npm install` of attnkit must not pull a 100 MB runtime in. onnxruntime-node's postinstall would
// fetch CUDA parts from outside the registry; ONNXRUNTIME_NODE_INSTALL_CUDA=skip turns that off
// (its CPU binaries ship inside the npm package).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PEERS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '.peers');

/** Pinned so tables from different days compare the same peers. */
export const PEER_PACKAGES = {
  'onnxruntime-node': '1.30.0',
  '@tensorflow/tfjs-core': '4.22.0',
  '@tensorflow/tfjs-backend-cpu': '4.22.0',
  '@tensorflow/tfjs-backend-wasm': '4.22.0',
};

export const peerRequire = createRequire(path.join(PEERS_DIR, 'package.json'));

/** Whether `dir` holds each of `packages` ({ name: version }) at that version. */
function installed(dir, packages) {
  return Object.entries(packages).every(([name, version]) => {
    try {
      return (
        JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version === version
      );
    } catch {
      return false;
    }
  });
}

/**
 * Installs `packages` ({ name: version }) into `dir` (a private prefix outside attnkit's own
 * node_modules and package.json) unless they are there already; `what` names them in messages.
 */
export function ensureInstalled(dir, packages, what, env = {}) {
  if (installed(dir, packages)) return;
  fs.mkdirSync(dir, { recursive: true });
  const pkg = path.join(dir, 'package.json');
  if (!fs.existsSync(pkg))
    fs.writeFileSync(pkg, `{ "private": true, "description": "attnkit ${what} (not shipped)" }\n`);
  const specs = Object.entries(packages).map(([n, v]) => `${n}@${v}`);
  console.log(`installing ${what} into ${dir}: ${specs.join(' ')}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--prefix', dir, ...specs], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
    shell: process.platform === 'win32',
  });
  if (r.status !== 0 || !installed(dir, packages)) throw new Error(`installing ${what} failed (see npm output above)`);
}

export function ensurePeers() {
  ensureInstalled(PEERS_DIR, PEER_PACKAGES, 'bench peers', { ONNXRUNTIME_NODE_INSTALL_CUDA: 'skip' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensurePeers();
