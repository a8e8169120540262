// The positional examples in examples/ run against the built package (npm test builds dist first)
// and print what the docs say they print.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const run = (name: string) => {
  const r = spawnSync(process.execPath, [path.join('examples', name)], {
    cwd: root,
    encoding: 'utf8',
    env: process.env,
    timeout: 120_000,
  });
  expect(r.stderr.replace(/^.*falling back.*$/gm, '').trim(), name).toBe('');
  expect(r.status, `${name}: ${r.stderr}`).toBe(0);
  return r.stdout;
};

describe('positional examples', () => {
  it('sinusoidal: position 6, dim 0 equals sin(6)', () => {
    const m = /= sin\(6\) = (\S+) (\S+)/.exec(run('positional-sinusoidal.mjs'));
    expect(m).not.toBeNull();
    expect(m![1]).toBe(Math.sin(6).toFixed(6));
  });
  it('learned: past the table prints the RangeError', () =>
    expect(run('positional-learned.mjs')).toContain('AttnkitRangeError ERR_ATTNKIT_VALUE'));
  it('rope: q·k depends only on the position difference', () => {
    const m = /\(3, 1\) vs \(12, 10\): (\S+) (\S+)/.exec(run('positional-rope.mjs'));
    expect(m).not.toBeNull();
    expect(Math.abs(Number(m![1]) - Number(m![2]))).toBeLessThan(1e-4);
  });
  /** The "in-kernel vs materialised mask" line the ALiBi and T5 examples print. */
  const kernelVsMask = (out: string) => {
    const m = /in-kernel vs materialised mask: max \|diff\| = (\S+)/.exec(out);
    expect(m).not.toBeNull();
    return Number(m![1]);
  };
  it('alibi: head 0 row 5 is -0.5·(5 - j); in-kernel slopes equal the mask', () => {
    const out = run('positional-alibi.mjs');
    expect(out).toContain('head 0 bias row 5: -2.5 -2 -1.5 -1 -0.5 0');
    expect(kernelVsMask(out)).toBeLessThan(1e-5);
    expect(out).toContain('MultiHeadAttention with ALiBi: output [2,6,48]');
  });
  it('relative: T5 buckets of -3..3; t5RelativeBias in the kernel equals the mask', () => {
    const out = run('positional-relative.mjs');
    expect(out).toContain('(bidirectional): 3 2 1 0 17 18 19');
    expect(out).toContain('relativeBias [4,13] instead of a [1, 4, 7, 7] mask');
    expect(kernelVsMask(out)).toBeLessThan(1e-5);
  });
});
