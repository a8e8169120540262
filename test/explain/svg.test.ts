import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './built-cli';

beforeAll(() => ensureBuilt(), 180_000);

const FIGURES = ['score-variance.svg', 'max-probability.svg', 'jacobian-norm.svg', 'softmax-row-dk1024.svg'];

function rsvgConvert(svg: string, png: string): void {
  const r = spawnSync('rsvg-convert', ['--format', 'png', '--output', png, svg], { encoding: 'utf8', timeout: 120_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT')
    throw new Error('rsvg-convert is not installed: the SVG plots cannot be checked. Install it with `apt-get install -y librsvg2-bin`.');
  expect(r.status, `rsvg-convert ${svg}: ${r.stderr}`).toBe(0);
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(file: string): { width: number; height: number } {
  const b = fs.readFileSync(file);
  expect([...b.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(b.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
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
      const png = svg.replace(/\.svg$/, '.png');
      rsvgConvert(svg, png);
      const { width, height } = pngSize(png);
      expect(width).toBeGreaterThan(0);
      expect(height).toBeGreaterThan(0);
      // rsvg-convert renders at the SVG's own size: a mismatch would mean it misread the document.
      const [, w, h] = /<svg [^>]*width="(\d+)" height="(\d+)"/.exec(text)!;
      expect([width, height]).toEqual([Number(w), Number(h)]);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
