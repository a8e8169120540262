// Axis scales (linear or log10) and their ticks.

export interface AxisSpec {
  kind: 'linear' | 'log';
  min: number;
  max: number;
  label: string;
  /** Explicit tick positions; default: nice linear steps or powers of ten. */
  ticks?: number[];
}

export interface Scale {
  (v: number): number;
  ticks: number[];
}

/** Maps data to pixels: [min, max] -> [from, to]. */
export function makeScale(spec: AxisSpec, from: number, to: number): Scale {
  const f = spec.kind === 'log' ? Math.log10 : (v: number) => v;
  const a = f(spec.min);
  const b = f(spec.max);
  const scale = ((v: number) => from + ((f(v) - a) / (b - a)) * (to - from)) as Scale;
  scale.ticks = spec.ticks ?? (spec.kind === 'log' ? decadeTicks(spec.min, spec.max) : niceTicks(spec.min, spec.max));
  return scale;
}

export function decadeTicks(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(min) - 1e-9); e <= Math.floor(Math.log10(max) + 1e-9); e++) out.push(10 ** e);
  return out;
}

/** About five ticks at 1, 2 or 5 × 10^k steps. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step)
    out.push(Math.round(v / step) * step);
  return out;
}

/** Tick text: plain decimals, trimmed ("0.1", "1", "1000"). */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(6)));
}

/** The smallest power of ten at or below v, and the largest at or above. */
export function decadeBounds(min: number, max: number): [number, number] {
  return [10 ** Math.floor(Math.log10(min)), 10 ** Math.ceil(Math.log10(max))];
}
