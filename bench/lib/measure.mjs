// Times attnkit on one shape and turns the time into the table's figures.
import { attnkit, useThreads } from './attnkit.mjs';
import { flops, kvBytes, label, sdpaRunner } from './shapes.mjs';
import { timeSync } from './timing.mjs';

/** GFLOP/s, % of peak, and for decode GB/s and % of bandwidth, from a median time. */
export function derive(row, s, machine, { decode = false } = {}) {
  row.shape = label(s);
  deriveFlops(row, flops(s), machine);
  if (decode) {
    row.gbps = kvBytes(s) / (row.ms * 1e6);
    const bw = machine?.bw?.[row.threads];
    if (bw) row.pctBw = (100 * row.gbps) / bw;
  }
  return row;
}

/** GFLOP/s and % of peak of a row whose median time (row.ms) did `work` flops. */
export function deriveFlops(row, work, machine) {
  row.gflops = work / (row.ms * 1e6);
  const peak = machine?.peak?.[row.threads];
  if (peak) row.pctPeak = (100 * row.gflops) / peak;
  return row;
}

/**
 * A peer's row gets attnkit's side of the same alternating rounds: its median (attnkitMs), the ratio
 * peer / attnkit, and attnkit's GFLOP/s (and GB/s) with their % of the machine's peak, from the same work
 * as the peer's row.
 */
export function addAttnkitSide(row, attnkitMs, machine) {
  row.attnkitMs = attnkitMs;
  row.ratio = row.ms / attnkitMs;
  row.attnkitGflops = (row.gflops * row.ms) / attnkitMs;
  if (Number.isFinite(row.gbps)) row.attnkitGbps = (row.gbps * row.ms) / attnkitMs;
  applyMachine([row], machine);
  return row;
}

/** Recomputes the percentages of rows (and of their attnkit side) after the machine's probes changed. */
export function applyMachine(rows, machine) {
  const pct = (x, of) => (of && Number.isFinite(x) ? (100 * x) / of : undefined);
  for (const r of rows) {
    const peak = machine?.peak?.[r.threads];
    const bw = machine?.bw?.[r.threads];
    for (const [key, x, of] of [
      ['pctPeak', r.gflops, peak],
      ['pctBw', r.gbps, bw],
      ['attnkitPctPeak', r.attnkitGflops, peak],
      ['attnkitPctBw', r.attnkitGbps, bw],
    ]) {
      const v = pct(x, of);
      if (v !== undefined) r[key] = v;
    }
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
