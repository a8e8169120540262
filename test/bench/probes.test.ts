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
  probeReadBandwidth(threads: number, repeats?: unknown): number;
  probeReadSpans(threads: number, spans: unknown): { gbs: number; sum: number };
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

  it('probeReadBandwidth takes a number of passes in [1, 64], 4 when omitted', () => {
    for (const repeats of [1, undefined]) expect(addon.probeReadBandwidth(1, repeats)).toBeGreaterThan(0);
    for (const bad of [0, 65, 1.5, Number.NaN])
      expect(() => addon.probeReadBandwidth(1, bad)).toThrow(
        new RangeError('probeReadBandwidth: repeats must be an integer in [1, 64]'),
      );
    expect(() => addon.probeReadBandwidth(1, '1')).toThrow(TypeError);
  });

  it('probeReadSpans reads exactly the given bytes of each typed array, on 1 and 2 threads', () => {
    // Distinct powers of two per element, so the sum tells which elements were read (exact in float32).
    const a = Float32Array.from({ length: 100 }, (_, i) => 2 ** (i % 20));
    const b = new Uint16Array(64).fill(0x3c00); // float16 1.0 pairs: read as floats, a fixed bit pattern
    const expected = (from: number, to: number) => {
      let s = 0;
      for (let i = from; i < to; i++) s += a[i];
      return s;
    };
    for (const t of [1, 2]) {
      const r = addon.probeReadSpans(t, [
        [a, 4 * 3, 4 * 37], // elements 3..39: 37 floats, a vector loop and a tail
        [a.subarray(50), 0, 4 * 50], // a view with a byteOffset: elements 50..99
        [a, 0, 0],
      ]);
      expect(r.sum).toBe(expected(3, 40) + expected(50, 100));
      expect(r.gbs).toBeGreaterThan(0);
      const word = new Float32Array(b.buffer, 0, 1)[0];
      expect(addon.probeReadSpans(t, [[b, 8, 16]]).sum).toBe(4 * word);
    }
  });

  it('probeReadSpans refuses spans outside their array, misaligned or malformed', () => {
    const a = new Float32Array(10);
    for (const [span, message] of [
      [[a, 2, 4], "spans[0]'s byteOffset must be a non-negative integer multiple of 4"],
      [[a, 0, 6], "spans[0]'s byteLength must be a non-negative integer multiple of 4"],
      [[a, 4, 40], "spans[0] must lie within its typed array's 40 bytes, which start 4-byte aligned"],
      [
        [new Uint16Array(8).subarray(1), 0, 4],
        "spans[0] must lie within its typed array's 14 bytes, which start 4-byte aligned",
      ],
    ] as const)
      expect(() => addon.probeReadSpans(1, [span])).toThrow(new RangeError(`probeReadSpans: ${message}`));
    for (const bad of [[[a, 0]], [[{}, 0, 4]], [a]])
      expect(() => addon.probeReadSpans(1, bad)).toThrow(
        new TypeError('probeReadSpans: spans[0] must be [typedArray, byteOffset, byteLength]'),
      );
    expect(() => addon.probeReadSpans(1, 'x')).toThrow(TypeError);
    expect(() => addon.probeReadSpans(0, [])).toThrow(RangeError);
  });

  it('refuses a thread count outside [1, 256] with a RangeError', () => {
    for (const bad of [0, -1, 1.5, 257, Number.NaN]) {
      expect(() => addon.probeFmaPeak(bad)).toThrow(RangeError);
      expect(() => addon.probeReadBandwidth(bad)).toThrow(/threads must be an integer in \[1, 256\]/);
    }
  });
});
