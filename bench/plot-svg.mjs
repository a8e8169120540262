// GFLOP/s against S for attnkit and the peers (non-causal prefill rows), with each thread count's
// measured FMA peak as a dashed line, written as a standalone SVG with no dependencies.
//   node bench/plot-svg.mjs [--out bench/results.svg] results/bench.json [results/peers.json ...]
// Reads the JSON of `npm run bench -- --json f` and `npm run bench:peers -- --json f`; a later file's
// row for the same (backend, threads, S) replaces an earlier one.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export function parseArgs(argv) {
  const a = { out: path.join(HERE, 'results.svg'), files: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') a.out = argv[++i];
    else if (argv[i].startsWith('--')) throw new Error(`plot-svg: unknown option ${argv[i]} (use --out <file>)`);
    else a.files.push(argv[i]);
  }
  if (!a.out) throw new Error('plot-svg: --out needs a file name');
  if (a.files.length === 0) throw new Error('plot-svg: give at least one results JSON file');
  return a;
}

/** 'native' and 'attnkit native' are attnkit's native backend; 'js' its TypeScript fallback. */
function seriesName(backend) {
  if (backend === 'native' || backend === 'attnkit native') return 'attnkit';
  if (backend === 'js' || backend === 'attnkit js') return 'attnkit (JS fallback)';
  return backend;
}

/** { series: Map(name -> [{S, gflops}]), peaks: Map(threads -> GFLOP/s), date, machine } from result files. */
export function collect(docs) {
  const points = new Map();
  const peaks = new Map();
  let date = '';
  let machine = null;
  for (const doc of docs) {
    date = doc.date ?? date;
    machine = doc.machine ?? machine;
    for (const [t, gf] of Object.entries(doc.machine?.peak ?? {}))
      peaks.set(Number(t), Math.max(peaks.get(Number(t)) ?? 0, gf));
    for (const r of doc.rows ?? []) {
      if (r.scenario !== 'prefill' && r.scenario !== 'js') continue;
      // The (1, 8, S, S, 64) series only: the other prefill shapes (BERT-base, D = 128) have no place on its S axis.
      const dims = /^\((\d+),([\d/]+),(\d+),(\d+),(\d+)\)/.exec(r.shape ?? '');
      if (dims?.[1] !== '1' || dims[2] !== '8' || dims[5] !== '64' || /causal/.test(r.shape) || !(r.gflops > 0))
        continue;
      const S = Number(dims[4]);
      const name = `${seriesName(r.backend)}, ${r.threads} thr`;
      points.set(`${name}|${S}`, { name, S, gflops: r.gflops });
    }
  }
  const series = new Map();
  for (const p of points.values()) {
    if (!series.has(p.name)) series.set(p.name, []);
    series.get(p.name).push(p);
  }
  for (const pts of series.values()) pts.sort((a, b) => a.S - b.S);
  return { series, peaks, date, machine };
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];

