// Text output of the explain command: the study table (one block per d_k) and the worked example.
import { scaleLabel } from './scales';
import { SATURATION_THRESHOLD } from './scale-study';
import type { ScaleStudyRow, WorkedExample } from './types';

/** 4 significant digits, without exponents for the magnitudes the study produces. */
export function formatNumber(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e4) return x.toFixed(0);
  if (a < 1e-3) return x.toExponential(3);
  return x.toPrecision(4);
}

const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;

const COLUMNS: [string, number][] = [
  ['scale', 10],
  ['factor', 9],
  ['var(s)', 9],
  ['expected', 9],
  ['σ', 8],
  ['±1σ', 9],
  ['±2σ', 9],
  ['±3σ', 9],
  ['max p', 8],
  ['entropy', 8],
  [`p>${SATURATION_THRESHOLD}`, 7],
  ['‖J‖F', 10],
];

function line(cells: string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(COLUMNS[i][1]) : c.padStart(COLUMNS[i][1]))).join(' ');
}

function rowCells(r: ScaleStudyRow): string[] {
  return [
    scaleLabel(r.scaleName),
    formatNumber(r.scale),
    formatNumber(r.variance),
    formatNumber(r.expectedVariance),
    formatNumber(r.std),
    ...r.ranges.map((g) => `±${formatNumber((g.high - g.low) / 2)}`),
    r.meanMaxProb.toFixed(4),
    r.meanEntropy.toFixed(4),
    pct(r.saturatedShare),
    formatNumber(r.meanJacobianNorm),
  ];
}

/** The study as text: a legend, then one block per d_k with one line per scale. */
export function formatStudyTable(rows: readonly ScaleStudyRow[], backend?: string): string {
  const out: string[] = [
    'Scores s = q·k with q, k ~ N(0, I_dₖ); each scale multiplies s before the softmax.',
    'var(s), σ, ±kσ: spread of the scaled scores (theory: var = scale²·dₖ); the ±kσ ranges are around the observed mean.',
    `max p, entropy, p>${SATURATION_THRESHOLD}, ‖J‖F: means over rows of p = softmax(scale·s), computed by attnkit's kernel` +
      (backend ? ` (${backend} backend)` : '') +
      '; ‖J‖F = Frobenius norm of diag(p) − p·pᵀ.',
  ];
  const dims = [...new Set(rows.map((r) => r.dK))];
  for (const dK of dims) {
    const block = rows.filter((r) => r.dK === dK);
    const { samples, keys, uniformEntropy } = block[0];
    out.push(
      '',
      `d_k = ${dK}  (${samples} rows × ${keys} keys; uniform entropy ln ${keys} = ${uniformEntropy.toFixed(4)})`,
    );
    out.push(line(COLUMNS.map(([name]) => name)));
    for (const r of block) out.push(line(rowCells(r)));
    // Scaling does not change which scores fall inside ±kσ, so one line per block says it.
    const inside = block[0].ranges.map((g) => pct(g.inside)).join(' / ');
    out.push(`scores inside ±1σ / ±2σ / ±3σ: ${inside} for every scale (a normal gives 68.3% / 95.4% / 99.7%)`);
  }
  out.push(
    '',
    'What the scale does to learning, run for real (a model trained with 1/√dₖ, 1 and 1/(2√dₖ) from the same seeds):',
    'examples/train/reverse.mjs --compare-scales in the attnkit repository; see docs/training.md.',
  );
  return `${out.join('\n')}\n`;
}

const vec = (xs: readonly number[], digits = 4): string => `[${xs.map((x) => x.toFixed(digits)).join(', ')}]`;
const paren = (x: number): string => (x < 0 ? `(${x})` : String(x));

/** The worked example as text. */
export function formatWorkedExample(ex: WorkedExample): string {
  const terms = ex.q.map((qi, i) => `${paren(qi)}·${paren(ex.k[i])}`).join(' + ');
  const products = ex.q
    .map((qi, i) => (qi * ex.k[i]).toFixed(2))
    .join(' + ')
    .replace(/\+ -/g, '- ');
  const rows = ex.rows.map(
    (r) =>
      `  ${r.label.padEnd(16)} ${vec(r.scores).padEnd(26)} ${vec(r.probs).padEnd(26)} ${r.maxProb.toFixed(4).padStart(6)}  ${r.entropy.toFixed(4)}`,
  );
  const lines = [
    `Worked example (d_k = ${ex.dK})`,
    `  q = ${JSON.stringify(ex.q).replace(/,/g, ', ')}`,
    `  k = ${JSON.stringify(ex.k).replace(/,/g, ', ')}`,
    `  q·k = ${terms}`,
    `      = ${products} = ${ex.dot.toFixed(4)}`,
    `  q·k / √${ex.dK} = ${ex.scaledDot.toFixed(4)}`,
    '',
    `  Softmax of a row of three scores, computed by attnkit's kernel (uniform entropy ln 3 = ${ex.uniformEntropy.toFixed(4)}):`,
    `  ${'row'.padEnd(16)} ${'scores'.padEnd(26)} ${'softmax'.padEnd(26)} ${'max p'.padStart(6)}  entropy`,
    ...rows,
    '',
    ex.rows[1].maxProb < ex.rows[0].maxProb && ex.rows[1].entropy > ex.rows[0].entropy
      ? '  The scaled row is less peaked: lower max probability, higher entropy.'
      : '  (The scaled row is not less peaked here.)',
  ];
  return `${lines.join('\n')}\n`;
}
