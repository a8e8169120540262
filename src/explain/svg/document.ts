// A minimal SVG writer: elements as strings, attribute values and text escaped.

export type Attrs = Record<string, string | number | undefined>;

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Rounds coordinates so files stay small and diffs stable. */
export function num(x: number): string {
  return String(Math.round(x * 100) / 100);
}

function attrs(a: Attrs): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(typeof v === 'number' ? num(v) : v!)}"`)
    .join('');
}

export function el(tag: string, a: Attrs, children: string | string[] = []): string {
  const body = Array.isArray(children) ? children.join('') : escapeXml(children);
  return body === '' ? `<${tag}${attrs(a)}/>` : `<${tag}${attrs(a)}>${body}</${tag}>`;
}

/** An element whose children are already SVG markup. */
export function group(a: Attrs, children: string[]): string {
  return el('g', a, children);
}

export function text(x: number, y: number, content: string, a: Attrs = {}): string {
  return el('text', { x, y, ...a }, content);
}

export const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

export function svgDocument(width: number, height: number, title: string, body: string[]): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    el(
      'svg',
      {
        xmlns: 'http://www.w3.org/2000/svg',
        width,
        height,
        viewBox: `0 0 ${width} ${height}`,
        'font-family': FONT,
        'font-size': 13,
      },
      [el('title', {}, title), el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }), ...body],
    ) +
    '\n'
  );
}
