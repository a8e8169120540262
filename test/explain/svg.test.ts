import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './built-cli';

beforeAll(() => ensureBuilt(), 180_000);

const FIGURES = ['score-variance.svg', 'max-probability.svg', 'jacobian-norm.svg', 'softmax-row-dk1024.svg'];

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('explain --svg', () => {
  it('writes four SVGs that render to well-formed PNGs', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attnkit-svg-'));
    const r = runCli(['explain', '--dims', '4,16,64', '--samples', '100', '--keys', '16', '--svg', dir, '--json']);
    expect(r.status, r.stderr).toBe(0);
    JSON.parse(r.stdout); // progress goes to stderr, stdout stays pure JSON
    expect(fs.readdirSync(dir).sort()).toEqual([...FIGURES].sort());
    for (const name of FIGURES) {
      const svg = path.join(dir, name);
      const text = fs.readFileSync(svg, 'utf8');
      expect(text).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(text).toContain('dₖ');
      expect(r.stderr).toContain(`wrote ${svg}`);
      // resvg (an npm package, no system program) parses the document strictly: malformed XML throws.
      const image = new Resvg(text, { font: { loadSystemFonts: false } }).render();
      const { width, height } = pngSize(image.asPng());
      expect(width).toBeGreaterThan(0);
      expect(height).toBeGreaterThan(0);
      // Rendered at the SVG's own size: a mismatch would mean the document was misread.
      const [, w, h] = /<svg [^>]*width="(\d+)" height="(\d+)"/.exec(text)!;
      expect([width, height], name).toEqual([Number(w), Number(h)]);
      expect([image.width, image.height]).toEqual([width, height]);
      // Something is drawn (axes, lines): not every pixel is transparent.
      const rgba = image.pixels; // a getter that copies: read once
      let drawn = 0;
      for (let a = 3; a < rgba.length; a += 4) if (rgba[a] !== 0) drawn++;
      expect(drawn, `${name}: pixels drawn`).toBeGreaterThan(0);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
