// Times attnkit on one shape and turns the time into the table's figures.
import { attnkit, useThreads } from './attnkit.mjs';
import { flops, kvBytes, label, sdpaRunner } from './shapes.mjs';
import { timeSync } from './timing.mjs';

/** GFLOP/s, % of peak, and for decode GB/s and % of bandwidth, from a median time. */
export function derive(row, s, machine, { decode = false } = {}) {
  row.shape = label(s);
  row.gflops = flops(s) / (row.ms * 1e6);
  const peak = machine?.peak?.[row.threads];
  if (peak) row.pctPeak = (100 * row.gflops) / peak;
  if (decode) {
    row.gbps = kvBytes(s) / (row.ms * 1e6);
    const bw = machine?.bw?.[row.threads];
    if (bw) row.pctBw = (100 * row.gbps) / bw;
  }
  return row;
}

/** Recomputes the percentages of rows after the machine's probes changed. */
export function applyMachine(rows, machine) {
  for (const r of rows) {
    const peak = machine.peak?.[r.threads];
    if (peak && Number.isFinite(r.gflops)) r.pctPeak = (100 * r.gflops) / peak;
    const bw = machine.bw?.[r.threads];
    if (bw && Number.isFinite(r.gbps)) r.pctBw = (100 * r.gbps) / bw;
  }
}

/** One attnkit call on shape s (inputs made once, output written in place), with `threads` threads. */
export function attnkitCall(s, threads) {
  const t = useThreads(threads);
  return { run: sdpaRunner(attnkit, s), threads: t };
}

/** Runs attnkit on shape s with `threads` threads: { ms, min, runs, backend, simd, threads }. */
export function timeAttnkit(s, { threads, runs, warmup }) {
  const call = attnkitCall(s, threads);
  const r = timeSync(call.run, { warmup, runs });
  const info = attnkit.backendInfo();
  return { ms: r.median, min: r.min, runs: r.runs, backend: info.backend, simd: info.simd, threads: call.threads };
}
