// scripts/install.cjs (the npm install hook) compiles only when no binary fits: a stale one (an older
// addon ABI) or none at all means a build; `--check` says which without building.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..');
const abiJson = 'native/napi/abi.json';
const abi = Number(JSON.parse(fs.readFileSync(path.join(root, abiJson), 'utf8')).abi);
const dirs: string[] = [];

/** A package directory with the install script, abi.json declaring `expected`, and optionally the built addon. */
function fakePackage(expected: number, withAddon: boolean): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attnkit-install-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'attnkit' }));
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(root, 'scripts', 'install.cjs'), path.join(dir, 'scripts', 'install.cjs'));
  fs.mkdirSync(path.join(dir, path.dirname(abiJson)), { recursive: true });
  fs.writeFileSync(path.join(dir, abiJson), JSON.stringify({ abi: expected }));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  if (withAddon) {
    fs.mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true });
    fs.copyFileSync(
      path.join(root, 'build', 'Release', 'attnkit.node'),
      path.join(dir, 'build', 'Release', 'attnkit.node'),
    );
  }
  return dir;
}

function check(dir: string): string {
  const r = spawnSync(process.execPath, [path.join(dir, 'scripts', 'install.cjs'), '--check'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('scripts/install.cjs', () => {
  it('keeps a binary of the expected ABI', () => {
    expect(Number.isInteger(abi)).toBe(true);
    expect(check(fakePackage(abi, true))).toBe('fits');
  });

  it('rebuilds over a stale binary (an addon of another ABI)', () => {
    expect(check(fakePackage(abi + 1, true))).toBe(
      `build: build/Release/attnkit.node is stale (ABI ${abi}, expected ${abi + 1})`,
    );
  });

  it('rebuilds over a binary that does not load here (another platform, or a too old libstdc++)', () => {
    const dir = fakePackage(abi, true);
    fs.writeFileSync(path.join(dir, 'build', 'Release', 'attnkit.node'), 'not a shared object');
    expect(check(dir)).toMatch(/^build: build\/Release\/attnkit\.node does not load \(.+\)$/);
  });

  it('builds when there is no binary', () => {
    expect(check(fakePackage(abi, false))).toBe(
      `build: no prebuilt or compiled addon for ${process.platform}-${process.arch}`,
    );
  });
});
