// Small multiples: one bar chart per panel on a shared y axis, 2 columns.
import { formatTick, niceTicks } from './axis';
import { el, group, num, svgDocument, text } from './document';

export interface BarPanel {
  title: string;
  color: string;
  values: number[];
}

export interface BarPanelsSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  yMax: number;
  /** A dashed horizontal reference line drawn in every panel, with its legend text. */
  reference?: { value: number; label: string };
  panels: BarPanel[];
}

export function barPanels(spec: BarPanelsSpec): string {
  const cols = 2;
  const rows = Math.ceil(spec.panels.length / cols);
  const panelW = 360;
  const panelH = 200;
  const gapX = 70;
  const gapY = 74;
  const m = { left: 78, top: spec.subtitle ? 104 : 88, bottom: 56, right: 24 };
  const width = m.left + cols * panelW + (cols - 1) * gapX + m.right;
  const height = m.top + rows * panelH + (rows - 1) * gapY + m.bottom;
  const yTicks = niceTicks(0, spec.yMax, 4);
  const parts: string[] = [text(m.left, 24, spec.title, { 'font-size': 16, 'font-weight': 'bold' })];
  if (spec.subtitle) parts.push(text(m.left, 44, spec.subtitle, { 'font-size': 12, fill: '#555555' }));
  if (spec.reference) {
    const ly = spec.subtitle ? 64 : 48;
    parts.push(
      el('line', { x1: m.left, x2: m.left + 28, y1: ly, y2: ly, stroke: '#333333', 'stroke-dasharray': '5 4' }),
    );
    parts.push(text(m.left + 36, ly + 4, spec.reference.label, { 'font-size': 12 }));
  }

  spec.panels.forEach((p, i) => {
    const ox = m.left + (i % cols) * (panelW + gapX);
    const oy = m.top + Math.floor(i / cols) * (panelH + gapY);
    const y = (v: number) => oy + panelH - (Math.min(v, spec.yMax) / spec.yMax) * panelH;
    const barW = panelW / p.values.length;
    const g: string[] = [text(ox, oy - 10, p.title, { 'font-size': 13, 'font-weight': 'bold' })];
    for (const t of yTicks) {
      g.push(el('line', { x1: ox, x2: ox + panelW, y1: y(t), y2: y(t), stroke: '#e3e3e3' }));
      g.push(text(ox - 6, y(t) + 4, formatTick(t), { 'text-anchor': 'end', fill: '#333333', 'font-size': 11 }));
    }
    p.values.forEach((v, j) => {
      const top = y(v);
      g.push(
        el('rect', {
          x: ox + j * barW + barW * 0.1,
          y: top,
          width: barW * 0.8,
          height: oy + panelH - top,
          fill: p.color,
        }),
      );
    });
    if (spec.reference) {
      const ry = y(spec.reference.value);
      g.push(el('line', { x1: ox, x2: ox + panelW, y1: ry, y2: ry, stroke: '#333333', 'stroke-dasharray': '5 4' }));
    }
    g.push(el('rect', { x: ox, y: oy, width: panelW, height: panelH, fill: 'none', stroke: '#333333' }));
    const n = p.values.length;
    for (const t of [0, Math.floor(n / 4), Math.floor(n / 2), Math.floor((3 * n) / 4), n - 1])
      g.push(
        text(ox + (t + 0.5) * barW, oy + panelH + 15, String(t), {
          'text-anchor': 'middle',
          fill: '#333333',
          'font-size': 11,
        }),
      );
    g.push(text(ox + panelW / 2, oy + panelH + 34, spec.xLabel, { 'text-anchor': 'middle', 'font-size': 12 }));
    const yMid = oy + panelH / 2;
    g.push(
      text(ox - 44, yMid, spec.yLabel, {
        'text-anchor': 'middle',
        'font-size': 12,
        transform: `rotate(-90 ${num(ox - 44)} ${num(yMid)})`,
      }),
    );
    parts.push(group({}, g));
  });
  return svgDocument(width, height, spec.title, parts);
}
