// bench/soak.mjs: its options, the drift figures, and a 4-second run end to end (dist/ is built by
// `npm run test:bench` before vitest).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { drift, slope } from '../../bench/lib/drift.mjs';

const root = path.resolve(__dirname, '..', '..');
const MiB = 2 ** 20;

describe('bench/lib/drift.mjs', () => {
  it('fits the slope and compares the first and last quarters', () => {
    expect(slope([0, 1, 2, 3], [1, 3, 5, 7])).toBeCloseTo(2, 12);
    const samples = Array.from({ length: 8 }, (_, i) => ({ t: i * 10, rss: 100 * MiB + i * MiB }));
    const d = drift(samples, 'rss');
    expect(d.slopePerMin).toBeCloseTo(6 * MiB, 6); // 1 MiB per 10 s
    expect(d.spread).toBe(7 * MiB);
    expect(d.growth).toBe(6 * MiB); // median of the last two minus the first two
  });

  it('is not moved by one spike', () => {
    const rss = [10, 10, 10, 30, 10, 10, 10, 10].map((x) => x * MiB);
    const d = drift(
      rss.map((r, i) => ({ t: i, rss: r })),
      'rss',
    );
    expect(d.growth).toBe(0);
    expect(d.spread).toBe(20 * MiB);
  });
});

describe('bench/soak.mjs', () => {
  it('runs, prints the table and the drift, and writes the JSON', () => {
    const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'soak-')), 'soak.json');
    const r = spawnSync(
      process.execPath,
      [path.join(root, 'bench', 'soak.mjs'), '--seconds', '4', '--warmup', '1', '--json', json],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.stdout).toContain('| metric | slope MiB/min |');
    expect(r.stdout).toMatch(/^(PASS|FAIL): growth after warm-up within/m);
    // 3 s after a 1 s warm-up is too short for a verdict to mean much: only its wiring is checked.
    const out = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(r.status, r.stderr).toBe(out.pass ? 0 : 1);
    expect(out.samples.length).toBeGreaterThan(2);
    expect(out.counts.async).toBeGreaterThan(0);
    expect(out.counts.checked).toBeGreaterThan(0);
  });

  it('refuses unknown options and a warm-up as long as the run', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(root, 'bench', 'soak.mjs'), ...args], { encoding: 'utf8' });
    expect(run('--minutes', '3').stderr).toContain('soak: unknown argument --minutes');
    expect(run('--seconds', '5', '--warmup', '5').stderr).toContain(
      'soak: --warmup 5 leaves no time to measure in 5 s',
    );
  });
});
