// backendInfo() tells the truth, and the package falls back softly when the addon is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backendInfo } from '../../src/index';

const root = path.resolve(__dirname, '..', '..');

describe('backendInfo()', () => {
  it('reports the backend this project forces, with a reason, threads and version', () => {
    const info = backendInfo();
    expect(info.backend).toBe(process.env.ATTNKIT_BACKEND);
    expect(info.reason).toMatch(/ATTNKIT_BACKEND=/);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.version).toBe(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version);
    expect(info.simd).toBe(info.backend === 'js' ? 'none' : info.simd);
    if (info.backend === 'native') expect(['scalar', 'avx2', 'avx512', 'neon']).toContain(info.simd);
  });

  it("reports the width of the FMA tiles: the level's own, or the one ATTNKIT_FMA_WIDTH forces at avx512", () => {
    const { backend, simd, fmaWidth } = backendInfo();
    const forced = Number(process.env.ATTNKIT_FMA_WIDTH ?? 0); // only the avx512 level chooses
    const widths: Record<string, number[]> = {
      none: [0],
      scalar: [32],
      avx2: [256],
      avx512: forced ? [forced] : [256, 512],
      neon: [128],
    };
    expect(widths[backend === 'js' ? 'none' : simd]).toContain(fmaWidth);
  });

  it.runIf(process.env.ATTNKIT_BACKEND === 'native')(
    'an ATTNKIT_FMA_WIDTH other than 256, 512 or auto is a clear error (native backend)',
    () => {
      const env = { ...process.env, ATTNKIT_BACKEND: 'native', ATTNKIT_FMA_WIDTH: '128' };
      const r = spawnSync(
        process.execPath,
        ['-e', "try { require('./').backendInfo(); } catch (e) { console.log(e.message); process.exit(3); }"],
        { cwd: root, env, encoding: 'utf8', timeout: 120_000 },
      );
      expect(r.status).toBe(3);
      expect(r.stdout).toMatch(/ATTNKIT_FMA_WIDTH=128 must be 256, 512 or auto/);
    },
  );

  it('names the kernel behind linear(): the built-in one of this SIMD level, or the system BLAS asked for', () => {
    const { backend, simd, fmaWidth, gemm } = backendInfo();
    // CI sets ATTNKIT_EXPECT_GEMM=cblas for its run against the CMake build with ATTNKIT_BLAS=ON.
    const expected =
      backend === 'js'
        ? 'js'
        : process.env.ATTNKIT_EXPECT_GEMM && simd !== 'scalar'
          ? process.env.ATTNKIT_EXPECT_GEMM
          : simd === 'avx512' && fmaWidth === 512
            ? 'gemm_f32_8x48__avx512'
            : simd === 'avx2' || simd === 'avx512'
              ? 'gemm_f32_6x16__avx2'
              : 'gemm_f32__scalar';
    expect(gemm).toBe(expected);
  });
});

describe('a package whose addon was never built (npm install --ignore-scripts)', () => {
  // A copy of the built package without build/: what a user gets when install scripts did not run.
  const dir = mkdtempSync(path.join(tmpdir(), 'attnkit-nobuild-'));
  cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  cpSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (backend: string | undefined, code: string) => {
    const env = { ...process.env };
    delete env.ATTNKIT_BACKEND;
    if (backend !== undefined) env.ATTNKIT_BACKEND = backend;
    return spawnSync(process.execPath, ['-e', code], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
  };

  it('loads on the JS backend and says how to build the addon', () => {
    const r = run(
      undefined,
      "const a = require('./'); const i = a.backendInfo(); const o = a.scaledDotProductAttention(a.tensor(new Float32Array(4).fill(1), [1,1,1,4]), a.tensor(new Float32Array(8).fill(1), [1,1,2,4]), a.tensor(Float32Array.from([1,2,3,4,5,6,7,8]), [1,1,2,4])); console.log(JSON.stringify({ i, o: Array.from(o.data) }));",
    );
    expect(r.status, r.stderr).toBe(0);
    const { i, o } = JSON.parse(r.stdout);
    expect(i.backend).toBe('js');
    expect(i.reason).toMatch(/npm rebuild attnkit/);
    expect(o).toEqual([3, 4, 5, 6]); // equal scores: the mean of the two value rows
    expect(r.stderr).toMatch(/\[ATTNKIT_JS_FALLBACK\] Warning: attnkit: no compiled addon/);
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.includes('attnkit:')).length,
    ).toBe(1);
  });

  it('ATTNKIT_BACKEND=native fails with a clear error instead of falling back', () => {
    const r = run(
      'native',
      "try { require('./').backendInfo(); } catch (e) { console.log(e.name + '|' + e.code + '|' + e.message); process.exit(3); }",
    );
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(
      /AttnkitBackendError\|ERR_ATTNKIT_BACKEND\|ATTNKIT_BACKEND=native but the native addon is unavailable: .*npm rebuild attnkit/,
    );
  });

  it('an unknown ATTNKIT_BACKEND value is an error', () => {
    const r = run('gpu', "try { require('./').backendInfo(); } catch (e) { console.log(e.message); process.exit(3); }");
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/ATTNKIT_BACKEND must be 'native', 'js' or 'auto', got 'gpu'/);
  });
});

describe('the built addon', () => {
  it('loads in auto mode from this checkout', () => {
    const out = execFileSync(process.execPath, ['-e', "console.log(require('./').backendInfo().backend)"], {
      cwd: root,
      env: { ...process.env, ATTNKIT_BACKEND: 'auto' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    // The js project runs without requiring the addon; when it is built, auto must pick it.
    expect(['native', 'js']).toContain(out.trim());
    if (process.env.ATTNKIT_BACKEND === 'native') expect(out.trim()).toBe('native');
  });
});
