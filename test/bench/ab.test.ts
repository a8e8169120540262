// bench/ab.mjs: two builds timed alternately. Run here with this checkout on both sides (dist/ is
// built by `npm run test:bench` before vitest), on a tiny shape.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..');
const ab = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'bench', 'ab.mjs'), ...args], { encoding: 'utf8' });

describe('bench/ab.mjs', () => {
  it('times both sides and prints their figures and the ratio', () => {
    const r = ab(root, root, '--shape', '1,2,1,1,300,16', '--rounds', '2', '--runs', '3');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('(1,2/1,1,300,16), 1 thread(s), 2 rounds of 3 calls, alternating');
    const sides = r.stdout.split('\n').filter((l) => / GB\/s$/.test(l));
    expect(sides).toHaveLength(2);
    const ratio = Number(/time A \/ time B: ([\d.]+)/.exec(r.stdout)?.[1]);
    expect(ratio).toBeGreaterThan(0);
  });

  it('takes the bshd layout', () => {
    const r = ab(root, root, '--shape', '1,4,2,1,100,8', '--bshd', '--rounds', '1', '--runs', '2');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('(1,4/2,1,100,8) bshd, 1 thread(s)');
  });

  it('reports GFLOP/s for a prefill shape', () => {
    const r = ab(root, root, '--shape', '1,1,1,33,33,8,4', '--causal', '--rounds', '1', '--runs', '2');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter((l) => / GFLOP\/s$/.test(l))).toHaveLength(2);
  });

  it.each([
    [['--shape', '1,2,3'], '--shape takes B,Hq,Hkv,Lq,Lk,D[,Dv]'],
    [['--rounds', '0'], '--rounds takes a positive integer'],
    [['--fast'], 'unknown option --fast'],
  ])('refuses %j with a message and exit code 2', (extra, message) => {
    const r = ab(root, root, ...extra);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('needs exactly two directories', () => {
    const r = ab(root);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('give two built attnkit directories');
  });
});
