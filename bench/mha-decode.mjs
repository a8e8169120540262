// One decode step of a LLaMA-size attention layer (issue 22): `MultiHeadAttention.forward` on one new token
// per sequence with a KVCache, E = 4096, 32 query heads, 8 kv heads (D = 128), RoPE, causal, float32
// cache prefilled to 2048 positions (random keys and values appended directly) and truncated back to
// 2048 after every step. Beside the step, in the same rounds: the four projections alone
// (`linear` on the same weights and shapes) and the attention alone (scaledDotProductAttention over the
// cache, as the layer calls it). The bound is the bytes a step must read (the four weight matrices, the
// 2049 cached keys and values it attends to, biases) over the read bandwidth probed in the same run
// (the probe is a best-of figure: the tables also give each call's fastest run against it).
//   `npm run bench -- --only mha-decode`: rows in the common table (GB/s = bytes read / time, % bw);
//   `node bench/mha-decode.mjs [--rounds 45] [--batch 1,4]`: the split table with the bounds;
//   `node bench/mha-decode.mjs --gqa-rows`: the attention alone with 1, 2, 4 query rows per kv head.
import { fileURLToPath } from 'node:url';
import { attnkit, threadCounts, useThreads } from './lib/attnkit.mjs';
import { cores, describeMachine, mergeMachine, probeMachine } from './lib/machine.mjs';
import { loadProbes } from './lib/probes.mjs';
import { median } from './lib/timing.mjs';

export const name = 'mha-decode';

const E = 4096;
const HQ = 32;
const HKV = 8;
const D = E / HQ;
const CACHE = 2048;

/** Floats a decode step of `batch` sequences must read: weights, biases, and the K/V it attends to. */
export function stepBytes(batch, cacheLen = CACHE + 1) {
  const qw = HQ * D;
  const kvw = HKV * D;
  const weights = E * qw + 2 * E * kvw + qw * E; // Wq, Wk, Wv, Wo
  const biases = qw + 2 * kvw + E;
  const kv = batch * 2 * cacheLen * kvw;
  const x = batch * (E + qw + 2 * kvw + qw); // the inputs of the four projections: negligible
  return {
    linear: 4 * (weights + biases + x),
    attention: 4 * (kv + batch * 2 * qw),
    total: 4 * (weights + biases + kv + x),
  };
}

