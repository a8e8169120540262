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

function installed() {
  return Object.entries(PEER_PACKAGES).every(([name, version]) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(PEERS_DIR, 'node_modules', name, 'package.json'), 'utf8')).version === version;
    } catch {
      return false;
    }
  });
}

export function ensurePeers() {
  if (installed()) return;
  fs.mkdirSync(PEERS_DIR, { recursive: true });
  const pkg = path.join(PEERS_DIR, 'package.json');
  if (!fs.existsSync(pkg)) fs.writeFileSync(pkg, '{ "private": true, "description": "attnkit bench peers (not shipped)" }\n');
  const specs = Object.entries(PEER_PACKAGES).map(([n, v]) => `${n}@${v}`);
  console.log(`installing peers into ${PEERS_DIR}: ${specs.join(' ')}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--prefix', PEERS_DIR, ...specs], {
    stdio: 'inherit',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL_CUDA: 'skip' },
    shell: process.platform === 'win32',
  });
  if (r.status !== 0 || !installed()) throw new Error('bench:peers: installing the peers failed (see npm output above)');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensurePeers();
