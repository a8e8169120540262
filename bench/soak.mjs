// `npm run soak`: a fixed-time mix of sync and async attention (many in flight), linear(), the layers,
// with and without `out`, refused calls and thread-count changes, sampling process.memoryUsage() after
// a forced GC. Fails when RSS or external memory grows after warm-up. Options:
//   --seconds N     run time (default 600; --ci, or CI set in the environment, 60)
//   --warmup N      seconds before the first sample counts (default max(10, 20 % of the run))
//   --json <file>   also write { machine, options, samples, drift, pass } as JSON
//   --seed N        the mix's random seed (default 1)
// Needs the built package (`npm run build`); re-runs itself under the Node flags it needs (NODE_FLAGS).
import fs from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { attnkit } from './lib/attnkit.mjs';
import { drift } from './lib/drift.mjs';

const MiB = 2 ** 20;
// Growth allowed after warm-up (last vs first quarter's median): clean runs stay under 1 MiB RSS and 0.3 MiB
// external; a retained typed array shows in external at once, a small native leak in RSS only once it
// has filled the heap's free space (minutes: valgrind, `npm run leak-check`, is the fine check).
export const BOUNDS = { rss: 4 * MiB, external: 1 * MiB };

export function parseArgs(argv, env = process.env) {
  const a = { seconds: env.CI ? 60 : 600, warmup: null, json: null, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const num = (name) => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`soak: ${name} needs a positive number, got ${argv[i]}`);
      return v;
    };
    if (argv[i] === '--seconds') a.seconds = num('--seconds');
    else if (argv[i] === '--warmup') a.warmup = num('--warmup');
    else if (argv[i] === '--seed') a.seed = num('--seed');
    else if (argv[i] === '--ci') a.seconds = 60;
    else if (argv[i] === '--json') {
      a.json = argv[++i];
      if (!a.json) throw new Error('soak: --json needs a file name');
    } else
      throw new Error(`soak: unknown argument ${argv[i]} (use --seconds N, --warmup N, --json <file>, --seed N, --ci)`);
  }
  a.warmup ??= Math.max(10, a.seconds * 0.2);
  if (a.warmup >= a.seconds) throw new Error(`soak: --warmup ${a.warmup} leaves no time to measure in ${a.seconds} s`);
  return a;
}

