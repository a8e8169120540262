// `node bench/half-kv.mjs [--runs N] [--shape B,Hq,Hkv,Lk,D]`: one decode step (one query row per head)
// from a float32, a float16 and a bfloat16 cache of the same values, alternated in one run. Decode reads K
// and V once, so half-width caches should take about half the time: reported are the medians, the speedup
// over float32, and GB/s on the bytes actually read (K and V at their width) as % of the read probe's
// median pass (alternated with the calls) and of its best pass (the machine line), and against a pure
// read of the same K and V bytes, head by head (needs `npm run build:probes`; without it those columns
// are left blank).
import os from 'node:os';
import { attnkit, threadCounts, useThreads } from './lib/attnkit.mjs';
import { cores, describeMachine, probeMachine } from './lib/machine.mjs';
import { readYardsticks, rowSpan } from './lib/read-ceiling.mjs';
import { median, timeRounds } from './lib/timing.mjs';

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
console.log(
  '| threads | cache | ms | × float32 | MB read | GB/s | % of read probe (median pass) | % (best pass) | × pure read |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
const names = Object.keys(caches);
// Each cache's K and V, head by head, as the decode's tasks read them.
const spansOf = (n) => {
  const rowBytes = D * (n === 'float32' ? 4 : 2);
  const spans = [];
  for (let h = 0; h < B * Hkv; h++) for (const c of caches[n]) spans.push(rowSpan(c.data, h * Lk, Lk, rowBytes));
  return spans;
};
for (const t of threads) {
  useThreads(t);
  const reads = names.map((n) => readYardsticks(t, spansOf(n)));
  const times = timeRounds(
    [
      ...names.map((n) => () => attnkit.scaledDotProductAttention(q, caches[n][0], caches[n][1], { out })),
      ...(reads[0] ? [...reads.map((r) => r.spans), reads[0].pass] : []),
    ],
    { warmup: 3, runs, rounds: 6 },
  );
  const base = times[0].median;
  const bw = reads[0] ? median(reads[0].passes) : undefined;
  const pct = (gbs, of) => (of ? `${((100 * gbs) / of).toFixed(0)} %` : '–');
  names.forEach((n, i) => {
    const bytes = 2 * B * Hkv * Lk * D * (n === 'float32' ? 4 : 2);
    const gbs = bytes / (times[i].median * 1e6);
    const pure = reads[0] ? (times[i].median / times[names.length + i].median).toFixed(2) : '–';
    console.log(
      `| ${t} | ${n} | ${times[i].median.toFixed(2)} | ${(base / times[i].median).toFixed(2)} | ${(bytes / 1e6).toFixed(1)} | ${gbs.toFixed(1)} | ${pct(gbs, bw)} | ${pct(gbs, machine.bw[t])} | ${pure} |`,
    );
  });
  if (bw)
    console.log(
      `| ${t} | read probe | | | | ${bw.toFixed(1)} (median pass); ${machine.bw[t].toFixed(1)} (best) | | | |`,
    );
}
console.log(
  `load average after: ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')}`,
);
