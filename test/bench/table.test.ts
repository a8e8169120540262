// bench/lib/table.mjs and the peer rows' attnkit side (bench/lib/measure.mjs): each side's % of the
// FMA peak, or of the read bandwidth for decode, and the ratio.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { addAttnkitSide, applyMachine, deriveFlops } from '../../bench/lib/measure.mjs';
// @ts-expect-error plain ESM script without types
import { PEER_COLUMNS, formatTable } from '../../bench/lib/table.mjs';

const machine = { peak: { 1: 200, 2: 400 }, bw: { 1: 30, 2: 50 } };

describe('bench table', () => {
  it("gives a peer row attnkit's GFLOP/s and % of peak from the same work", () => {
    // 2 GFLOP in 20 ms (peer) and 12.5 ms (attnkit): 100 and 160 GFLOP/s of 200.
    const row = addAttnkitSide(
      deriveFlops({ scenario: 'prefill', backend: 'ort-mha', threads: 1, ms: 20 }, 2e9, machine),
      12.5,
      machine,
    );
    expect(row.gflops).toBeCloseTo(100, 10);
    expect(row.pctPeak).toBeCloseTo(50, 10);
    expect(row.attnkitGflops).toBeCloseTo(160, 10);
    expect(row.attnkitPctPeak).toBeCloseTo(80, 10);
    expect(row.ratio).toBeCloseTo(1.6, 10);
    expect(row.attnkitPctBw).toBeUndefined();
  });

  it("gives decode rows attnkit's % of bandwidth, and follows new probes", () => {
    const row = addAttnkitSide(
      { scenario: 'decode', backend: 'ort-attn', threads: 2, ms: 4, gflops: 10, gbps: 20 },
      2,
      machine,
    );
    expect(row.attnkitGbps).toBeCloseTo(40, 10);
    expect(row.attnkitPctBw).toBeCloseTo(80, 10);
    expect(row.pctBw).toBeCloseTo(40, 10);
    applyMachine([row], { peak: { 2: 100 }, bw: { 2: 80 } });
    expect(row.pctBw).toBeCloseTo(25, 10);
    expect(row.attnkitPctBw).toBeCloseTo(50, 10);
    expect(row.attnkitPctPeak).toBeCloseTo(20, 10);
  });

  it("prints each side's % beside the ratio, and leaves them blank on attnkit's own rows", () => {
    const own = deriveFlops(
      { scenario: 'prefill', shape: '(1,8,512,512,64)', backend: 'attnkit native', simd: 'avx512', threads: 1, ms: 10 },
      1.6e9,
      machine,
    );
    const peer = addAttnkitSide(
      deriveFlops(
        { scenario: 'prefill', shape: '(1,8,512,512,64)', backend: 'ort-mha', simd: '', threads: 1, ms: 16, note: '' },
        1.6e9,
        machine,
      ),
      10.5,
      machine,
    );
    const lines = formatTable([own, peer], PEER_COLUMNS).split('\n');
    const cells = (l: string) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
    const head = cells(lines[0]);
    expect(head.slice(-4)).toEqual(['attnkit % peak', 'attnkit % bw', 'attnkit ×', 'note']);
    const at = (line: string, col: string) => cells(line)[head.indexOf(col)];
    expect(at(lines[2], '% peak')).toBe('80');
    expect(at(lines[2], 'attnkit % peak')).toBe('');
    expect(at(lines[3], '% peak')).toBe('50');
    expect(at(lines[3], 'attnkit % peak')).toBe('76');
    expect(at(lines[3], 'attnkit ×')).toBe('1.52');
    expect(at(lines[3], 'GFLOP/s')).toBe('100.0');
  });
});
