// setNumThreads/getNumThreads: validation before any native call, and the live count in backendInfo().
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { AttnkitRangeError, AttnkitTypeError, backendInfo, getNumThreads, setNumThreads } from '../../src/index';

const initial = getNumThreads();
afterAll(() => setNumThreads(initial));

describe('setNumThreads / getNumThreads', () => {
  it('defaults to the cores Node reports', () => {
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    expect(initial).toBe(Math.min(cores, 1024));
  });

  it('sets the count that getNumThreads and backendInfo().threads report', () => {
    for (const n of [1, 3, 2]) {
      setNumThreads(n);
      expect(getNumThreads()).toBe(n);
      expect(backendInfo().threads).toBe(n);
    }
  });

  it('refuses a non-number with a TypeError naming the argument', () => {
    expect(() => setNumThreads('2' as unknown as number)).toThrow(AttnkitTypeError);
    expect(() => setNumThreads('2' as unknown as number)).toThrow(
      "setNumThreads: n must be a positive integer, got string '2'",
    );
    expect(() => (setNumThreads as unknown as () => void)()).toThrow(/got undefined/);
  });

  it('refuses 0, negatives, fractions, NaN and huge counts with a RangeError', () => {
    for (const n of [0, -1, 1.5, NaN, Infinity, 5000]) {
      expect(() => setNumThreads(n), String(n)).toThrow(AttnkitRangeError);
      expect(() => setNumThreads(n), String(n)).toThrow(
        `setNumThreads: n must be a positive integer <= 1024, got ${n}`,
      );
    }
    expect(getNumThreads()).toBe(2); // unchanged by the refused calls
  });
});

// A resize between calls once left a new pool worker counting itself out twice, and the next call
// waited forever. A hang cannot be timed out inside this process, so the loop runs in a child process
// with a time limit; its result must also match a single-threaded run bit for bit.
describe('resizing the pool between calls', () => {
  it('completes 3000 resize-then-call rounds with identical results', () => {
    const script = `
      const { scaledDotProductAttention: sdpa, setNumThreads, tensor } = require('./');
      const shape = [1, 4, 48, 16];
      const fill = (seed) => { const a = new Float32Array(4 * 48 * 16); for (let i = 0; i < a.length; i++) a[i] = Math.sin(seed + i * 0.37); return tensor(a, shape); };
      const q = fill(1), k = fill(2), v = fill(3);
      setNumThreads(1);
      const first = sdpa(q, k, v).data;
      let same = true;
      for (let round = 0; round < 3000; round++) {
        setNumThreads(1 + (round % 3));
        const out = sdpa(q, k, v, { causal: round % 2 === 0 }).data;
        if (round % 2 === 1) same &&= out.every((x, i) => Object.is(x, first[i]));
      }
      console.log(JSON.stringify({ same }));`;
    const r = spawnSync(process.execPath, ['-e', script], {
      cwd: path.join(__dirname, '..', '..'),
      encoding: 'utf8',
      env: process.env,
      timeout: 45_000,
    });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ same: true });
  });
});
