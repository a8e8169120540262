// The machine's own limits, measured now by the addon's probes: FMA peak (GFLOP/s) at each vector
// width the CPU runs and read bandwidth (GB/s), per thread count. Percentages in the tables are
// relative to the widest width's peak (m.peak) and to m.bw.
import fs from 'node:fs';
import os from 'node:os';
import { loadProbes, probesError } from './probes.mjs';

/** Vector widths the FMA probe is asked for, widest first. */
export const FMA_WIDTHS = [512, 256];

export function cores() {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** { vendor, family } from the text of /proc/cpuinfo (its first processor), or null without a "cpu family" line. */
export function parseCpuFamily(cpuinfo) {
  const family = /^cpu family\s*:\s*(\d+)/m.exec(cpuinfo ?? '');
  if (!family) return null;
  const vendor = /^vendor_id\s*:\s*(\S+)/m.exec(cpuinfo)?.[1] ?? '';
  return { vendor, family: Number(family[1]) };
}

/** The CPU's family number on Linux (AMD 25 = Zen 3/4, 26 = Zen 5; Intel 6), else null. */
export function cpuFamily() {
  try {
    return parseCpuFamily(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.family ?? null;
  } catch {
    return null;
  }
}

/** "AMD EPYC (family 26)": the model name with the family number when there is one. */
export const cpuLabel = (model, family) =>
  family === null || family === undefined ? model : `${model} (family ${family})`;

/**
 * { peak: {t: GFLOP/s}, peak512: {t}, peak256: {t}, bw: {t: GB/s}, cpu, family, note } for each thread
 * count in `threads`. peak is the widest width's figure (the one every % uses); a width the CPU does not
 * run is absent (its object stays empty).
 */
export function probeMachine(threads) {
  const addon = loadProbes();
  const m = {
    peak: {},
    peak512: {},
    peak256: {},
    bw: {},
    cpu: os.cpus()[0]?.model?.trim() ?? 'unknown',
    family: cpuFamily(),
    node: process.version,
    load: os.loadavg()[0],
    note: '',
  };
  if (!addon || typeof addon.probeFmaPeak !== 'function') {
    m.note = `probes unavailable (${probesError}): % of peak and % of bandwidth left blank`;
    return m;
  }
  // Best of three calls (each already best of four repeats): on a shared machine the least
  // disturbed run is the closest to what the hardware can do.
  const best = (f) => Math.max(f(), f(), f());
  // An addon without the width argument would ignore it: then only the default (widest) figure is kept.
  const widths = probeTakesWidth(addon) ? FMA_WIDTHS : [];
  for (const t of threads) {
    for (const b of widths) {
      try {
        m[`peak${b}`][t] = best(() => addon.probeFmaPeak(t, b));
      } catch (err) {
        if (!(err instanceof RangeError)) throw err; // a width this build or CPU does not run
      }
    }
    const widest = widths.find((b) => m[`peak${b}`][t] !== undefined);
    m.peak[t] = widest ? m[`peak${widest}`][t] : best(() => addon.probeFmaPeak(t));
    m.bw[t] = best(() => addon.probeReadBandwidth(t));
  }
  return m;
}

/** True when the addon reads probeFmaPeak's width argument: it refuses a bad one before probing. */
function probeTakesWidth(addon) {
  try {
    addon.probeFmaPeak(1, 3);
    return false;
  } catch {
    return true;
  }
}

/** "FMA peak 210.3 GFLOP/s (512-bit; 256-bit 105.2)" for thread count t. */
export function describePeak(m, t) {
  const widths = FMA_WIDTHS.filter((b) => m[`peak${b}`]?.[t] !== undefined);
  if (!widths.length) return `FMA peak ${m.peak[t].toFixed(1)} GFLOP/s`;
  const [widest, ...rest] = widths;
  return `FMA peak ${m.peak[t].toFixed(1)} GFLOP/s (${widest}-bit${rest.map((b) => `; ${b}-bit ${m[`peak${b}`][t].toFixed(1)}`).join('')})`;
}

export function describeMachine(m) {
  const per = Object.keys(m.peak)
    .map((t) => `${t} thr: ${describePeak(m, t)}, read ${m.bw[t].toFixed(1)} GB/s`)
    .join('; ');
  // The 1-minute load average says how shared the machine was while it ran.
  const load = os.loadavg()[0];
  return `${cpuLabel(m.cpu, m.family)}, ${cores()} cores, Node ${m.node}, load average ${load.toFixed(1)}${per ? `. Measured: ${per}` : ''}${m.note ? `. ${m.note}` : ''}`;
}

/** Keeps, per thread count and width, the better of two probe sets (start and end of a run): load from
 *  other processes only ever lowers a probe, so the higher figure is the closer to the hardware. */
export function mergeMachine(a, b) {
  for (const key of ['peak', 'bw', ...FMA_WIDTHS.map((w) => `peak${w}`)])
    for (const t of Object.keys(b[key] ?? {})) {
      a[key] ??= {};
      a[key][t] = Math.max(a[key][t] ?? 0, b[key][t]);
    }
  return a;
}
