// Runs one measurement in a fresh process and prints its result as one JSON line, for what must not
// share the parent's state: the JS backend (ATTNKIT_BACKEND=js is read once per process) and peak
// RSS (VmHWM only ever grows). Usage: node bench/lib/child.mjs '<spec json>'.
import fs from 'node:fs';
import { attnkit, useThreads } from './attnkit.mjs';
import { timeAttnkit } from './measure.mjs';
import { inputs } from './shapes.mjs';

const spec = JSON.parse(process.argv[2]);

/** Peak resident set (bytes) so far: VmHWM on Linux, else resourceUsage().maxRSS. */
function peakRss() {
  try {
    const m = /VmHWM:\s+(\d+)\s*kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

function memory(s) {
  const { tensor, scaledDotProductAttention, backendInfo } = attnkit;
  const threads = useThreads(spec.threads);
  const x = inputs(s);
  const q = tensor(x.q, [s.B, s.Hq, s.Lq, s.D]);
  const k = tensor(x.k, [s.B, s.Hkv, s.Lk, s.D]);
  const v = tensor(x.v, [s.B, s.Hkv, s.Lk, s.Dv]);
  const out = tensor(new Float32Array(s.B * s.Hq * s.Lq * s.Dv).fill(1), [s.B, s.Hq, s.Lq, s.Dv]);
  // Inputs and output are allocated and touched before the baseline: only the call's own memory counts.
  const before = peakRss();
  const t0 = process.hrtime.bigint();
  scaledDotProductAttention(q, k, v, { out });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const after = peakRss();
  const info = backendInfo();
  return { ms, runs: 1, rssGrowth: after - before, backend: info.backend, simd: info.simd, threads };
}

/**
 * Peak RSS growth of one backward call (lse recomputed inside it), inputs, out, dOut and gradients made
 * before. out holds stand-in values rather than a forward's (VmHWM would keep the forward's peak as the
 * baseline and hide anything below it); the call's memory does not depend on them.
 */
function backwardMemory(s) {
  const { tensor, scaledDotProductAttentionBackward, backendInfo } = attnkit;
  const threads = useThreads(spec.threads);
  const x = inputs(s);
  const q = tensor(x.q, [s.B, s.Hq, s.Lq, s.D]);
  const k = tensor(x.k, [s.B, s.Hkv, s.Lk, s.D]);
  const v = tensor(x.v, [s.B, s.Hkv, s.Lk, s.Dv]);
  const out = tensor(x.v.slice(0, s.B * s.Hq * s.Lq * s.Dv), [s.B, s.Hq, s.Lq, s.Dv]);
  const dOut = tensor(x.q.slice(0, out.data.length), out.shape);
  const grads = {
    dqOut: tensor(new Float32Array(q.data.length).fill(1), q.shape),
    dkOut: tensor(new Float32Array(k.data.length).fill(1), k.shape),
    dvOut: tensor(new Float32Array(v.data.length).fill(1), v.shape),
  };
  const before = peakRss();
  const t0 = process.hrtime.bigint();
  scaledDotProductAttentionBackward(dOut, q, k, v, out, null, grads);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const after = peakRss();
  const info = backendInfo();
  return { ms, runs: 1, rssGrowth: after - before, backend: info.backend, simd: info.simd, threads };
}

const result =
  spec.kind === 'memory'
    ? memory(spec.shape)
    : spec.kind === 'backward-memory'
      ? backwardMemory(spec.shape)
      : timeAttnkit(spec.shape, spec);
process.stdout.write(`${JSON.stringify(result)}\n`);
