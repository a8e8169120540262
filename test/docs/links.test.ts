// The docs hold together: every relative link in the README, SECURITY.md, docs/ and bench/README.md points at a file
// that exists (and at a heading or <a id> that exists in it), the README stays a five-minute read, and
// the two commands it gives are package.json scripts that CI runs.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const docs = [
  'README.md',
  'CHANGELOG.md',
  'SECURITY.md',
  'bench/README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Markdown without its fenced code blocks (links and headings there are text, not links). */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's anchor for a heading: lower case, punctuation and symbols dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of prose(text).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(m[1].trim());
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of text.matchAll(/<a id="([^"]+)">/g)) anchors.add(m[1]);
  return anchors;
}

describe('relative links resolve', () => {
  for (const doc of docs)
    it(doc, () => {
      const broken: string[] = [];
      for (const m of prose(read(doc)).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/.test(target)) continue; // http(s), mailto
        const [file, anchor] = target.split('#');
        const resolved = file === '' ? doc : path.posix.normalize(path.posix.join(path.posix.dirname(doc), file));
        if (!existsSync(path.join(root, resolved))) broken.push(`${target} (no ${resolved})`);
        else if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(read(resolved)).has(anchor))
          broken.push(`${target} (no #${anchor} in ${resolved})`);
      }
      expect(broken).toEqual([]);
    });
});

describe('README', () => {
  const readme = read('README.md');
  it('is under 250 lines', () => expect(readme.split('\n').length).toBeLessThan(250));
  it('shows how to install the package', () => expect(readme).toContain('npm install attnkit'));
  it('gives the two commands, each an npm script that CI runs', () => {
    expect(readme).toMatch(/^npm install && npm run demo\b/m);
    expect(readme).toMatch(/^npm test\b/m);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.demo).toBeDefined();
    expect(scripts.test).toBeDefined();
    expect(read('.ci/run')).toMatch(/^step timeout \d+ npm test$/m);
  });
  it('has one copy of each API section: the reference lives in docs/api.md', () => {
    for (const heading of [
      '### `new MultiHeadAttention(options)`',
      '**Score order.**',
      '#### Rotary (RoPE)',
      '## Backward passes',
    ])
      expect(readme.includes(heading), heading).toBe(false);
    const api = read('docs/api.md');
    for (const heading of [
      '### `new MultiHeadAttention(options)`',
      '**Score order.**',
      '#### Rotary (RoPE)',
      '## Backward passes',
    ])
      expect(api.split(heading).length - 1, heading).toBe(1);
  });
});
