// Memory drift of a series of samples { t (s), ...metrics (bytes) }: the least-squares slope, the spread,
// and the growth between the medians of the first and last quarter (robust to a single GC spike).

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Least-squares slope of y over t, in y's unit per second; 0 for fewer than 2 points. */
export function slope(ts, ys) {
  const n = ts.length;
  if (n < 2) return 0;
  const mt = ts.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (ts[i] - mt) * (ys[i] - my);
    den += (ts[i] - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** { slopePerMin, spread, growth, first, last } of metric `key` (bytes) over samples (t in seconds). */
export function drift(samples, key) {
  const ts = samples.map((s) => s.t);
  const ys = samples.map((s) => s[key]);
  const q = Math.max(1, Math.floor(ys.length / 4));
  const first = median(ys.slice(0, q));
  const last = median(ys.slice(-q));
  return {
    slopePerMin: slope(ts, ys) * 60,
    spread: Math.max(...ys) - Math.min(...ys),
    growth: last - first,
    first,
    last,
  };
}
