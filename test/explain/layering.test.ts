import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '..', '..', 'src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('layering: explain and cli sit above the api', () => {
  // They may call the public api (and the validation error wording), never a backend directly,
  // so every number they print went through the same checks and kernel as a user's call.
  for (const dir of ['explain', 'cli']) {
    it(`src/${dir} imports no backend`, () => {
      const files = sources(path.join(SRC, dir));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const imports = [...fs.readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
        for (const spec of imports) expect(spec, `${path.relative(SRC, file)} imports ${spec}`).not.toMatch(/backends/);
      }
    });
  }
});
