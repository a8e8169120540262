// A line chart with markers, grid, labelled axes and a legend at the right.
import { formatTick, makeScale, type AxisSpec } from './axis';
import { el, group, num, svgDocument, text } from './document';

export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond' | 'none';

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
  marker?: MarkerShape;
  /** stroke-dasharray, e.g. '6 4' for reference lines. */
  dash?: string;
}

export interface LineChartSpec {
  title: string;
  subtitle?: string;
  x: AxisSpec;
  y: AxisSpec;
  series: Series[];
  width?: number;
  height?: number;
}

export function marker(shape: MarkerShape, x: number, y: number, color: string): string {
  const r = 4.5;
  const paint = { fill: color, stroke: '#ffffff', 'stroke-width': 1 };
  switch (shape) {
    case 'circle':
      return el('circle', { cx: x, cy: y, r, ...paint });
    case 'square':
      return el('rect', { x: x - r, y: y - r, width: 2 * r, height: 2 * r, ...paint });
    case 'triangle':
      return el('path', {
        d: `M${num(x)},${num(y - r - 1)} L${num(x + r + 1)},${num(y + r)} L${num(x - r - 1)},${num(y + r)} Z`,
        ...paint,
      });
    case 'diamond':
      return el('path', {
        d: `M${num(x)},${num(y - r - 1)} L${num(x + r + 1)},${num(y)} L${num(x)},${num(y + r + 1)} L${num(x - r - 1)},${num(y)} Z`,
        ...paint,
      });
    default:
      return '';
  }
}

export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 760;
  const height = spec.height ?? 460;
  const m = { left: 78, right: 200, top: spec.subtitle ? 62 : 46, bottom: 58 };
  const x = makeScale(spec.x, m.left, width - m.right);
  const y = makeScale(spec.y, height - m.bottom, m.top);
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const parts: string[] = [];

  parts.push(text(m.left, 24, spec.title, { 'font-size': 16, 'font-weight': 'bold' }));
  if (spec.subtitle) parts.push(text(m.left, 44, spec.subtitle, { 'font-size': 12, fill: '#555555' }));

  // Grid and tick labels.
  const grid: string[] = [];
  for (const t of x.ticks) {
    grid.push(el('line', { x1: x(t), x2: x(t), y1: m.top, y2: height - m.bottom, stroke: '#e3e3e3' }));
    grid.push(text(x(t), height - m.bottom + 18, formatTick(t), { 'text-anchor': 'middle', fill: '#333333' }));
  }
  for (const t of y.ticks) {
    grid.push(el('line', { x1: m.left, x2: width - m.right, y1: y(t), y2: y(t), stroke: '#e3e3e3' }));
    grid.push(text(m.left - 8, y(t) + 4, formatTick(t), { 'text-anchor': 'end', fill: '#333333' }));
  }
  parts.push(group({}, grid));
  parts.push(el('rect', { x: m.left, y: m.top, width: plotW, height: plotH, fill: 'none', stroke: '#333333' }));

  // Axis labels.
  parts.push(text(m.left + plotW / 2, height - 14, spec.x.label, { 'text-anchor': 'middle', 'font-size': 14 }));
  const yMid = m.top + plotH / 2;
  parts.push(
    text(20, yMid, spec.y.label, {
      'text-anchor': 'middle',
      'font-size': 14,
      transform: `rotate(-90 20 ${num(yMid)})`,
    }),
  );

  // Series, clipped to the plot area.
  const clipId = 'plot-area';
  parts.push(el('clipPath', { id: clipId }, [el('rect', { x: m.left, y: m.top, width: plotW, height: plotH })]));
  const lines: string[] = [];
  for (const s of spec.series) {
    const d = s.points.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${num(x(px))},${num(y(py))}`).join(' ');
    lines.push(
      el('path', { d, fill: 'none', stroke: s.color, 'stroke-width': s.dash ? 1.5 : 2.2, 'stroke-dasharray': s.dash }),
    );
    for (const [px, py] of s.points) lines.push(marker(s.marker ?? 'none', x(px), y(py), s.color));
  }
  parts.push(group({ 'clip-path': `url(#${clipId})` }, lines));

  // Legend.
  const legend: string[] = [];
  const lx = width - m.right + 16;
  spec.series
    .filter((s) => s.name !== '')
    .forEach((s, i) => {
      const ly = m.top + 10 + i * 22;
      legend.push(
        el('line', {
          x1: lx,
          x2: lx + 28,
          y1: ly,
          y2: ly,
          stroke: s.color,
          'stroke-width': s.dash ? 1.5 : 2.2,
          'stroke-dasharray': s.dash,
        }),
      );
      legend.push(marker(s.marker ?? 'none', lx + 14, ly, s.color));
      legend.push(text(lx + 36, ly + 4, s.name));
    });
  parts.push(group({}, legend));

  return svgDocument(width, height, spec.title, parts);
}
