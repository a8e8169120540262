// linear() throughput on the projection shape: x [S, E] · wᵀ [E, E] + b, E = 512, S = 512
// (2·S·E·E flops per call). Median of >= 10 timed runs after warm-up, on the live backend
// (ATTNKIT_BACKEND=js|native), plus the native scalar kernel when ATTNKIT_SIMD=scalar is set.
// Usage: npm run build:ts && node bench/linear.mjs [--e 512] [--s 512] [--runs 15]
import { availableParallelism } from 'node:os';
import { linear, backendInfo, setNumThreads } from '../dist/index.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const E = arg('e', 512);
const S = arg('s', 512);
const RUNS = Math.max(10, arg('runs', 15));

const fill = (n) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37));
const x = { data: fill(S * E), shape: [S, E] };
const w = { data: fill(E * E), shape: [E, E] };
const b = { data: fill(E), shape: [E] };
const out = { data: new Float32Array(S * E), shape: [S, E] };

// Medians on 1 thread and on every core: the native GEMM splits rows over the addon's pool.
const info = backendInfo();
const cores = Math.max(1, availableParallelism());
for (const threads of [...new Set([1, cores])]) {
  setNumThreads(threads);
  for (let i = 0; i < 3; i++) linear(x, w, b, { out });
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    linear(x, w, b, { out });
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((p, q) => p - q);
  const median = times[Math.floor(times.length / 2)];
  const gflops = (2 * S * E * E) / median / 1e9;
  console.log(
    JSON.stringify({
      op: 'linear',
      shape: { S, E },
      backend: info.backend,
      simd: info.simd,
      gemm: info.gemm,
      threads,
      runs: RUNS,
      medianMs: +(median * 1e3).toFixed(3),
      gflops: +gflops.toFixed(2),
    }),
  );
}