// mulberry32, as test/helpers/random.ts: a replayable mix.
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeMix(seed) {
  const {
    scaledDotProductAttention: sdpa,
    scaledDotProductAttentionAsync: sdpaAsync,
    linear,
    MultiHeadAttention,
    SelfAttention,
    selfAttention,
    setNumThreads,
  } = attnkit;
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const filled = (n) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
    return a;
  };
  const count = { sync: 0, async: 0, linear: 0, layer: 0, refused: 0, checked: 0 };

  // One attention call's arguments: fresh inputs (as a server's requests bring) and varied options.
  function sdpaArgs() {
    const Hkv = pick([1, 2, 4]);
    const Hq = Hkv * pick([1, 2]);
    const [B, Lq, Lk, D, Dv] = [
      pick([1, 2]),
      pick([1, 7, 32, 100]),
      pick([16, 64, 200]),
      pick([16, 32, 64]),
      pick([16, 64]),
    ];
    const bshd = r() < 0.3;
    const dims = (H, L, d) => (bshd ? [B, L, H, d] : [B, H, L, d]);
    const t = (H, L, d) => ({ data: filled(B * H * L * d), shape: dims(H, L, d) });
    const options = { layout: bshd ? 'bshd' : 'bhsd' };
    if (r() < 0.4) options.causal = true;
    if (r() < 0.2)
      options.mask = { data: new Uint8Array(Lq * Lk).map((_, i) => (i % 7 ? 1 : 0)), shape: [1, 1, Lq, Lk] };
    else if (r() < 0.1) options.mask = { data: filled(Lk), shape: [1, 1, 1, Lk] };
    if (r() < 0.2) options.softcap = 30;
    if (r() < 0.2) options.window = { left: 16 };
    if (r() < 0.1) options.alibiSlopes = filled(Hq).map(Math.abs);
    if (r() < 0.1) options.sinks = filled(Hq);
    if (r() < 0.1) options.weightsOut = { data: new Float32Array(B * Hq * Lq * Lk), shape: [B, Hq, Lq, Lk] };
    if (r() < 0.5) options.out = { data: new Float32Array(B * Hq * Lq * Dv), shape: dims(Hq, Lq, Dv) };
    return [t(Hq, Lq, D), t(Hkv, Lk, D), t(Hkv, Lk, Dv), options];
  }

  const layers = [];
  const newLayers = () => {
    layers.length = 0;
    layers.push(new MultiHeadAttention({ embedDim: 64, numHeads: 4, seed: Math.floor(r() * 1e6) }));
    layers.push(new MultiHeadAttention({ embedDim: 128, numHeads: 8, numKvHeads: 2, seed: 2 }));
    layers.push(new SelfAttention({ embedDim: 96, numHeads: 6, seed: 3 }));
  };
  newLayers();

  async function round(n) {
    // Sync attention, then a batch of async calls all in flight at once.
    for (let i = 0; i < 4; i++, count.sync++) sdpa(...sdpaArgs());
    const batch = Array.from({ length: 4 + Math.floor(r() * 13) }, () => sdpaArgs());
    await Promise.all(batch.map((args) => sdpaAsync(...args)));
    count.async += batch.length;

    // linear(), with bias or without, into `out` or a new array.
    for (let i = 0; i < 3; i++, count.linear++) {
      const [rows, inF, outF] = [pick([1, 8, 64]), pick([32, 64, 128]), pick([16, 64, 256])];
      const bias = r() < 0.5 ? { data: filled(outF), shape: [outF] } : null;
      const out = r() < 0.5 ? { out: { data: new Float32Array(rows * outF), shape: [rows, outF] } } : undefined;
      linear(
        { data: filled(rows * inF), shape: [rows, inF] },
        { data: filled(outF * inF), shape: [outF, inF] },
        bias,
        out,
      );
    }

    // The layers: MultiHeadAttention (self and cross), SelfAttention with padding, selfAttention().
    const [mha, gqa, self] = layers;
    const L = pick([1, 16, 48]);
    const x = { data: filled(2 * L * 64), shape: [2, L, 64] };
    const opts = { causal: r() < 0.5, needWeights: r() < 0.3 };
    if (r() < 0.3) opts.positional = pick([{ type: 'rope' }, { type: 'alibi' }]);
    if (r() < 0.5) opts.out = { data: new Float32Array(2 * L * 64), shape: [2, L, 64] };
    mha.forward(x, undefined, undefined, opts);
    const mem = { data: filled(2 * 40 * 128), shape: [2, 40, 128] };
    gqa.forward(
      { data: filled(2 * L * 128), shape: [2, L, 128] },
      mem,
      mem,
      r() < 0.5 ? { out: { data: new Float32Array(2 * L * 128), shape: [2, L, 128] } } : {},
    );
    const padded = { data: filled(3 * 20 * 96), shape: [3, 20, 96] };
    self.forward(padded, { lengths: [20, 11, 3], causal: r() < 0.5 });
    selfAttention(padded, { lengths: [20, 5, 1] });
    count.layer += 4;

    // A refused call (error path) and, now and then, new layers and another thread count.
    try {
      sdpa(
        { data: filled(8), shape: [1, 1, 2, 4] },
        { data: filled(12), shape: [1, 1, 3, 4] },
        { data: filled(6), shape: [1, 1, 2, 3] },
      );
    } catch {
      count.refused++;
    }
    if (n % 50 === 49) newLayers();
    if (n % 200 === 199) setNumThreads(1 + (n % 400 < 200 ? 0 : 1));

    // Now and then an async call must equal the sync one bit for bit.
    if (n % 20 === 0) {
      const [q, k, v, o] = sdpaArgs();
      delete o.out;
      delete o.weightsOut;
      const a = sdpa(q, k, v, o).data;
      const b = (await sdpaAsync(q, k, v, o)).data;
      if (!a.every((y, i) => Object.is(y, b[i]))) throw new Error('soak: an async result differs from the sync one');
      count.checked++;
    }
  }
  return {
    round,
    count,
    restoreThreads: (
      (n) => () =>
        setNumThreads(n)
    )(attnkit.getNumThreads()),
  };
}

// V8 frees the backing stores of collected ArrayBuffers after the GC, off the main thread: a second GC a
// few ms later finds them gone, so external memory is what is still referenced.
async function sample(t, calls) {
  if (globalThis.gc) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
    globalThis.gc();
  }
  const m = process.memoryUsage();
  return {
    t,
    calls,
    rss: m.rss,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
  };
}

const mib = (b) => (b / MiB).toFixed(1);
const signedMib = (b) => `${b >= 0 ? '+' : ''}${(b / MiB).toFixed(2)}`;