const random = (n, seed) => {
  let s = seed >>> 0 || 1;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    a[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return a;
};

/** The layer, cache and inputs of one batch size, and the three timed calls. */
export function setup(
  batch,
  mha = new attnkit.MultiHeadAttention({ embedDim: E, numHeads: HQ, numKvHeads: HKV, seed: 1 }),
) {
  const cache = new attnkit.KVCache({ batch, kvHeads: HKV, headDim: D, maxLength: CACHE + 1 });
  const fill = (seed) => ({ data: random(batch * HKV * CACHE * D, seed), shape: [batch, HKV, CACHE, D] });
  cache.append(fill(2), fill(3));
  const back = new Int32Array(batch).fill(CACHE);
  const counts = new Int32Array(batch).fill(1);
  const x = { data: random(batch * E, 4), shape: [batch, 1, E] };
  const out = { data: new Float32Array(batch * E), shape: [batch, 1, E] };
  const opts = { cache, counts, causal: true, positional: { type: 'rope' }, out };
  const step = () => {
    mha.forward(x, undefined, undefined, opts);
    cache.truncate(back);
  };

  // The projections as forward runs them: three views of in_proj_weight, then out_proj.
  const p = mha.parameters();
  const qw = HQ * D;
  const kvw = HKV * D;
  const rows = (w, from, n, width) => ({ data: w.subarray(from * width, (from + n) * width), shape: [n, width] });
  const vec = (b, from, n) => ({ data: b.subarray(from, from + n), shape: [n] });
  const buf = (n) => ({ data: new Float32Array(batch * n), shape: [batch, 1, n] });
  const [yq, yk, yv, yo] = [buf(qw), buf(kvw), buf(kvw), buf(E)];
  const attnIn = { data: random(batch * qw, 5), shape: [batch, 1, qw] };
  const projections = [
    [x, rows(p.in_proj_weight, 0, qw, E), vec(p.in_proj_bias, 0, qw), yq],
    [x, rows(p.in_proj_weight, qw, kvw, E), vec(p.in_proj_bias, qw, kvw), yk],
    [x, rows(p.in_proj_weight, qw + kvw, kvw, E), vec(p.in_proj_bias, qw + kvw, kvw), yv],
    [attnIn, { data: p['out_proj.weight'], shape: [E, qw] }, { data: p['out_proj.bias'], shape: [E] }, yo],
  ];
  const linear = () => {
    for (const [input, w, b, y] of projections) attnkit.linear(input, w, b, { out: y });
  };

  // The attention as attendCached calls it for one new token: q [B, Hq, 1, D] over the 2049 held positions.
  const q = { data: random(batch * qw, 6), shape: [batch, HQ, 1, D] };
  const o = { data: new Float32Array(batch * qw), shape: [batch, HQ, 1, D] };
  const kvLengths = new Int32Array(batch).fill(CACHE + 1);
  const attention = () =>
    attnkit.scaledDotProductAttention(q, cache.keys, cache.values, { causal: true, layout: 'bhsd', kvLengths, out: o });

  return { mha, step, linear, attention };
}

/**
 * Times, `rounds` times over, the step, then the projections, then the attention twice: the first call
 * follows the projections (whose 168 MB of weights pass through the L3, as in a step: the cache is
 * read from memory), the second repeats it at once (the cache's 16.8 MB per sequence may then still
 * sit in the 32 MiB L3). One { batch, threads, step, linear, attention, attentionWarm } of
 * { median, min, runs } (ms) per batch and thread count, and bwRounds: with probeBw(threads) (the read
 * probe), the median of its GB/s taken every 5th round among the calls.
 */
export function measure({ batches = [1, 4], threads = [1, 2], rounds = 45, warmup = 3, probeBw = null } = {}) {
  const out = [];
  let mha;
  for (const batch of batches) {
    const s = setup(batch, mha);
    mha = s.mha;
    for (const t of threads) {
      const got = useThreads(t);
      const fns = [s.step, s.linear, s.attention, s.attention];
      const times = fns.map(() => []);
      const bw = [];
      for (let r = -warmup; r < rounds; r++) {
        fns.forEach((fn, i) => {
          const t0 = process.hrtime.bigint();
          fn();
          if (r >= 0) times[i].push(Number(process.hrtime.bigint() - t0) / 1e6);
        });
        // Every 5th round, the read probe among the calls: the bandwidth of the same moments, load included.
        if (probeBw && r >= 0 && r % 5 === 0) bw.push(probeBw(t));
      }
      const [step, linear, attention, attentionWarm] = times.map((x) => ({
        median: median(x),
        min: Math.min(...x),
        runs: x.length,
      }));
      out.push({
        batch,
        threads: got,
        step,
        linear,
        attention,
        attentionWarm,
        bwRounds: bw.length ? median(bw) : undefined,
      });
    }
  }
  return out;
}

const label = (batch) => `E ${E}, ${HQ}/${HKV} heads, B ${batch}, cache ${CACHE}`;

/** `npm run bench`'s rows: the step, linear and attention each against their own bytes (GB/s, % bw). */
export function run(ctx) {
  const info = attnkit.backendInfo();
  const rows = [];
  for (const m of measure({ batches: ctx.quick ? [1] : [1, 4], threads: ctx.threads, rounds: ctx.quick ? 9 : 45 })) {
    const bytes = stepBytes(m.batch);
    for (const [part, key, t] of [
      ['step', 'total', m.step],
      ['linear ×4', 'linear', m.linear],
      ['attention', 'attention', m.attention],
    ]) {
      const row = {
        scenario: name,
        shape: `${label(m.batch)}: ${part}`,
        backend: info.backend,
        simd: info.simd,
        threads: m.threads,
        ms: t.median,
        min: t.min,
        runs: t.runs,
      };
      // % bw (from the probes at the end of the run) = the bound (bytes / read bandwidth) over the time.
      row.gbps = bytes[key] / (t.median * 1e6);
      row.note = `reads ${(bytes[key] / 1e6).toFixed(1)} MB`;
      rows.push(row);
    }
  }
  return rows;
}

function main() {
  const argv = process.argv.slice(2);
  const arg = (k, d) => (argv.includes(`--${k}`) ? argv[argv.indexOf(`--${k}`) + 1] : d);
  const batches = String(arg('batch', '1,4')).split(',').map(Number);
  const rounds = Math.max(9, Number(arg('rounds', 45)));
  const threads = threadCounts(cores());
  const machine = probeMachine(threads);
  const info = attnkit.backendInfo();
  console.log(`attnkit ${info.version}: backend ${info.backend}, simd ${info.simd}; ${describeMachine(machine)}`);
  const addon = loadProbes();
  const results = measure({ batches, threads, rounds, probeBw: addon ? (t) => addon.probeReadBandwidth(t) : null });
  mergeMachine(machine, probeMachine(threads));
  console.log(`probes, best of start and end: ${describeMachine(machine)}`);
  console.log(
    `medians of ${rounds} rounds (step, linear ×4, attention, attention again); bound = bytes read / read bandwidth of the same thread count (best-of probe); bw in the rounds: median of the probe run every 5th round\n`,
  );
  console.log(
    '| B | thr | step ms/token | linear ×4 ms | attention ms (warm L3) | other ms | bytes MB (linear + attn) | bw GB/s | bound ms | step / bound (min / bound) | linear / its bound (min) | attn / its bound (min) | bw in the rounds GB/s | step / bound at it |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const f = (x, d = 2) => x.toFixed(d);
  for (const m of results) {
    const b = stepBytes(m.batch);
    const bw = machine.bw[m.threads];
    const bound = (n) => n / (bw * 1e6);
    const other = m.step.median - m.linear.median - m.attention.median;
    console.log(
      `| ${m.batch} | ${m.threads} | ${f(m.step.median)} | ${f(m.linear.median)} | ${f(m.attention.median)} (${f(m.attentionWarm.median)}) | ${f(other)} | ${f(b.total / 1e6, 1)} (${f(b.linear / 1e6, 1)} + ${f(b.attention / 1e6, 1)}) | ${f(bw, 1)} | ${f(bound(b.total))} | ${f(m.step.median / bound(b.total))} (${f(m.step.min / bound(b.total))}) | ${f(m.linear.median / bound(b.linear))} (${f(m.linear.min / bound(b.linear))}) | ${f(m.attention.median / bound(b.attention))} (${f(m.attention.min / bound(b.attention))}) | ${m.bwRounds ? f(m.bwRounds, 1) : '–'} | ${m.bwRounds ? f((m.step.median * m.bwRounds * 1e6) / b.total) : '–'} |`,
    );
  }
  console.log(
    `\nper token (B > 1: the step's time / B): ${results.map((m) => `B ${m.batch} thr ${m.threads}: ${f(m.step.median / m.batch)} ms`).join('; ')}`,
  );
}

/**
 * `--gqa-rows`: the attention alone over the same K/V (8 kv heads, 2049 positions, D = 128, bhsd) with
 * 8, 16 and 32 query heads (1, 2, 4 rows per kv head), in rounds, each call warm (repeated) and cold
 * (after a 128 MiB linear() has pushed the K/V out of the L3): the bytes are the same, so a gap between
 * the rows is time spent beside the read.
 */
function gqaRows(threads, rounds) {
  const L = CACHE + 1;
  const k = { data: random(HKV * L * D, 7), shape: [1, HKV, L, D] };
  const v = { data: random(HKV * L * D, 8), shape: [1, HKV, L, D] };
  const call = (hq) => {
    const q = { data: random(hq * D, 9), shape: [1, hq, 1, D] };
    const o = { data: new Float32Array(hq * D), shape: [1, hq, 1, D] };
    return () => attnkit.scaledDotProductAttention(q, k, v, { out: o });
  };
  const ev = { x: { data: random(E, 10), shape: [1, E] }, w: { data: random(E * 2 * E, 11), shape: [2 * E, E] } };
  const heads = [8, 16, 32];
  const fns = heads.map(call);
  console.log('\n| thr | K/V | Hq 8 (1 row per kv head) ms | Hq 16 (2 rows) ms | Hq 32 (4 rows) ms | 4 rows / 1 row |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const t of threads) {
    useThreads(t);
    for (const cold of [false, true]) {
      const times = fns.map(() => []);
      for (let r = -3; r < rounds; r++)
        fns.forEach((fn, i) => {
          if (cold) attnkit.linear(ev.x, ev.w);
          const t0 = process.hrtime.bigint();
          fn();
          if (r >= 0) times[i].push(Number(process.hrtime.bigint() - t0) / 1e6);
        });
      const m = times.map(median);
      console.log(
        `| ${t} | ${cold ? 'cold' : 'warm'} | ${m.map((x, i) => `${x.toFixed(2)} (min ${Math.min(...times[i]).toFixed(2)})`).join(' | ')} | ${(m[2] / m[0]).toFixed(2)} |`,
      );
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--gqa-rows')) gqaRows(threadCounts(cores()), 60);
  else main();
}
