// setNumThreads/getNumThreads: validation before any native call, and the live count in backendInfo().
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
    expect(() => setNumThreads('2' as unknown as number)).toThrow("setNumThreads: n must be a positive integer, got string '2'");
    expect(() => (setNumThreads as unknown as () => void)()).toThrow(/got undefined/);
  });

  it('refuses 0, negatives, fractions, NaN and huge counts with a RangeError', () => {
    for (const n of [0, -1, 1.5, NaN, Infinity, 5000]) {
      expect(() => setNumThreads(n), String(n)).toThrow(AttnkitRangeError);
      expect(() => setNumThreads(n), String(n)).toThrow(`setNumThreads: n must be a positive integer <= 1024, got ${n}`);
    }
    expect(getNumThreads()).toBe(2); // unchanged by the refused calls
  });
});
