// The machine's own limits, measured now by the addon's probes: FMA peak (GFLOP/s) and read
// bandwidth (GB/s) per thread count. Percentages in the tables are relative to these.
import os from 'node:os';
import { loadAddonRaw } from './attnkit.mjs';

export function cores() {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** { peak: {t: GFLOP/s}, bw: {t: GB/s}, cpu, note } for each thread count in `threads`. */
export function probeMachine(threads) {
  const addon = loadAddonRaw();
  const m = { peak: {}, bw: {}, cpu: os.cpus()[0]?.model?.trim() ?? 'unknown', node: process.version, load: os.loadavg()[0], note: '' };
  if (!addon || typeof addon.probeFmaPeak !== 'function') {
    m.note = 'addon probes unavailable: % of peak and % of bandwidth left blank';
    return m;
  }
  // Best of three calls (each already best of four repeats): on a shared machine the least
  // disturbed run is the closest to what the hardware can do.
  const best = (f, t) => Math.max(f(t), f(t), f(t));
  for (const t of threads) {
    m.peak[t] = best(addon.probeFmaPeak, t);
    m.bw[t] = best(addon.probeReadBandwidth, t);
  }
  return m;
}

export function describeMachine(m) {
  const per = Object.keys(m.peak)
    .map((t) => `${t} thr: FMA peak ${m.peak[t].toFixed(1)} GFLOP/s, read ${m.bw[t].toFixed(1)} GB/s`)
    .join('; ');
  // The 1-minute load average says how shared the machine was while it ran.
  const load = os.loadavg()[0];
  return `${m.cpu}, ${cores()} cores, Node ${m.node}, load average ${load.toFixed(1)}${per ? `. Measured: ${per}` : ''}${m.note ? `. ${m.note}` : ''}`;
}

/** Keeps, per thread count, the better of two probe sets (start and end of a run): load from other
 *  processes only ever lowers a probe, so the higher figure is the closer to the hardware. */
export function mergeMachine(a, b) {
  for (const t of Object.keys(b.peak)) {
    a.peak[t] = Math.max(a.peak[t] ?? 0, b.peak[t]);
    a.bw[t] = Math.max(a.bw[t] ?? 0, b.bw[t]);
  }
  return a;
}
