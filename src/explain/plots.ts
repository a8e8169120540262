// The four figures of the study, as SVG text. Data comes from scaleStudy rows and sampleSoftmaxRow.
import { scaleLabel, SCALES } from './scales';
import type { SoftmaxRowSample } from './softmax-row';
import { decadeBounds } from './svg/axis';
import { barPanels } from './svg/bar-panels';
import { lineChart, type MarkerShape, type Series } from './svg/line-chart';
import type { ScaleName, ScaleStudyRow } from './types';

/** Okabe-Ito colours and distinct markers, readable by colour-blind readers and in grey. */
const STYLE: Record<ScaleName, { color: string; marker: MarkerShape }> = {
  none: { color: '#D55E00', marker: 'circle' },
  '1/sqrt(d_k)': { color: '#0072B2', marker: 'square' },
  '1/(2 sqrt(d_k))': { color: '#009E73', marker: 'triangle' },
  '1/(3 sqrt(d_k))': { color: '#CC79A7', marker: 'diamond' },
};

export interface Figure {
  /** File name, e.g. 'score-variance.svg'. */
  file: string;
  svg: string;
}

const DK_LABEL = 'key dimension dₖ (log scale)';

function seriesOf(rows: readonly ScaleStudyRow[], value: (r: ScaleStudyRow) => number): Series[] {
  return SCALES.map((spec) => ({
    name: `scale ${spec.label}`,
    ...STYLE[spec.name],
    points: rows.filter((r) => r.scaleName === spec.name).map((r): [number, number] => [r.dK, value(r)]),
  }));
}

function xAxis(rows: readonly ScaleStudyRow[]) {
  const dims = [...new Set(rows.map((r) => r.dK))].sort((a, b) => a - b);
  const lo = dims[0];
  const hi = dims[dims.length - 1];
  // Pad the log range by a quarter decade each side so end markers are not cut by the frame.
  const pad = lo === hi ? 2 : 10 ** (0.08 * Math.log10(hi / lo));
  return { kind: 'log' as const, min: lo / pad, max: hi * pad, label: DK_LABEL, ticks: dims };
}

function sampleNote(rows: readonly ScaleStudyRow[], seed: number): string {
  return `${rows[0].samples} rows × ${rows[0].keys} keys per dₖ, q, k ~ N(0, I), seed ${seed}; softmax by attnkit's kernel`;
}

export function varianceFigure(rows: readonly ScaleStudyRow[], seed: number): Figure {
  const values = rows.map((r) => r.variance);
  const [lo, hi] = decadeBounds(Math.min(...values), Math.max(...values));
  const dims = [...new Set(rows.map((r) => r.dK))].sort((a, b) => a - b);
  // Theory lines scale²·dₖ for each scale (dₖ, 1, 1/4, 1/9), one legend entry for all four.
  const theory = SCALES.map(
    (spec, i): Series => ({
      name: i === 0 ? 'theory: scale²·dₖ' : '',
      color: '#333333',
      dash: '5 4',
      marker: 'none',
      points: dims.map((d): [number, number] => [d, spec.factor(d) ** 2 * d]),
    }),
  );
  return {
    file: 'score-variance.svg',
    svg: lineChart({
      title: 'Score variance vs dₖ: only 1/√dₖ keeps it at 1',
      subtitle: sampleNote(rows, seed),
      x: xAxis(rows),
      y: { kind: 'log', min: lo, max: hi, label: 'variance of scale · q·k (log scale)' },
      series: [...theory, ...seriesOf(rows, (r) => r.variance)],
    }),
  };
}

export function maxProbFigure(rows: readonly ScaleStudyRow[], seed: number): Figure {
  const keys = rows[0].keys;
  const uniform: Series = {
    name: `uniform: 1/${keys}`,
    color: '#333333',
    dash: '5 4',
    marker: 'none',
    points: xTicksLine(rows, 1 / keys),
  };
  return {
    file: 'max-probability.svg',
    svg: lineChart({
      title: 'Mean max softmax probability vs dₖ',
      subtitle: sampleNote(rows, seed),
      x: xAxis(rows),
      y: { kind: 'linear', min: 0, max: 1, label: 'mean max probability' },
      series: [...seriesOf(rows, (r) => r.meanMaxProb), uniform],
    }),
  };
}

export function jacobianFigure(rows: readonly ScaleStudyRow[], seed: number): Figure {
  const top = Math.max(...rows.map((r) => r.meanJacobianNorm));
  return {
    file: 'jacobian-norm.svg',
    svg: lineChart({
      title: 'Softmax gradient size vs dₖ: mean ‖diag(p) − p·pᵀ‖F',
      subtitle: sampleNote(rows, seed),
      x: xAxis(rows),
      y: { kind: 'linear', min: 0, max: Math.ceil(top * 1.1 * 10) / 10, label: 'mean Frobenius norm of the Jacobian' },
      series: seriesOf(rows, (r) => r.meanJacobianNorm),
    }),
  };
}

function xTicksLine(rows: readonly ScaleStudyRow[], value: number): [number, number][] {
  const ax = xAxis(rows);
  return [
    [ax.min, value],
    [ax.max, value],
  ];
}

export function softmaxRowsFigure(samples: readonly SoftmaxRowSample[], dK: number, seed: number): Figure {
  const keys = samples[0].probs.length;
  const stats = (p: number[]) => {
    let h = 0;
    for (const x of p) if (x > 0) h -= x * Math.log(x);
    return `max p = ${Math.max(...p).toFixed(3)}, entropy = ${h.toFixed(2)}`;
  };
  return {
    file: `softmax-row-dk${dK}.svg`,
    svg: barPanels({
      title: `One query's softmax over ${keys} keys at dₖ = ${dK}, for each scale`,
      subtitle: `the same q and keys in every panel (seed ${seed}); probabilities from attnkit's kernel; ln ${keys} = ${Math.log(keys).toFixed(2)}`,
      xLabel: 'key index j',
      yLabel: 'probability pⱼ',
      yMax: 1,
      reference: { value: 1 / keys, label: `uniform 1/${keys}` },
      panels: samples.map((s) => ({
        title: `scale ${scaleLabel(s.scaleName)}: ${stats(s.probs)}`,
        color: STYLE[s.scaleName].color,
        values: s.probs,
      })),
    }),
  };
}

/** All four figures. */
export function studyFigures(
  rows: readonly ScaleStudyRow[],
  histogram: readonly SoftmaxRowSample[],
  histogramDim: number,
  seed: number,
): Figure[] {
  return [
    varianceFigure(rows, seed),
    maxProbFigure(rows, seed),
    jacobianFigure(rows, seed),
    softmaxRowsFigure(histogram, histogramDim, seed),
  ];
}
