// The bench's hardware probes (bench/probes, a bench-only addon) answer with a positive finite figure and
// refuse a bad thread count or width.
// No time is asserted: the figures depend on the machine and its load.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { loadProbes, probesError } from '../../bench/lib/probes.mjs';

const probes = loadProbes();
if (!probes) throw new Error(`the bench's probes addon must build for these tests: ${probesError}`);
const addon = probes as {
  probeFmaPeak(threads: number, bits?: unknown): number;
  probeReadBandwidth(threads: number): number;
};

// The widest FMA the CPU runs, as the addon's probe decides (AVX-512 F/VL/DQ/BW, else AVX2+FMA).
function widestFma(): number {
  if (process.arch !== 'x64' || process.platform !== 'linux') return 0;
  const flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1].split(/\s+/) ?? [];
  if (!flags.includes('avx2') || !flags.includes('fma')) return 0;
  return ['avx512f', 'avx512vl', 'avx512dq', 'avx512bw'].every((f) => flags.includes(f)) ? 512 : 256;
}

describe('hardware probes', () => {
  it('probeFmaPeak gives positive finite GFLOP/s', () => {
    const g = addon.probeFmaPeak(1);
    expect(Number.isFinite(g)).toBe(true);
    expect(g).toBeGreaterThan(0);
  });

  it('probeFmaPeak runs each width the CPU has, and the widest by default or with undefined', () => {
    const widest = widestFma();
    for (const bits of [256, 512].filter((b) => b <= widest)) {
      const g = addon.probeFmaPeak(1, bits);
      expect(Number.isFinite(g)).toBe(true);
      expect(g).toBeGreaterThan(0);
    }
    expect(addon.probeFmaPeak(1, undefined)).toBeGreaterThan(0);
  });

  it('refuses a width other than 256 or 512 with a RangeError, a non-number with a TypeError', () => {
    for (const bad of [0, 128, 255.5, 1024, Number.NaN])
      expect(() => addon.probeFmaPeak(1, bad)).toThrow(new RangeError('probeFmaPeak: bits must be 256 or 512'));
    for (const bad of ['256', null, {}])
      expect(() => addon.probeFmaPeak(1, bad)).toThrow(
        new TypeError('probeFmaPeak: bits must be a number (256 or 512) or undefined'),
      );
  });

  it('refuses a width wider than the CPU runs with a RangeError naming the widest', () => {
    const widest = widestFma();
    if (widest === 512) return; // nothing wider to ask for here
    expect(() => addon.probeFmaPeak(1, 512)).toThrow(RangeError);
    expect(() => addon.probeFmaPeak(1, 512)).toThrow(
      `probeFmaPeak: bits 512 is wider than this build and CPU run (widest: ${widest || 'the portable loop'})`,
    );
  });

  it('checks the thread count before the width', () => {
    expect(() => addon.probeFmaPeak(0, 'x')).toThrow(
      new RangeError('probeFmaPeak: threads must be an integer in [1, 256]'),
    );
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
