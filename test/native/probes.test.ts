// The bench's hardware probes answer with a positive finite figure and refuse a bad thread count.
// No time is asserted: the figures depend on the machine and its load.
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../src/backends/native/load-addon';

const load = loadAddon();
if (!load.ok) throw new Error(`the addon must be built for these tests: ${load.reason}`);
const addon = load.addon as unknown as {
  probeFmaPeak(threads: number): number;
  probeReadBandwidth(threads: number): number;
};

describe('hardware probes', () => {
  it('probeFmaPeak gives positive finite GFLOP/s', () => {
    const g = addon.probeFmaPeak(1);
    expect(Number.isFinite(g)).toBe(true);
    expect(g).toBeGreaterThan(0);
  });

  it('probeReadBandwidth gives positive finite GB/s on 1 and 2 threads', () => {
    for (const t of [1, 2]) {
      const bw = addon.probeReadBandwidth(t);
      expect(Number.isFinite(bw)).toBe(true);
      expect(bw).toBeGreaterThan(0);
    }
  });

  it('refuses a thread count outside [1, 256] with a RangeError', () => {
    for (const bad of [0, -1, 1.5, 257, Number.NaN]) {
      expect(() => addon.probeFmaPeak(bad)).toThrow(RangeError);
      expect(() => addon.probeReadBandwidth(bad)).toThrow(/threads must be an integer in \[1, 256\]/);
    }
  });
});
