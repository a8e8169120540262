// `node bench/kv-lengths.mjs [--runs N] [--dtype float32|float16|bfloat16]`: batched decode of 8 sequences
// whose caches hold 100…4000 positions (GQA: 32 query heads, 8 kv heads, D = 128, cache padded to 4000),
// alternated in one run: kvLengths (padding never read), the same batch with a [B, 1, 1, Lk] boolean
// padding mask (every padded key read and masked), a pure read of the valid K/V bytes (each sequence's
// k rows then v rows per kv head, as the kernel's tasks take them) and single passes of the read probe.
// The bound is the valid K/V bytes (at the cache's width: 2 bytes for float16 / bfloat16) over the
// probe's median pass; the machine line's best pass gives the stricter bound beside it. Needs
// `npm run build:probes`; without it the bound and the pure read are left out.
import { attnkit, threadCounts, useThreads } from './lib/attnkit.mjs';
import { cores, describeMachine, probeMachine } from './lib/machine.mjs';
import { readYardsticks, rowSpan } from './lib/read-ceiling.mjs';
import { median, timeRounds } from './lib/timing.mjs';

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
const elementBytes = dtype === 'float32' ? 4 : 2;
const validBytes = lengths.reduce((a, n) => a + 2 * Hkv * n * D * elementBytes, 0);
const spans = [];
for (let b = 0; b < B; b++)
  for (let h = 0; h < Hkv; h++)
    for (const cache of [k, v]) spans.push(rowSpan(cache.data, (b * Hkv + h) * Lk, lengths[b], D * elementBytes));
console.log(
  '| threads | kvLengths ms | padded + mask ms | mask / kvLengths | pure read ms | kvLengths / pure read | probe GB/s (median pass; best) | bound ms | kvLengths / bound | pure read / bound | kvLengths / bound (best pass) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
const f = (x) => (x === undefined ? '–' : x.toFixed(2));
for (const t of threads) {
  useThreads(t);
  const read = readYardsticks(t, spans);
  const [withLengths, withMask, pureRead] = timeRounds(
    [
      () => attnkit.scaledDotProductAttention(q, k, v, { kvLengths: lengths }),
      () => attnkit.scaledDotProductAttention(q, k, v, { mask }),
      ...(read ? [read.spans, read.pass] : []),
    ],
    { warmup: 3, runs, rounds: 6 },
  );
  const bw = read ? median(read.passes) : undefined;
  const bound = bw ? (validBytes / (bw * 1e9)) * 1e3 : undefined;
  const best = machine.bw[t] ? (validBytes / (machine.bw[t] * 1e9)) * 1e3 : undefined;
  const ratio = (x, y) => (x !== undefined && y ? f(x / y) : '–');
  console.log(
    `| ${t} | ${f(withLengths.median)} | ${f(withMask.median)} | ${f(withMask.median / withLengths.median)} | ${f(pureRead?.median)} | ${ratio(withLengths.median, pureRead?.median)} | ${bw ? `${bw.toFixed(1)}; ${machine.bw[t].toFixed(1)}` : '–'} | ${f(bound)} | ${ratio(withLengths.median, bound)} | ${ratio(pureRead?.median, bound)} | ${ratio(withLengths.median, best)} |`,
  );
}
