// The addon's linear re-checks lengths itself (a JS error, never an out-of-bounds access), and its scalar
// GEMM (forced with ATTNKIT_SIMD=scalar in a child process) matches float64 like the AVX2 one, and the
// zmm GEMM gives the AVX2 one's bits.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../src/backends/native/load-addon';

const load = loadAddon();
if (!load.ok) throw new Error(`the addon must be built for these tests: ${load.reason}`);
const addon = load.addon;
const f = (n: number) => new Float32Array(n).fill(0.5);

describe('native linear guards', () => {
  it('a valid direct call works (2 rows, in 3, out 4, bias)', () => {
    const y = new Float32Array(8);
    addon.linear(f(6), f(12), new Float32Array(4).fill(1), y, new Float64Array([2, 3, 4]));
    expect(Array.from(y)).toEqual(new Array(8).fill(1.75));
  });
  it('refuses buffers shorter than the descriptor says', () => {
    expect(() => addon.linear(f(5), f(12), null, f(8), new Float64Array([2, 3, 4]))).toThrow(/x is too short/);
    expect(() => addon.linear(f(6), f(11), null, f(8), new Float64Array([2, 3, 4]))).toThrow(/weight is too short/);
    expect(() => addon.linear(f(6), f(12), f(3), f(8), new Float64Array([2, 3, 4]))).toThrow(/bias is too short/);
    expect(() => addon.linear(f(6), f(12), null, f(7), new Float64Array([2, 3, 4]))).toThrow(/out is too short/);
  });
  it('refuses bad descriptors and types', () => {
    expect(() => addon.linear(f(6), f(12), null, f(8), new Float64Array([2, 3]))).toThrow(TypeError);
    expect(() => addon.linear(f(6), f(12), null, f(8), new Float64Array([2, -3, 4]))).toThrow(RangeError);
    expect(() => addon.linear(f(6), f(12), null, f(8), new Float64Array([2, 1.5, 4]))).toThrow(RangeError);
    expect(() => addon.linear(new Float64Array(6) as never, f(12), null, f(8), new Float64Array([2, 3, 4]))).toThrow(
      TypeError,
    );
  });
  it('reports which GEMM it chose', () =>
    expect([
      'gemm_f32__scalar',
      'gemm_f32_6x16__avx2',
      'gemm_f32_8x48__avx512',
      ...(process.env.ATTNKIT_EXPECT_GEMM ? ['cblas'] : []),
    ]).toContain(addon.info().gemm));
});

describe('scalar GEMM (ATTNKIT_SIMD=scalar)', () => {
  it('matches float64 on 17 x 65 -> 33 and reports the scalar kernel', () => {
    const script = `
      const { loadAddon } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/backends/native/load-addon.js'))});
      const a = loadAddon().addon;
      const [R, N, M] = [17, 65, 33];
      const x = Float32Array.from({ length: R * N }, (_, i) => Math.sin(i));
      const w = Float32Array.from({ length: M * N }, (_, i) => Math.cos(i * 0.7));
      const b = Float32Array.from({ length: M }, (_, i) => i / M);
      const y = new Float32Array(R * M);
      a.linear(x, w, b, y, new Float64Array([R, N, M]));
      let worst = 0;
      for (let r = 0; r < R; r++) for (let o = 0; o < M; o++) {
        let s = b[o], mag = Math.abs(b[o]);
        for (let i = 0; i < N; i++) { s += x[r * N + i] * w[o * N + i]; mag += Math.abs(x[r * N + i] * w[o * N + i]); }
        worst = Math.max(worst, Math.abs(y[r * M + o] - s) / (mag + 1));
      }
      console.log(JSON.stringify({ gemm: a.info().gemm, worst }));`;
    const out = JSON.parse(
      execFileSync(process.execPath, ['-e', script], {
        env: { ...process.env, ATTNKIT_SIMD: 'scalar', ATTNKIT_FMA_WIDTH: 'auto' },
        timeout: 120_000,
      }).toString(),
    );
    expect(out.gemm).toBe('gemm_f32__scalar');
    expect(out.worst).toBeLessThan(1e-6);
  });
});

describe('ATTNKIT_GEMM=builtin', () => {
  it('keeps linear() on the built-in kernel, even in a build with a system BLAS', () => {
    const script = `
      const { loadAddon } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/backends/native/load-addon.js'))});
      console.log(loadAddon().addon.info().gemm);`;
    const gemm = execFileSync(process.execPath, ['-e', script], {
      env: { ...process.env, ATTNKIT_GEMM: 'builtin' },
      timeout: 120_000,
    })
      .toString()
      .trim();
    expect(['gemm_f32__scalar', 'gemm_f32_6x16__avx2', 'gemm_f32_8x48__avx512']).toContain(gemm);
  });
});

// The avx512 level's zmm GEMM (8 x 48 tiles) and the AVX2 one (6 x 16) compute each output as the same
// FMA chain over k, then + bias: forced in child processes, they must agree bit for bit.
describe('zmm GEMM (ATTNKIT_FMA_WIDTH=512) against the AVX2 one (256)', () => {
  const run = (width: string) => {
    const script = `
      const { loadAddon } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/backends/native/load-addon.js'))});
      const a = loadAddon().addon;
      const out = [];
      for (const [R, N, M, bias] of [[77, 131, 300, true], [48, 64, 176, false], [1000, 17, 200, true]]) {
        const x = Float32Array.from({ length: R * N }, (_, i) => Math.sin(i * 0.37));
        const w = Float32Array.from({ length: M * N }, (_, i) => Math.cos(i * 0.11));
        const b = bias ? Float32Array.from({ length: M }, (_, i) => Math.sin(i)) : null;
        const y = new Float32Array(R * M);
        a.linear(x, w, b, y, new Float64Array([R, N, M]));
        out.push(require('node:crypto').createHash('sha256').update(y).digest('hex'));
      }
      console.log(JSON.stringify({ gemm: a.info().gemm, out }));`;
    const env = { ...process.env, ATTNKIT_SIMD: 'avx512', ATTNKIT_FMA_WIDTH: width, ATTNKIT_GEMM: 'builtin' };
    return execFileSync(process.execPath, ['-e', script], {
      env,
      timeout: 120_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
  };
  it('gives the same bits on row, output and k tails', (ctx) => {
    let zmm: { gemm: string; out: string[] };
    try {
      zmm = JSON.parse(run('512'));
    } catch (e) {
      if (/not available/.test(String((e as { stderr?: Buffer }).stderr ?? e))) return ctx.skip();
      throw e;
    }
    const avx2 = JSON.parse(run('256'));
    expect([zmm.gemm, avx2.gemm]).toEqual(['gemm_f32_8x48__avx512', 'gemm_f32_6x16__avx2']);
    expect(zmm.out).toEqual(avx2.out);
  });
});
