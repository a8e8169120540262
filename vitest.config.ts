import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

const { cpuRuns } = createRequire(import.meta.url)('./scripts/native-sources.cjs') as {
  cpuRuns: (library: string) => boolean;
};

// SIMD levels this CPU can run, best first, decided when the config loads: the kernel suites run once
// per level (ATTNKIT_SIMD forces it), so every kernel path is checked against the reference.
// The x64 levels are the ISA libraries of native/sources.json whose instruction sets /proc/cpuinfo lists.
function simdLevels(): string[] {
  const levels: string[] = [];
  if (cpuRuns('attnkit_avx2')) {
    if (cpuRuns('attnkit_avx512')) levels.push('avx512');
    levels.push('avx2');
  }
  if (process.arch === 'arm64') levels.push('neon');
  return [...levels, 'scalar'];
}

// At the avx512 level the prefill tiles are 512 bits wide where the core runs a zmm FMA at full width
// and 256 where it splits one (AMD family 0x19, Zen 4), as native/dispatch/cpu_features.cpp decides, and
// so is linear()'s GEMM (8x48 zmm or 6x16 AVX2 tiles): the kernel and API suites run again with the other
// width forced (ATTNKIT_FMA_WIDTH).
function otherAvx512Width(): number {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const amd = /^vendor_id\s*:\s*AuthenticAMD/m.test(info);
  const family = Number(/^cpu family\s*:\s*(\d+)/m.exec(info)?.[1] ?? 0);
  return amd && family < 0x1a ? 512 : 256;
}

// Which suites run where (`npm test`; the bench harness is `npm run test:bench`, vitest.bench.config.ts):
// - KERNEL_SUITES reach a kernel: once per backend, and again at every forced SIMD level. Of
//   test/reliability only the hostile inputs are among them (overflowing scores, NaN, shared memory go
//   through each level's kernels); its async, worker_threads and process-exit suites test the Node-API
//   glue and the thread pool, the same at every level, and run once per backend.
// - ONCE_NATIVE test TypeScript, the CLI, the package's entry points, the docs' examples and the
//   example server, whose answer depends on neither the backend nor the level: the 'native' project only.
// - ONCE_JS call the JavaScript kernels directly (not through ATTNKIT_BACKEND): the 'js' project only.
// - Every other suite (positional, training but the backward's, the API fuzzer) runs once per backend.
// ATTNKIT_BACKEND=native makes a missing or broken addon an error, so a failed build can never pass
// quietly as a JavaScript run. 'native' is the best level (auto).
const levels = simdLevels();
const suites = (dirs: string[]) => dirs.map((dir) => `test/${dir}/**/*.test.ts`);
const KERNEL_SUITES = [
  ...suites(['native', 'sdpa', 'api', 'layers', 'backend']),
  'test/reliability/hostile-input.test.ts',
  'test/training/sdpa-backward*.test.ts', // the native backward kernel at each level
];
const ONCE_NATIVE = suites(['explain', 'package', 'docs', 'dtypes', 'examples']);
const ONCE_JS = suites(['backends']);
export default defineConfig({
  test: {
    testTimeout: 60_000,
    // Test files share a worker process (one per project) instead of a fresh process each: that start-up
    // was half of the suite's time. Every suite leaves the process as it found it (env, thread count).
    isolate: false,
    // Two workers even on 2 cores (vitest's default there is 1): much of a suite's time is single-threaded
    // JavaScript (the float64 references), which a second worker overlaps with the other's kernels.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    exclude: [...configDefaults.exclude, 'test/bench/**'],
    projects: [
      {
        extends: true,
        test: {
          name: 'native',
          exclude: ONCE_JS,
          env: { ATTNKIT_BACKEND: 'native' },
          // The example server's modules load the built package (dist/: CommonJS under an ESM face), which
          // vite's transform does not take: Node imports them itself, as `node examples/server/main.js` does.
          // (They are .js under a "type": "module" package.json because vitest inlines every .mjs outside node_modules.)
          server: { deps: { external: [/\/examples\/server\//] } },
        },
      },
      // The best level already runs as 'native'; the others are forced.
      ...levels.slice(1).map((level) => ({
        extends: true,
        test: {
          name: `native-${level}`,
          include: KERNEL_SUITES,
          env: { ATTNKIT_BACKEND: 'native', ATTNKIT_SIMD: level },
        },
      })),
      ...(levels[0] === 'avx512'
        ? [
            {
              extends: true,
              test: {
                name: `native-avx512-${otherAvx512Width()}`,
                include: suites(['native', 'sdpa', 'backend']),
                env: {
                  ATTNKIT_BACKEND: 'native',
                  ATTNKIT_SIMD: 'avx512',
                  ATTNKIT_FMA_WIDTH: String(otherAvx512Width()),
                },
              },
            },
          ]
        : []),
      { extends: true, test: { name: 'js', exclude: ONCE_NATIVE, env: { ATTNKIT_BACKEND: 'js' } } },
    ],
  },
});
