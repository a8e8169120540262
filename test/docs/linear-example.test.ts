// examples/linear.mjs (shown in docs/api.md) runs and prints x·Wᵀ + b computed here in float64.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

it('examples/linear.mjs prints x·Wᵀ + b', () => {
  const r = spawnSync(process.execPath, ['examples/linear.mjs'], {
    cwd: path.join(__dirname, '..', '..'),
    encoding: 'utf8',
    env: process.env,
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const x = Array.from({ length: 24 }, (_, i) => i / 10);
  const w = [
    [1, 0, 0, 0],
    [0.5, 0.5, 0.5, 0.5],
  ];
  const b = [0, 100];
  const y: string[] = [];
  for (let row = 0; row < 6; row++)
    for (let o = 0; o < 2; o++) y.push((w[o].reduce((s, wi, i) => s + wi * x[row * 4 + i], 0) + b[o]).toFixed(2));
  expect(r.stdout).toContain(`y [2,3,2]: ${y.join(' ')}`);
});
