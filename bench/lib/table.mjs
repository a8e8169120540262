// One table for every row: plain text to the terminal (and Markdown-compatible, for bench/README.md).

const COLUMNS = [
  ['scenario', (r) => r.scenario],
  ['shape (B,H,Lq,Lk,D)', (r) => r.shape],
  ['backend', (r) => r.backend],
  ['simd', (r) => r.simd ?? ''],
  ['thr', (r) => String(r.threads ?? '')],
  ['median ms', (r) => fmt(r.ms, 2)],
  ['GFLOP/s', (r) => fmt(r.gflops, 1)],
  ['% peak', (r) => fmt(r.pctPeak, 0)],
  ['GB/s', (r) => fmt(r.gbps, 1)],
  ['% bw', (r) => fmt(r.pctBw, 0)],
  ['note', (r) => r.note ?? ''],
];

function fmt(x, digits) {
  if (x === undefined || x === null || !Number.isFinite(x)) return '';
  if (Math.abs(x) >= 1000) return x.toFixed(0);
  return x.toFixed(digits);
}

/** A Markdown table of rows; extra = [[title, fn]] columns appended (the peers' ratios). */
export function formatTable(rows, extra = []) {
  const cols = [...COLUMNS.slice(0, -1), ...extra, COLUMNS[COLUMNS.length - 1]];
  const cells = rows.map((r) => cols.map(([, f]) => f(r)));
  const width = cols.map(([t], c) => Math.max(t.length, ...cells.map((row) => row[c].length)));
  const line = (vals) => `| ${vals.map((v, c) => v.padEnd(width[c])).join(' | ')} |`;
  return [line(cols.map(([t]) => t)), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}
