// MultiHeadAttention.forward self-attention time on [1, S, E] (E = 512, 8 heads, S = 512): two projections
// (fused QKV 3·2·S·E², output 2·S·E²) plus attention (4·S²·E). Median of >= 10 runs on the live backend.
// Usage: npm run build:ts && node bench/mha.mjs [--s 512] [--e 512] [--heads 8] [--runs 10]
import { MultiHeadAttention, backendInfo } from '../dist/index.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const [S, E, H] = [arg('s', 512), arg('e', 512), arg('heads', 8)];
const RUNS = Math.max(10, arg('runs', 10));
const mha = new MultiHeadAttention({ embedDim: E, numHeads: H, seed: 1 });
const x = { data: Float32Array.from({ length: S * E }, (_, i) => Math.sin(i * 0.01)), shape: [1, S, E] };
for (let i = 0; i < 2; i++) mha.forward(x);
const times = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = process.hrtime.bigint();
  mha.forward(x);
  times.push(Number(process.hrtime.bigint() - t0) / 1e9);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const flops = 8 * S * E * E + 4 * S * S * E;
const info = backendInfo();
console.log(
  JSON.stringify({
    op: 'MultiHeadAttention.forward',
    shape: { B: 1, S, E, H },
    backend: info.backend,
    simd: info.simd,
    threads: info.threads,
    runs: RUNS,
    medianMs: +(median * 1e3).toFixed(2),
    gflops: +(flops / median / 1e9).toFixed(2),
  }),
);
