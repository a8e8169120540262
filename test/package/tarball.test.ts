// What `npm pack` puts in the tarball (listed without running prepack, so without the prebuilds, which
// scripts/check-package.sh checks on the real tarball): the package a user installs.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..');
const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
  cwd: root,
  encoding: 'utf8',
  timeout: 120_000,
});
const files: string[] =
  pack.status === 0 ? (JSON.parse(pack.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path) : [];

describe('the tarball', () => {
  it('packs', () => {
    expect(pack.status, pack.stderr).toBe(0);
    expect(files.length).toBeGreaterThan(0);
  });

  it('holds the license, the examples, the native sources and their description', () => {
    for (const want of [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/index.js',
      'dist/index.mjs',
      'dist/index.d.ts',
      'binding.gyp',
      'native/sources.json',
      'scripts/install.cjs',
      'examples/demo.mjs',
    ])
      expect(files, want).toContain(want);
    const sources = JSON.parse(fs.readFileSync(path.join(root, 'native', 'sources.json'), 'utf8')) as {
      sources: string[];
      arm64: { sources: string[] };
      libraries: Record<string, { sources: string[] }>;
    };
    for (const src of [
      ...sources.sources,
      ...sources.arm64.sources,
      ...Object.values(sources.libraries).flatMap((l) => l.sources),
    ])
      expect(files, src).toContain(src);
  });

  it('ships no tests, fuzzers, probes or source maps', () => {
    expect(files.filter((f) => /^native\/(tests|fuzz|probes)\/|^(test|bench|src)\/|\.map$/.test(f))).toEqual([]);
  });

  it('builds no probes or tests into the addon (they live in bench/probes and native/tests)', () => {
    const desc = fs.readFileSync(path.join(root, 'native', 'sources.json'), 'utf8');
    expect(desc).not.toMatch(/native\/(probes|tests|fuzz)\//);
    const addon = createRequire(__filename)(path.join(root, 'build', 'Release', 'attnkit.node')) as Record<
      string,
      unknown
    >;
    expect(Object.keys(addon).filter((name) => /probe|test/i.test(name))).toEqual([]);
  });

  it('ships examples that import the package by name, as a user would copy them', () => {
    // examples/server is an application with its own package.json, run from a clone; it is not shipped.
    expect(files.filter((f) => f.startsWith('examples/server/'))).toEqual([]);
    const examples = files.filter((f) => f.startsWith('examples/'));
    expect(examples.length).toBeGreaterThan(0);
    for (const file of examples) {
      const specifiers = [...fs.readFileSync(path.join(root, file), 'utf8').matchAll(/from '([^']+)'/g)].map(
        (m) => m[1],
      );
      // An example of several files imports its own modules beside it (examples/train).
      expect(
        specifiers.filter((s) => s !== 'attnkit' && !s.startsWith('node:') && !/^\.\/[\w.-]+$/.test(s)),
        file,
      ).toEqual([]);
    }
  });

  it('declares the metadata a registry page shows', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    for (const key of ['license', 'repository', 'homepage', 'bugs', 'keywords', 'engines'])
      expect(pkg[key], key).toBeTruthy();
  });
});
