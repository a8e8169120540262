// The attention backward pass (scaledDotProductAttentionBackward) at S = 1024, 2048, 4096 with D = 64,
// non-causal and causal: GFLOP/s counting 2.5x the forward's flops (as FlashAttention does; halved
// under causal), % of the FMA peak probed in the same run, and (note) % of the probe run beside each call. Then PyTorch's CPU autograd of the same
// attention (backward only, on a retained graph: bench/peers/torch_backward.py), alternated with attnkit
// in rounds at the same thread count, at S = 1024 and 2048; and the peak RSS growth of one call at
// S = 16384 in a fresh child.
// lse comes from a forward with a sink of log(S) over v = 1 (out = L / (S + L), L = Σ exp(s)), close
// enough for timing: the kernel's time does not depend on the values.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { attnkit, useThreads } from './lib/attnkit.mjs';
import { addAttnkitSide, deriveFlops } from './lib/measure.mjs';
import { flops, inputs, label, randomData, shape } from './lib/shapes.mjs';
import { loadProbes } from './lib/probes.mjs';
import { runChild } from './lib/spawn.mjs';
import { median, timeSync } from './lib/timing.mjs';

export const name = 'backward';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TORCH = path.join(HERE, 'peers', 'torch_backward.py');

/** Heads per shape: fewer at longer S, so one call stays around a second on this 2-core machine. */
const HEADS = { 1024: 8, 2048: 4, 4096: 2 };

export const backwardFlops = (s) => 2.5 * flops(s);

/** One backward call on shape s: inputs, out, dOut and lse made once, gradients written in place. */
export function backwardRunner(s) {
  const { tensor, scaledDotProductAttention, scaledDotProductAttentionBackward } = attnkit;
  const x = inputs(s);
  const dims = (H, d) => [s.B, H, s.Lk, d];
  const q = tensor(x.q, [s.B, s.Hq, s.Lq, s.D]);
  const k = tensor(x.k, dims(s.Hkv, s.D));
  const v = tensor(x.v, dims(s.Hkv, s.Dv));
  const out = scaledDotProductAttention(q, k, v, { causal: s.causal });
  const ones = tensor(new Float32Array(s.B * s.Hkv * s.Lk).fill(1), dims(s.Hkv, 1));
  const sink = Math.log(s.Lk);
  const share = scaledDotProductAttention(q, k, ones, { causal: s.causal, sinks: new Float32Array(s.Hq).fill(sink) });
  const lse = tensor(
    Float32Array.from(share.data, (y) => sink + Math.log(y / (1 - y))),
    [s.B, s.Hq, s.Lq],
  );
  const dOut = tensor(randomData(out.data.length, 7), out.shape);
  const grads = {
    dqOut: tensor(new Float32Array(q.data.length), q.shape),
    dkOut: tensor(new Float32Array(k.data.length), k.shape),
    dvOut: tensor(new Float32Array(v.data.length), v.shape),
  };
  return () => scaledDotProductAttentionBackward(dOut, q, k, v, out, lse, { causal: s.causal, ...grads });
}

export function shapes(quick) {
  const sizes = quick ? [1024] : [1024, 2048, 4096];
  return sizes.flatMap((S) => [false, true].map((causal) => shape(1, HEADS[S], HEADS[S], S, S, 64, 64, causal)));
}

