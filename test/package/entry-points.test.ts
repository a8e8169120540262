// `require`, `import` and TypeScript users all reach the same package.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..');
const node = (args: string[]) =>
  spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: process.env, timeout: 120_000 });

describe('entry points', () => {
  it('require("attnkit") works', () => {
    const r = node([
      '-e',
      "const a = require('attnkit'); console.log(typeof a.scaledDotProductAttention, typeof a.tensor, typeof a.backendInfo)",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('function function function');
  });

  it('import "attnkit" works and shares one instance with require', () => {
    const code =
      "import * as esm from 'attnkit'; import { createRequire } from 'node:module'; const cjs = createRequire(import.meta.url)('attnkit'); console.log(esm.scaledDotProductAttention === cjs.scaledDotProductAttention, 'missing=' + Object.keys(cjs).filter((n) => !(n in esm)).join(','));";
    const r = node(['--input-type=module', '-e', code]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('true missing=');
  });

  it('TypeScript users get the types from ESM and CommonJS', () => {
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', path.join(__dirname, 'consumer', 'tsconfig.json')], {
      cwd: root,
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});
