// The bench-only probes addon (bench/probes/binding.gyp): FMA peak and read bandwidth. Built on first
// use with `npm run build:probes` (a compiler is needed, as for the attnkit addon).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PROBES_ADDON = path.join(ROOT, 'bench', 'probes', 'build', 'Release', 'attnkit_probes.node');

let cached;

/** { probeFmaPeak(threads, bits?), probeReadBandwidth(threads) }, or null with the reason in `probesError`. */
export function loadProbes() {
  if (cached !== undefined) return cached;
  if (!existsSync(PROBES_ADDON)) {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = spawnSync(npm, ['run', '--silent', 'build:probes'], {
      cwd: ROOT,
      encoding: 'utf8',
      shell: process.platform === 'win32',
    });
    if (r.status !== 0)
      probesError = `npm run build:probes failed: ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-3).join(' ')}`;
  }
  try {
    cached = require(PROBES_ADDON);
  } catch (err) {
    probesError ||= err.message.split('\n')[0];
    cached = null;
  }
  return cached;
}

export let probesError = '';
