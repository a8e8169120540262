// `node bench/event-loop.mjs [--runs N] [--ms T]`: event-loop delay (perf_hooks.monitorEventLoopDelay,
// 1 ms resolution) while attention calls of about T ms (default 100) run, async against sync, at 1 and 2
// threads, on the backend attnkit picks (ATTNKIT_BACKEND=js for the JavaScript one). Prints the call's
// median time and the delay's p50 / p99 / max over N calls (default 9) of each kind.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { attnkit, threadCounts, useThreads } from './lib/attnkit.mjs';
import { cores } from './lib/machine.mjs';
import { median } from './lib/timing.mjs';

const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const runs = arg('--runs', 9);
const targetMs = arg('--ms', 100);
const H = 4;
const D = 64;

function inputs(L) {
  const t = () => ({ data: Float32Array.from({ length: H * L * D }, () => Math.random() - 0.5), shape: [1, H, L, D] });
  return { q: t(), k: t(), v: t() };
}

/** A sequence length whose sync call takes at least targetMs. */
function calibrate() {
  for (let L = 64; ; L = Math.ceil(L * 1.25)) {
    const { q, k, v } = inputs(L);
    attnkit.scaledDotProductAttention(q, k, v); // warm-up (the JS backend's JIT)
    const t0 = performance.now();
    attnkit.scaledDotProductAttention(q, k, v);
    if (performance.now() - t0 >= targetMs || L >= 1 << 14) return L;
  }
}

async function measure(kind, x) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  const times = [];
  const timer = setInterval(() => {}, 1);
  h.enable();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    if (kind === 'async') await attnkit.scaledDotProductAttentionAsync(x.q, x.k, x.v);
    else {
      attnkit.scaledDotProductAttention(x.q, x.k, x.v);
      await new Promise((r) => setImmediate(r));
    }
    times.push(performance.now() - t0);
  }
  h.disable();
  clearInterval(timer);
  const ms = (ns) => (ns / 1e6).toFixed(1);
  return { call: median(times).toFixed(1), p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
}

const info = attnkit.backendInfo();
console.log(`backend ${info.backend}${info.simd ? `/${info.simd}` : ''}, ${cores()} cores, Node ${process.version}`);
console.log('| threads | call | call ms (median) | loop delay p50 ms | p99 ms | max ms |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const t of threadCounts(cores())) {
  useThreads(t);
  const x = inputs(calibrate());
  for (const kind of ['async', 'sync']) {
    const r = await measure(kind, x);
    console.log(`| ${t} | ${kind} (L = ${x.q.shape[2]}) | ${r.call} | ${r.p50} | ${r.p99} | ${r.max} |`);
  }
}
