// `node bench/half-kv.mjs [--runs N] [--shape B,Hq,Hkv,Lk,D]`: one decode step (one query row per head)
// from a float32, a float16 and a bfloat16 cache of the same values, alternated in one run. Decode reads K
// and V once, so half-width caches should take about half the time: reported are the medians, the speedup
// over float32, and GB/s on the bytes actually read (K and V at their width) beside the read bandwidth
// the probes measure now (needs `npm run build:probes`; without it the % column is left blank).
import os from 'node:os';
import { attnkit, threadCounts, useThreads } from './lib/attnkit.mjs';
import { cores, describeMachine, probeMachine } from './lib/machine.mjs';
import { timeRounds } from './lib/timing.mjs';

const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const runs = Number(arg('--runs', 30));
const [B, Hq, Hkv, Lk, D] = arg('--shape', '1,32,32,4096,128').split(',').map(Number);
const random = (n) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
const q = { data: random(B * Hq * D), shape: [B, Hq, 1, D] };
const kv = [B, Hkv, Lk, D];
const k32 = { data: random(B * Hkv * Lk * D), shape: kv };
const v32 = { data: random(B * Hkv * Lk * D), shape: kv };
const caches = {
  float32: [k32, v32],
  float16: [
    attnkit.tensor(attnkit.toFloat16(k32.data), kv, 'float16'),
    attnkit.tensor(attnkit.toFloat16(v32.data), kv, 'float16'),
  ],
  bfloat16: [
    attnkit.tensor(attnkit.toBFloat16(k32.data), kv, 'bfloat16'),
    attnkit.tensor(attnkit.toBFloat16(v32.data), kv, 'bfloat16'),
  ],
};
const out = { data: new Float32Array(B * Hq * D), shape: [B, Hq, 1, D] };

const threads = threadCounts(cores());
const machine = probeMachine(threads);
console.log(describeMachine(machine));
console.log(
  `decode (B, Hq, Hkv, Lq, Lk, D) = (${B}, ${Hq}, ${Hkv}, 1, ${Lk}, ${D}), ${attnkit.backendInfo().simd}; medians of ${runs}, dtypes alternated`,
);
console.log('| threads | cache | ms | × float32 | MB read | GB/s | % of read bandwidth |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const t of threads) {
  useThreads(t);
  const names = Object.keys(caches);
  const times = timeRounds(
    names.map((n) => () => attnkit.scaledDotProductAttention(q, caches[n][0], caches[n][1], { out })),
    { warmup: 3, runs, rounds: 6 },
  );
  const base = times[0].median;
  names.forEach((n, i) => {
    const bytes = 2 * B * Hkv * Lk * D * (n === 'float32' ? 4 : 2);
    const gbs = bytes / (times[i].median * 1e6);
    const pct = machine.bw[t] ? `${((100 * gbs) / machine.bw[t]).toFixed(0)} %` : '–';
    console.log(
      `| ${t} | ${n} | ${times[i].median.toFixed(2)} | ${(base / times[i].median).toFixed(2)} | ${(bytes / 1e6).toFixed(1)} | ${gbs.toFixed(1)} | ${pct} |`,
    );
  });
}
console.log(
  `load average after: ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')}`,
);
