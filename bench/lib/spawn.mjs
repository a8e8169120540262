// Runs bench/lib/child.mjs with a spec and an environment, and parses its JSON line.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'child.mjs');

export function runChild(spec, env = {}) {
  const r = spawnSync(process.execPath, [CHILD, JSON.stringify(spec)], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0)
    throw new Error(`bench child failed (${JSON.stringify(spec)}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  const last = r.stdout.trim().split('\n').pop();
  return JSON.parse(last);
}
