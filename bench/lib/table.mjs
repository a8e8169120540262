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

/**
 * The peers' columns: attnkit's side of the same alternating rounds (its % of the FMA peak, or of the
 * read bandwidth for decode, beside the peer's own in '% peak' and '% bw'), then the ratio.
 */
export const PEER_COLUMNS = [
  ['attnkit % peak', (r) => fmt(r.attnkitPctPeak, 0)],
  ['attnkit % bw', (r) => fmt(r.attnkitPctBw, 0)],
  ['attnkit ×', (r) => fmt(r.ratio, 2)],
];

export function fmt(x, digits) {
  if (x === undefined || x === null || !Number.isFinite(x)) return '';
  if (Math.abs(x) >= 1000) return x.toFixed(0);
  return x.toFixed(digits);
}

/** A Markdown table of rows; extra = [[title, fn]] columns appended before the note (PEER_COLUMNS for the peers). */
export function formatTable(rows, extra = []) {
  const cols = [...COLUMNS.slice(0, -1), ...extra, COLUMNS[COLUMNS.length - 1]];
  const cells = rows.map((r) => cols.map(([, f]) => f(r)));
  const width = cols.map(([t], c) => Math.max(t.length, ...cells.map((row) => row[c].length)));
  const line = (vals) => `| ${vals.map((v, c) => v.padEnd(width[c])).join(' | ')} |`;
  return [line(cols.map(([t]) => t)), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join(
    '\n',
  );
}
