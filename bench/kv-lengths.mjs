// `node bench/kv-lengths.mjs [--runs N] [--dtype float32|float16|bfloat16]`: batched decode of 8 sequences
// whose caches hold 100…4000 positions (GQA: 32 query heads, 8 kv heads, D = 128, cache padded to 4000),
// three ways in one run, alternated: kvLengths (padding never read), the same batch with a [B, 1, 1, Lk]
// boolean padding mask (every padded key read and masked), and the bound, the valid K/V bytes (at the
// cache's width: 2 bytes for float16 / bfloat16) over the read bandwidth probed now (needs
// `npm run build:probes`; without it the bound is left out).
import { attnkit, threadCounts, useThreads } from './lib/attnkit.mjs';
import { cores, describeMachine, probeMachine } from './lib/machine.mjs';
import { timeRounds } from './lib/timing.mjs';

const argv = process.argv.slice(2);
const runs = argv.includes('--runs') ? Number(argv[argv.indexOf('--runs') + 1]) : 30;
const dtype = argv.includes('--dtype') ? argv[argv.indexOf('--dtype') + 1] : 'float32';
if (!['float32', 'float16', 'bfloat16'].includes(dtype))
  throw new Error(`--dtype must be float32, float16 or bfloat16, got ${dtype}`);
const [B, Hq, Hkv, Lk, D] = [8, 32, 8, 4000, 128];
const lengths = Int32Array.from({ length: B }, (_, b) => Math.round(100 + (3900 * b) / (B - 1)));
const random = (n) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
const q = { data: random(B * Hq * D), shape: [B, Hq, 1, D] };
const cacheTensor = (data) => {
  const shape = [B, Hkv, Lk, D];
  if (dtype === 'float32') return { data, shape };
  return attnkit.tensor(dtype === 'float16' ? attnkit.toFloat16(data) : attnkit.toBFloat16(data), shape, dtype);
};
const k = cacheTensor(random(B * Hkv * Lk * D));
const v = cacheTensor(random(B * Hkv * Lk * D));
const mask = { data: new Uint8Array(B * Lk), shape: [B, 1, 1, Lk] };
for (let b = 0; b < B; b++) mask.data.fill(1, b * Lk, b * Lk + lengths[b]);

const threads = threadCounts(cores());
const machine = probeMachine(threads);
console.log(describeMachine(machine));
console.log(
  `decode B=${B}, Hq=${Hq}, Hkv=${Hkv}, D=${D}, ${dtype} cache ${Lk} with lengths ${Array.from(lengths).join(', ')}; medians of ${runs}`,
);
const validBytes = lengths.reduce((a, n) => a + 2 * Hkv * n * D * (dtype === 'float32' ? 4 : 2), 0);
console.log(
  '| threads | kvLengths ms | padded + mask ms | mask / kvLengths | bound ms (valid bytes / read GB/s) | kvLengths / bound |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const t of threads) {
  useThreads(t);
  const [withLengths, withMask] = timeRounds(
    [
      () => attnkit.scaledDotProductAttention(q, k, v, { kvLengths: lengths }),
      () => attnkit.scaledDotProductAttention(q, k, v, { mask }),
    ],
    { warmup: 3, runs, rounds: 6 },
  );
  const bw = machine.bw[t];
  const bound = bw ? (validBytes / (bw * 1e9)) * 1e3 : undefined;
  const f = (x) => (x === undefined ? '–' : x.toFixed(2));
  console.log(
    `| ${t} | ${f(withLengths.median)} | ${f(withMask.median)} | ${f(withMask.median / withLengths.median)} | ${f(bound)} | ${bound ? f(withLengths.median / bound) : '–'} |`,
  );
}
