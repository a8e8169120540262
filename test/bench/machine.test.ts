// bench/lib/machine.mjs: the CPU family from /proc/cpuinfo, the header's peak figures per width, and
// the merge of two probe sets.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { cpuLabel, describePeak, mergeMachine, parseCpuFamily } from '../../bench/lib/machine.mjs';

const cpuinfo = (vendor: string, family: number) =>
  `processor\t: 0\nvendor_id\t: ${vendor}\ncpu family\t: ${family}\nmodel\t\t: 2\nmodel name\t: AMD EPYC\n\nprocessor\t: 1\nvendor_id\t: ${vendor}\ncpu family\t: 99\n`;

describe('bench machine', () => {
  it("reads the first processor's vendor and family from /proc/cpuinfo text", () => {
    expect(parseCpuFamily(cpuinfo('AuthenticAMD', 26))).toEqual({ vendor: 'AuthenticAMD', family: 26 });
    expect(parseCpuFamily(cpuinfo('GenuineIntel', 6))).toEqual({ vendor: 'GenuineIntel', family: 6 });
    // arm64 and other systems have no "cpu family" line
    expect(parseCpuFamily('processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n')).toBeNull();
    expect(parseCpuFamily('')).toBeNull();
  });

  it('labels the CPU with its family when there is one', () => {
    expect(cpuLabel('AMD EPYC', 26)).toBe('AMD EPYC (family 26)');
    expect(cpuLabel('Apple M2', null)).toBe('Apple M2');
  });

  it('prints the widest width first, then the narrower one', () => {
    const m = { peak: { 1: 210.04 }, peak512: { 1: 210.04 }, peak256: { 1: 105.26 }, bw: { 1: 30 } };
    expect(describePeak(m, 1)).toBe('FMA peak 210.0 GFLOP/s (512-bit; 256-bit 105.3)');
    expect(describePeak({ peak: { 1: 100 }, peak512: {}, peak256: { 1: 100 } }, 1)).toBe(
      'FMA peak 100.0 GFLOP/s (256-bit)',
    );
    expect(describePeak({ peak: { 1: 40 }, peak512: {}, peak256: {} }, 1)).toBe('FMA peak 40.0 GFLOP/s');
  });

  it('keeps the better figure per thread count and width', () => {
    const a = {
      peak: { 1: 200, 2: 380 },
      peak512: { 1: 200, 2: 380 },
      peak256: { 1: 104, 2: 190 },
      bw: { 1: 30, 2: 50 },
    };
    const b = {
      peak: { 1: 209, 2: 350 },
      peak512: { 1: 209, 2: 350 },
      peak256: { 1: 100, 2: 201 },
      bw: { 1: 31, 2: 45 },
    };
    expect(mergeMachine(a, b)).toEqual({
      peak: { 1: 209, 2: 380 },
      peak512: { 1: 209, 2: 380 },
      peak256: { 1: 104, 2: 201 },
      bw: { 1: 31, 2: 50 },
    });
  });
});
