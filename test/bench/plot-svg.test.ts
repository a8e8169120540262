// bench/plot-svg.mjs: which rows it plots, where the points land, and the peak lines.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { collect, parseArgs, renderSvg } from '../../bench/plot-svg.mjs';

const doc = (rows: object[], peak: Record<string, number>) => ({
  date: '2026-01-02T00:00:00Z',
  machine: { peak, cpu: 'Test CPU', node: 'v20' },
  rows,
});
const row = (backend: string, threads: number, S: number, gflops: number, scenario = 'prefill', causal = false) => ({
  scenario,
  backend,
  threads,
  gflops,
  shape: `(1,8,${S},${S},64)${causal ? ' causal' : ''}`,
});

describe('plot-svg', () => {
  it('keeps non-causal prefill rows, names attnkit series, and lets a later file win', () => {
    const a = doc(
      [
        row('native', 1, 512, 10),
        row('native', 1, 1024, 20),
        row('native', 1, 1024, 99, 'causal', true),
        row('ort-mha', 2, 512, 5),
      ],
      { '1': 100 },
    );
    const b = doc(
      [
        row('attnkit native', 1, 512, 12),
        row('js', 1, 512, 1.5, 'js'),
        { scenario: 'decode', backend: 'native', threads: 1, gflops: 3, shape: '(1,32,1,2048,128)' },
      ],
      { '1': 90, '2': 180 },
    );
    const { series, peaks } = collect([a, b]);
    expect([...series.keys()].sort()).toEqual(['attnkit (JS fallback), 1 thr', 'attnkit, 1 thr', 'ort-mha, 2 thr']);
    expect(series.get('attnkit, 1 thr')).toEqual([
      { name: 'attnkit, 1 thr', S: 512, gflops: 12 },
      { name: 'attnkit, 1 thr', S: 1024, gflops: 20 },
    ]);
    expect(peaks.get(1)).toBe(100); // the better of the two measurements
    expect(peaks.get(2)).toBe(180);
  });

  it('plots only the (1, 8, S, S, 64) prefill series, not BERT-base or D = 128 shapes', () => {
    const other = (shape: string) => ({ scenario: 'prefill', backend: 'native', threads: 1, gflops: 50, shape });
    const { series } = collect([
      doc(
        [
          row('native', 1, 512, 10),
          other('(32,12,128,128,64)'),
          other('(8,12,512,512,64)'),
          other('(1,8,1024,1024,128)'),
        ],
        { '1': 100 },
      ),
    ]);
    expect(series.get('attnkit, 1 thr')).toEqual([{ name: 'attnkit, 1 thr', S: 512, gflops: 10 }]);
  });

  it('draws one polyline per multi-point series, a dot per point, and a dashed line per peak, on log axes', () => {
    const svg: string = renderSvg(
      collect([
        doc([row('native', 1, 512, 10), row('native', 1, 2048, 100), row('tfjs-cpu', 1, 512, 1)], { '1': 100 }),
      ]),
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(1);
    expect(svg.match(/<circle/g)).toHaveLength(3);
    const cy = (title: string) => Number(new RegExp(`cy="([\\d.]+)"[^>]*><title>${title}`).exec(svg)![1]);
    const cx = (title: string) => Number(new RegExp(`cx="([\\d.]+)"[^>]*><title>${title}`).exec(svg)![1]);
    // log10 y: 1 → 10 → 100 GFLOP/s are equally spaced; the peak line sits where the 100 point is.
    const y1 = cy('tfjs-cpu, 1 thr: S = 512');
    const y10 = cy('attnkit, 1 thr: S = 512');
    const y100 = cy('attnkit, 1 thr: S = 2048');
    expect(y1 - y10).toBeCloseTo(y10 - y100, 0);
    expect(svg).toContain(`y1="${y100.toFixed(1)}" y2="${y100.toFixed(1)}" stroke="#000" stroke-dasharray`);
    expect(cx('attnkit, 1 thr: S = 2048')).toBeGreaterThan(cx('attnkit, 1 thr: S = 512'));
    expect(svg).toContain('measured FMA peak, 1 thr (100)');
  });

  it('rejects bad arguments and empty input', () => {
    expect(() => parseArgs([])).toThrow(/at least one results JSON/);
    expect(() => parseArgs(['--bogus', 'x.json'])).toThrow(/unknown option --bogus/);
    expect(parseArgs(['--out', 'o.svg', 'a.json', 'b.json'])).toEqual({ out: 'o.svg', files: ['a.json', 'b.json'] });
    expect(() => renderSvg(collect([doc([], { '1': 1 })]))).toThrow(/no non-causal prefill rows/);
  });
});