/** The SVG text: log2 S on x, log10 GFLOP/s on y (the peers span three decades). */
export function renderSvg({ series, peaks, date, machine }) {
  const W = 860;
  const H = 520;
  const m = { l: 70, r: 270, t: 50, b: 60 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const all = [...series.values()].flat();
  const xs = [...new Set(all.map((p) => p.S))].sort((a, b) => a - b);
  if (xs.length === 0) throw new Error('plot-svg: no non-causal prefill rows with GFLOP/s in the input');
  const ys = [...all.map((p) => p.gflops), ...peaks.values()];
  const y0 = 10 ** Math.floor(Math.log10(Math.min(...ys)));
  const y1 = 10 ** Math.ceil(Math.log10(Math.max(...ys) * 1.05));
  const lx0 = Math.log2(xs[0]);
  const lx1 = Math.log2(xs[xs.length - 1]);
  const X = (S) => m.l + (lx1 === lx0 ? pw / 2 : ((Math.log2(S) - lx0) / (lx1 - lx0)) * pw);
  const Y = (g) => m.t + ph - ((Math.log10(g) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * ph;
  const el = [];
  el.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  el.push(
    `<text x="${m.l}" y="24" font-size="16" font-weight="bold">Attention, fp32, D = 64, non-causal: GFLOP/s vs S (log scales)</text>`,
  );
  const sub = [machine?.cpu, machine?.node && `Node ${machine.node}`, date?.slice(0, 10)].filter(Boolean).join(', ');
  el.push(`<text x="${m.l}" y="40" font-size="11" fill="#555">${esc(sub)}</text>`);
  // Grid and axes: one line per decade (and 2×, 5×) on y, one per measured S on x.
  for (let d = y0; d <= y1; d *= 10)
    for (const f of [1, 2, 5]) {
      const g = d * f;
      if (g > y1) break;
      el.push(
        `<line x1="${m.l}" x2="${m.l + pw}" y1="${Y(g).toFixed(1)}" y2="${Y(g).toFixed(1)}" stroke="${f === 1 ? '#ccc' : '#eee'}"/>`,
      );
      el.push(
        `<text x="${m.l - 6}" y="${(Y(g) + 4).toFixed(1)}" font-size="11" text-anchor="end">${g >= 1 ? g : g.toPrecision(1)}</text>`,
      );
    }
  for (const S of xs) {
    el.push(`<line x1="${X(S).toFixed(1)}" x2="${X(S).toFixed(1)}" y1="${m.t}" y2="${m.t + ph}" stroke="#eee"/>`);
    el.push(`<text x="${X(S).toFixed(1)}" y="${m.t + ph + 16}" font-size="11" text-anchor="middle">${S}</text>`);
  }
  el.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  el.push(
    `<text x="${m.l + pw / 2}" y="${H - 18}" font-size="12" text-anchor="middle">S = Lq = Lk (B = 1, H = 8)</text>`,
  );
  el.push(
    `<text x="18" y="${m.t + ph / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 18 ${m.t + ph / 2})">GFLOP/s</text>`,
  );
  // Measured peaks: dashed, labelled at the right end.
  const legend = [];
  for (const [t, g] of [...peaks.entries()].sort((a, b) => a[0] - b[0])) {
    const y = Y(g).toFixed(1);
    el.push(
      `<line x1="${m.l}" x2="${m.l + pw}" y1="${y}" y2="${y}" stroke="#000" stroke-dasharray="${t === 1 ? '6 4' : '2 3'}"/>`,
    );
    legend.push({
      label: `measured FMA peak, ${t} thr (${g.toFixed(0)})`,
      color: '#000',
      dash: t === 1 ? '6 4' : '2 3',
    });
  }
  [...series.entries()]
    .sort((a, b) => Math.max(...b[1].map((p) => p.gflops)) - Math.max(...a[1].map((p) => p.gflops)))
    .forEach(([name, pts], i) => {
      const color = PALETTE[i % PALETTE.length];
      const dash = / 2 thr$/.test(name) ? ' stroke-dasharray="7 3"' : '';
      if (pts.length > 1)
        el.push(
          `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.map((p) => `${X(p.S).toFixed(1)},${Y(p.gflops).toFixed(1)}`).join(' ')}"/>`,
        );
      for (const p of pts)
        el.push(
          `<circle cx="${X(p.S).toFixed(1)}" cy="${Y(p.gflops).toFixed(1)}" r="3.5" fill="${color}"><title>${esc(name)}: S = ${p.S}, ${p.gflops.toFixed(2)} GFLOP/s</title></circle>`,
        );
      legend.push({ label: name, color, dash: dash ? '7 3' : '' });
    });
  legend.forEach((l, i) => {
    const y = m.t + 8 + i * 18;
    const x = m.l + pw + 16;
    el.push(
      `<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${l.color}" stroke-width="2"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>`,
    );
    el.push(`<text x="${x + 30}" y="${y + 4}" font-size="11">${esc(l.label)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n${el.join('\n')}\n</svg>\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2));
  const docs = args.files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
  fs.writeFileSync(args.out, renderSvg(collect(docs)));
  console.log(`wrote ${args.out}`);
}
