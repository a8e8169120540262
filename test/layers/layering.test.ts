// src/layers sits above the api: it may call src/api, src/positional and the validation wording, never a backend.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';

it('src/layers imports no backend', () => {
  const dir = path.resolve(__dirname, '..', '..', 'src', 'layers');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));
  expect(files.length).toBeGreaterThan(3);
  for (const f of files) {
    const imports = [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    for (const spec of imports) expect(spec, `${f} imports ${spec}`).not.toMatch(/backends/);
  }
});
