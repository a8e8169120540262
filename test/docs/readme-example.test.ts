// The README's first example runs as printed: `import … from 'attnkit'` resolves to this package
// (Node's self-reference through package.json "exports"), so the code is run unchanged.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');

it("the README's first example runs and prints backendInfo()", () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const code = /^```ts\n([\s\S]*?)^```/m.exec(readme)?.[1];
  expect(code, 'a ```ts block in the README').toBeDefined();
  expect(code).toContain("from 'attnkit'");
  const r = spawnSync(process.execPath, ['--input-type=module', '--eval', code!], {
    cwd: root,
    encoding: 'utf8',
    env: process.env,
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const backend = process.env.ATTNKIT_BACKEND === 'js' ? 'js' : 'native';
  expect(r.stdout).toContain(`backend: '${backend}'`);
});
