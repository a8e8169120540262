// Quick kernel check: GFLOP/s of the native fused kernel on the issue's shapes, 1 and 2 threads.
// Flops = 2*B*Hq*Lq*Lk*(D+Dv) (half of it under causal at Lq = Lk); decode reports GB/s of K+V read.
// Usage: npm run build:ts && node bench/kernel-quick.mjs [--peak 102.4] [--bw 21.6] [--only prefill|causal|extras|decode]
//
// Figures from this machine are in bench/results/ (the percentages here are of --peak and --bw, not
// of a measured peak: use npm run bench for those).
import { createRequire } from 'node:module';
import { timeSync } from './lib/timing.mjs';
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

// Median and best of `runs` calls after one warm-up (bench/lib/timing.mjs, as npm run bench times).
function time(B, Hq, Hkv, Lq, Lk, D, opts, runs = 10) {
  const q = { data: rand(B * Hq * Lq * D), shape: [B, Hq, Lq, D] };
  const k = { data: rand(B * Hkv * Lk * D), shape: [B, Hkv, Lk, D] };
  const v = { data: rand(B * Hkv * Lk * D), shape: [B, Hkv, Lk, D] };
  const out = { data: new Float32Array(B * Hq * Lq * D), shape: [B, Hq, Lq, D] };
  const t = timeSync(() => scaledDotProductAttention(q, k, v, { ...opts, out }), { warmup: 1, runs });
  return { med: t.median, min: t.min };
}

function row(name, threads, t, mflop, peak) {
  const [a, b] = [mflop / t.med, mflop / t.min]; // MFLOP per ms = GFLOP/s
  console.log(
    name.padEnd(34),
    String(threads).padEnd(5),
    t.med.toFixed(2).padEnd(9),
    `${a.toFixed(1)}, ${b.toFixed(1)}`.padEnd(19),
    `${((100 * a) / peak).toFixed(0)}%, ${((100 * b) / peak).toFixed(0)}%`,
  );
}

const info = backendInfo();
console.log(`backend ${info.backend}, simd ${info.simd}; peak ${PEAK} GFLOP/s/core, bandwidth ${BW} GB/s (1 core)`);
console.log('case                              thr   ms(med)   GFLOP/s(med, best)  %peak(med, best)  GB/s(med, best)');
for (const threads of [1, 2]) {
  setNumThreads(threads);
  const peak = PEAK * threads;
  if (!only || only === 'prefill')
    for (const S of [512, 1024, 2048, 4096]) {
      for (const mask of ['none', 'bool', 'additive']) {
        if (mask !== 'none' && S !== 1024) continue;
        const opts =
          mask === 'bool'
            ? { mask: { data: new Uint8Array(S * S).fill(1), shape: [S, S] } }
            : mask === 'additive'
              ? { mask: { data: new Float32Array(S * S), shape: [S, S] } }
              : {};
        const t = time(1, 8, 8, S, S, 64, opts);
        row(`prefill S=${S}${mask === 'none' ? '' : ` ${mask} mask`}`, threads, t, (2 * 8 * S * S * 128) / 1e6, peak);
      }
    }
  if (!only || only === 'causal')
    for (const S of [1024, 2048]) {
      row(`causal S=${S}`, threads, time(1, 8, 8, S, S, 64, { causal: true }), (2 * 8 * S * S * 128) / 2 / 1e6, peak);
    }
  // The score options of issue 5 at S = 1024 (flops of the plain problem, so slower = lower GFLOP/s),
  // and a causal sliding window at S = 4096: blocks outside the window are skipped, so its time
  // should approach (window + block) / S of full causal.
  if (!only || only === 'extras') {
    const S = 1024;
    const flops = (2 * 8 * S * S * 128) / 1e6;
    const slopes = Array.from({ length: 8 }, (_, h) => 2 ** -(h + 1));
    const cases = [
      ['plain', {}],
      ['softcap 30', { softcap: 30 }],
      ['alibi', { alibiSlopes: slopes }],
      ['relative bias', { relativeBias: { data: rand(8 * (2 * S - 1)), shape: [8, 2 * S - 1] } }],
      ['sinks', { sinks: slopes }],
    ];
    for (const [name, opts] of cases) row(`S=${S} ${name}`, threads, time(1, 8, 8, S, S, 64, opts), flops, peak);
    const L = 4096;
    const full = time(1, 8, 8, L, L, 64, { causal: true });
    const win = time(1, 8, 8, L, L, 64, { causal: true, window: { left: 256 } });
    console.log(
      `causal S=${L}: full ${full.med.toFixed(2)} ms, window left=256 ${win.med.toFixed(2)} ms (${(full.med / win.med).toFixed(1)}x faster)`,
    );
  }
  if (!only || only === 'decode')
    for (const [Hq, Hkv, Lk] of [
      [32, 32, 2048],
      [32, 8, 4096],
    ]) {
      const t = time(1, Hq, Hkv, 1, Lk, 128, {}, 20);
      const bytes = (2 * Hkv * Lk * 128 * 4) / 1e6;
      const bw = BW * (threads === 1 ? 1 : 35.3 / 21.6); // issue 4: 21.6 GB/s on 1 core, 35.3 on 2
      const [a, b] = [bytes / t.med, bytes / t.min];
      console.log(
        `decode Hq=${Hq} Hkv=${Hkv} Lk=${Lk} D=128`.padEnd(34),
        String(threads).padEnd(5),
        t.med.toFixed(3).padEnd(9),
        ''.padEnd(19),
        ''.padEnd(17),
        `${a.toFixed(1)}, ${b.toFixed(1)} (${((100 * a) / bw).toFixed(0)}%, ${((100 * b) / bw).toFixed(0)}% of ${bw.toFixed(1)})`,
      );
    }
}