function torchAvailable() {
  const r = spawnSync('python3', ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0 ? null : (r.stderr || 'python3 failed').trim().split('\n').pop();
}

/** A running torch_backward.py for shape s: block(n) times n backward calls there. */
async function torchPeer(s, threads) {
  const py = spawn(
    'python3',
    [TORCH, JSON.stringify({ B: s.B, H: s.Hq, S: s.Lq, D: s.D, causal: s.causal, threads })],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = readline.createInterface({ input: py.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('bench: torch_backward.py ended early');
    return JSON.parse(value);
  };
  const ready = await next();
  return {
    version: ready.torch,
    async block(n) {
      py.stdin.write(`${n}\n`);
      return (await next()).times;
    },
    close: () => py.stdin.end(),
  };
}

/** attnkit and PyTorch alternately, `rounds` rounds of `perRound` calls each. */
async function versusTorch(s, threads, ctx, own) {
  const peer = await torchPeer(s, threads);
  const rounds = ctx.quick ? 2 : 5,
    perRound = ctx.quick ? 1 : 2; // prettier-ignore
  const peerTimes = [],
    ownTimes = []; // prettier-ignore
  await peer.block(1);
  own();
  for (let r = 0; r < rounds; r++) {
    peerTimes.push(...(await peer.block(perRound)));
    ownTimes.push(...timeSync(own, { warmup: 0, runs: perRound }).times);
  }
  peer.close();
  const row = {
    scenario: 'backward vs torch',
    backend: `torch ${peer.version}`,
    shape: label(s),
    threads,
    ms: median(peerTimes),
    runs: peerTimes.length,
  };
  deriveFlops(row, backwardFlops(s), ctx.machine);
  return addAttnkitSide(row, median(ownTimes), ctx.machine);
}

/**
 * Times `own` in rounds alternating with the FMA peak probe at the same thread count: the median over
 * rounds of (own's GFLOP/s / the probe's), a % of peak that a load burst moves on both sides alike.
 * Returns { ms: own's median, pct } (pct NaN without the probes).
 */
function timeWithProbe(own, work, threads, rounds) {
  const probes = loadProbes();
  own();
  const times = [],
    ratios = []; // prettier-ignore
  for (let r = 0; r < rounds; r++) {
    const before = probes ? probes.probeFmaPeak(threads) : NaN;
    const ms = timeSync(own, { warmup: 0, runs: 1 }).times[0];
    const after = probes ? probes.probeFmaPeak(threads) : NaN;
    times.push(ms);
    ratios.push((100 * work) / (ms * 1e6) / Math.max(before, after));
  }
  return { ms: median(times), min: Math.min(...times), runs: times.length, pct: median(ratios) };
}

export async function run(ctx) {
  const rows = [];
  const info = attnkit.backendInfo();
  for (const s of shapes(ctx.quick))
    for (const threads of ctx.threads) {
      const t = useThreads(threads);
      const r = timeWithProbe(backwardRunner(s), backwardFlops(s), t, ctx.quick ? 3 : 7);
      const row = deriveFlops(
        {
          scenario: name,
          shape: label(s),
          threads: t,
          ms: r.ms,
          min: r.min,
          runs: r.runs,
          backend: info.backend,
          simd: info.simd,
        },
        backwardFlops(s),
        ctx.machine,
      );
      if (Number.isFinite(r.pct))
        row.note = `${r.pct.toFixed(0)} % of the FMA peak probed beside each call (median over rounds)`;
      rows.push(row);
    }
  const missing = torchAvailable();
  if (missing) {
    console.log(`backward: PyTorch rows left out (python3 -c 'import torch': ${missing})`);
  } else {
    for (const s of shapes(ctx.quick).filter((x) => x.Lq <= 2048))
      for (const threads of ctx.threads) {
        const t = useThreads(threads);
        const row = await versusTorch(s, t, ctx, backwardRunner(s));
        row.note = `attnkit ${row.attnkitMs.toFixed(1)} ms, ${row.attnkitGflops.toFixed(1)} GFLOP/s (${row.attnkitPctPeak?.toFixed(0) ?? '?'} % peak) in the same rounds: torch / attnkit ${row.ratio.toFixed(2)}x`;
        rows.push(row);
      }
  }
  const big = shape(1, 1, 1, 16384, 16384, 64);
  const m = runChild({ kind: 'backward-memory', shape: big, threads: Math.max(...ctx.threads) });
  const row = deriveFlops({ scenario: 'backward memory', shape: label(big), ...m }, backwardFlops(big), ctx.machine);
  row.rssGrowthMiB = m.rssGrowth / 2 ** 20;
  row.note = `peak RSS growth ${row.rssGrowthMiB.toFixed(1)} MiB (1 run, lse recomputed)`;
  rows.push(row);
  return rows;
}