export async function soak(args) {
  const mix = makeMix(args.seed);
  const total = () => Object.values(mix.count).reduce((a, b) => a + b, 0);
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const every = Math.min(10, Math.max(0.5, (args.seconds - args.warmup) / 60));
  const samples = [];
  let next = args.warmup;
  for (let n = 0; elapsed() < args.seconds; n++) {
    await mix.round(n);
    if (elapsed() >= next) {
      samples.push(await sample(elapsed(), total()));
      next += every;
    }
  }
  mix.restoreThreads();
  if (samples.length < 2) throw new Error(`soak: ${samples.length} sample(s) after warm-up; give it more --seconds`);
  const rate = (samples.at(-1).calls - samples[0].calls) / (samples.at(-1).t - samples[0].t || 1);
  const d = Object.fromEntries(
    ['rss', 'external', 'arrayBuffers', 'heapTotal', 'heapUsed'].map((k) => [k, drift(samples, k)]),
  );
  const pass = d.rss.growth <= BOUNDS.rss && d.external.growth <= BOUNDS.external;
  return { samples, drift: d, pass, rate, counts: { ...mix.count }, seconds: elapsed() };
}

function report(args, r) {
  const info = attnkit.backendInfo();
  console.log(
    `attnkit ${info.version} soak: backend ${info.backend}, simd ${info.simd}, ${os.cpus()[0]?.model?.trim()}, ${os.availableParallelism?.() ?? os.cpus().length} cores, Node ${process.version}`,
  );
  console.log(
    `${r.seconds.toFixed(0)} s, warm-up ${args.warmup} s, seed ${args.seed}; node ${process.execArgv.join(' ')}, MALLOC_MMAP_THRESHOLD_=${process.env.MALLOC_MMAP_THRESHOLD_ ?? '(glibc dynamic)'}`,
  );
  console.log(
    `calls: ${Object.entries(r.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; ${r.rate.toFixed(0)} calls/s after warm-up\n`,
  );
  // About 20 rows whatever the run's length.
  const step = Math.max(1, Math.round(r.samples.length / 20));
  const rows = r.samples.filter((_, i) => i % step === 0 || i === r.samples.length - 1);
  console.log('| t s | calls | rss MiB | external MiB | arrayBuffers MiB | heapTotal MiB | heapUsed MiB |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of rows)
    console.log(
      `| ${s.t.toFixed(0)} | ${s.calls} | ${mib(s.rss)} | ${mib(s.external)} | ${mib(s.arrayBuffers)} | ${mib(s.heapTotal)} | ${mib(s.heapUsed)} |`,
    );
  console.log('\n| metric | slope MiB/min | max − min MiB | growth MiB (last − first quarter) | bound MiB |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [k, v] of Object.entries(r.drift))
    console.log(
      `| ${k} | ${signedMib(v.slopePerMin)} | ${mib(v.spread)} | ${signedMib(v.growth)} | ${BOUNDS[k] ? mib(BOUNDS[k]) : ''} |`,
    );
  console.log(
    `\n${r.pass ? 'PASS' : 'FAIL'}: growth after warm-up within ${mib(BOUNDS.rss)} MiB RSS and ${mib(BOUNDS.external)} MiB external`,
  );
}

// What the samples need, so that RSS follows live memory: gc() to sample after a collection; V8's young
// generation at its full size from the start (it otherwise doubles in steps up to 2 x 16 MiB: 8-16 MiB
// jumps in RSS); glibc's mmap threshold fixed at its default 128 KiB (it otherwise rises with the
// largest freed block, and the typed arrays above it then fragment the heap: RSS crept ~2 MiB/min here).
const NODE_FLAGS = ['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16'];
const MMAP_THRESHOLD = '131072';

// Run when executed, not when imported (test/bench imports drift.mjs only); re-run under NODE_FLAGS.
const main = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (main && !NODE_FLAGS.every((f) => process.execArgv.includes(f))) {
  const { spawnSync } = await import('node:child_process');
  const env = { ...process.env, MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? MMAP_THRESHOLD };
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, ...NODE_FLAGS, process.argv[1], ...process.argv.slice(2)],
    { stdio: 'inherit', env },
  );
  process.exit(r.status ?? 1);
} else if (main) {
  const args = parseArgs(process.argv.slice(2));
  const r = await soak(args);
  report(args, r);
  if (args.json) {
    const info = attnkit.backendInfo();
    const machine = {
      cpu: os.cpus()[0]?.model?.trim(),
      cores: os.availableParallelism?.() ?? os.cpus().length,
      node: process.version,
      backend: info.backend,
      simd: info.simd,
    };
    fs.writeFileSync(
      args.json,
      `${JSON.stringify({ date: new Date().toISOString(), machine, options: args, bounds: BOUNDS, ...r }, null, 1)}\n`,
    );
  }
  process.exitCode = r.pass ? 0 : 1;
}
