import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scaleStudy, type ScaleStudyRow } from '../../src/index';
import { CLI, ensureBuilt, runCli } from './built-cli';

beforeAll(() => ensureBuilt(), 180_000);

const LABELS = ['none', '1/√dₖ', '1/(2√dₖ)', '1/(3√dₖ)'];
const STUDY_ARGS = ['explain', 'scale', '--dims', '4,64,1024', '--samples', '300', '--keys', '32', '--seed', '5'];

interface ParsedBlock {
  dK: number;
  samples: number;
  keys: number;
  lines: string[][];
  inside: number[];
}

/** Reads the printed table back: one block per d_k, 12 cells per scale line. */
function parseTable(text: string): ParsedBlock[] {
  const blocks: ParsedBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = /^d_k = (\d+) {2}\((\d+) rows × (\d+) keys;/.exec(lines[i]);
    if (!head) continue;
    const rows = lines.slice(i + 2, i + 6).map((l) => l.trim().split(/\s+/));
    const inside = /inside ±1σ \/ ±2σ \/ ±3σ: ([\d.]+)% \/ ([\d.]+)% \/ ([\d.]+)%/.exec(lines[i + 6]);
    expect(inside, `line after block d_k = ${head[1]}`).not.toBeNull();
    blocks.push({ dK: +head[1], samples: +head[2], keys: +head[3], lines: rows, inside: inside!.slice(1).map(Number) });
  }
  return blocks;
}

/** A printed number agrees with the JSON value to the digits printed (4 significant, or fixed). */
function expectPrinted(cell: string, value: number, what: string): void {
  const printed = Number(cell.replace(/^±/, '').replace(/%$/, ''));
  expect(Number.isFinite(printed), `${what}: '${cell}' is a number`).toBe(true);
  const tol = Math.max(Math.abs(value) * 5.01e-4, 1e-12);
  expect(Math.abs(printed - value), `${what}: printed ${cell}, JSON ${value}`).toBeLessThanOrEqual(tol);
}

describe('attnkit CLI (built dist/cli/main.js)', () => {
  it('has a shebang and is the package bin', () => {
    expect(fs.readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', `file://${__filename}`), 'utf8'));
    expect(pkg.bin).toEqual({ attnkit: './dist/cli/main.js' });
  });

  it('explain scale --json parses, equals scaleStudy(), and matches the printed table', () => {
    const json = runCli([...STUDY_ARGS, '--json']);
    const table = runCli(STUDY_ARGS);
    expect(json.status, json.stderr).toBe(0);
    expect(table.status, table.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as { rows: ScaleStudyRow[]; seed: number; backend: string };
    // The CLI prints the library's numbers: the same call in-process gives the same rows.
    expect(parsed.rows).toEqual(scaleStudy({ dims: [4, 64, 1024], samples: 300, keys: 32, seed: 5 }));
    expect(parsed.seed).toBe(5);

    const blocks = parseTable(table.stdout);
    expect(blocks.map((b) => b.dK)).toEqual([4, 64, 1024]);
    for (const block of blocks) {
      const rows = parsed.rows.filter((r) => r.dK === block.dK);
      expect(rows).toHaveLength(4);
      expect(block.samples).toBe(300);
      expect(block.keys).toBe(32);
      block.inside.forEach((pct, i) =>
        expect(Math.abs(pct - 100 * rows[0].ranges[i].inside)).toBeLessThanOrEqual(0.0501),
      );
      rows.forEach((r, i) => {
        const cells = block.lines[i];
        const at = `d_k ${r.dK} ${r.scaleName}`;
        expect(cells).toHaveLength(12);
        expect(cells[0]).toBe(LABELS[i]);
        expectPrinted(cells[1], r.scale, `${at} factor`);
        expectPrinted(cells[2], r.variance, `${at} variance`);
        expectPrinted(cells[3], r.expectedVariance, `${at} expected`);
        expectPrinted(cells[4], r.std, `${at} std`);
        r.ranges.forEach((g, k) => expectPrinted(cells[5 + k], (g.high - g.low) / 2, `${at} ±${k + 1}σ`));
        expect(Math.abs(Number(cells[8]) - r.meanMaxProb)).toBeLessThanOrEqual(5.01e-5);
        expect(Math.abs(Number(cells[9]) - r.meanEntropy)).toBeLessThanOrEqual(5.01e-5);
        expect(Math.abs(Number(cells[10].replace('%', '')) - 100 * r.saturatedShare)).toBeLessThanOrEqual(0.0501);
        expectPrinted(cells[11], r.meanJacobianNorm, `${at} ‖J‖F`);
      });
    }
  });

  it('explain defaults to scale; explain example and info print text and JSON', () => {
    const dflt = runCli(['explain', '--dims', '8', '--samples', '20', '--seed', '5']);
    const scale = runCli(['explain', 'scale', '--dims=8', '--samples=20', '--seed=5']);
    expect(dflt.status).toBe(0);
    expect(dflt.stdout).toBe(scale.stdout);

    const ex = runCli(['explain', 'example', '--json']);
    expect(ex.status).toBe(0);
    const example = JSON.parse(ex.stdout);
    expect(example.dot).toBeCloseTo(0.88, 12);
    const exText = runCli(['explain', 'example']);
    expect(exText.stdout).toContain('= 0.8800');
    expect(exText.stdout).toContain(example.rows[0].probs.map((p: number) => p.toFixed(4)).join(', '));

    const info = runCli(['info', '--json']);
    expect(info.status).toBe(0);
    expect(['native', 'js']).toContain(JSON.parse(info.stdout).backend);
    expect(runCli(['info']).stdout).toMatch(/^backend {2}(native|js)$/m);
  });

  it('--help prints usage and exits 0', () => {
    const r = runCli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: attnkit <command> [options]');
    expect(runCli(['explain', '-h']).stdout).toContain('--samples N');
  });

  it('--version and -v print the package version and exit 0', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-v']) {
      const r = runCli([flag]);
      expect(r.status, flag).toBe(0);
      expect(r.stdout, flag).toBe(`${version}\n`);
    }
    expect(runCli(['--version=1']).stderr).toContain('--version takes no value');
  });

  it('bad usage gives a clear message and exit code 2', () => {
    const cases: [string[], string][] = [
      [['explain', '--frobnicate'], "unknown option '--frobnicate'"],
      [['explain', '-x'], "unknown option '-x'"],
      [['explain', '--dims', '4,x'], "--dims must be an integer, got 'x'"],
      [['explain', '--samples'], '--samples needs a value'],
      [['explain', '--samples', '1'], '--samples must be in [2, 10000000], got 1'],
      [['explain', 'plots'], "unknown explain topic 'plots'"],
      [['bench'], "unknown command 'bench'"],
      [['info', '--dims', '4'], "--dims does not apply to 'info'"],
      [['explain', '--json=yes'], '--json takes no value'],
      [['explain', '--dims', '65536', '--keys', '1024'], 'keys · d_k must be at most'],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
      expect(r.stdout).toBe('');
    }
  });
});
