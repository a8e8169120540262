// Quick kernel check: GFLOP/s of the native fused kernel on the shapes, 1 and 2 threads.
// Flops = 2*B*Hq*Lq*Lk*(D+Dv) (half of it under causal at Lq = Lk); decode reports GB/s of K+V read.
// Usage: npm run build:ts && node bench/kernel-quick.mjs [--peak 102.4] [--bw 21.6] [--only prefill|causal|decode]
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { scaledDotProductAttention, setNumThreads, backendInfo } = require('../dist/index.js');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const PEAK = Number(arg('peak', 102.4)); // GFLOP/s per core, measured on this Zen 3 (issue 4)
const BW = Number(arg('bw', 21.6)); // GB/s read bandwidth of one core (issue 4)
const only = arg('only', '');

function rand(n) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function time(B, Hq, Hkv, Lq, Lk, D, opts, minRuns = 5, budgetMs = 1500) {
  const q = { data: rand(B * Hq * Lq * D), shape: [B, Hq, Lq, D] };
  const k = { data: rand(B * Hkv * Lk * D), shape: [B, Hkv, Lk, D] };
  const v = { data: rand(B * Hkv * Lk * D), shape: [B, Hkv, Lk, D] };
  const out = { data: new Float32Array(B * Hq * Lq * D), shape: [B, Hq, Lq, D] };
  scaledDotProductAttention(q, k, v, { ...opts, out });
  const ts = [];
  const t0 = performance.now();
  while (ts.length < minRuns || (performance.now() - t0 < budgetMs && ts.length < 50)) {
    const s = performance.now();
    scaledDotProductAttention(q, k, v, { ...opts, out });
    ts.push(performance.now() - s);
  }
  return median(ts);
}

const info = backendInfo();
console.log(`backend ${info.backend}, simd ${info.simd}; peak ${PEAK} GFLOP/s/core, bandwidth ${BW} GB/s (1 core)`);
console.log('case                              thr   ms        GFLOP/s  %peak  GB/s');
for (const threads of [1, 2]) {
  setNumThreads(threads);
  const peak = PEAK * threads;
  if (!only || only === 'prefill')
    for (const S of [512, 1024, 2048, 4096]) {
      const ms = time(1, 8, 8, S, S, 64, {});
      const gf = (2 * 8 * S * S * 128) / ms / 1e6;
      console.log(`prefill S=${S}`.padEnd(34), String(threads).padEnd(5), ms.toFixed(2).padEnd(9), gf.toFixed(1).padEnd(8), ((100 * gf) / peak).toFixed(0) + '%');
    }
  if (!only || only === 'causal')
    for (const S of [1024, 2048]) {
      const ms = time(1, 8, 8, S, S, 64, { causal: true });
      const gf = (2 * 8 * S * S * 128) / 2 / ms / 1e6;
      console.log(`causal S=${S}`.padEnd(34), String(threads).padEnd(5), ms.toFixed(2).padEnd(9), gf.toFixed(1).padEnd(8), ((100 * gf) / peak).toFixed(0) + '%');
    }
  if (!only || only === 'decode')
    for (const [Hq, Hkv, Lk] of [[32, 32, 2048], [32, 8, 4096]]) {
      const ms = time(1, Hq, Hkv, 1, Lk, 128, {}, 10);
      const gbs = (2 * Hkv * Lk * 128 * 4) / ms / 1e6;
      console.log(`decode Hq=${Hq} Hkv=${Hkv} Lk=${Lk} D=128`.padEnd(34), String(threads).padEnd(5), ms.toFixed(3).padEnd(9), ''.padEnd(8), '', gbs.toFixed(1), `(${((100 * gbs) / BW).toFixed(0)}% of 1-core bw)`);
    }
}
