// Median-of-runs timing. Warm-up runs first (page faults, caches, JIT), then `runs` timed calls; the
// median resists the noise of a machine shared with other work.

/** Times fn() `runs` times after `warmup` calls; returns { median, min, runs } in ms. */
export function timeSync(fn, { warmup = 2, runs = 10 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const t = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return summarize(t);
}

export async function timeAsync(fn, { warmup = 2, runs = 10 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const t = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return summarize(t);
}

/**
 * Times several functions alternately: `rounds` rounds, each giving every function one untimed call
 * and then its share of `runs` timed ones, so a load burst on a shared machine falls on all of them.
 * Returns one { median, min, runs, times } per function, in order.
 */
export function timeRounds(fns, { warmup = 2, runs = 10, rounds = 5 } = {}) {
  for (const fn of fns) for (let i = 0; i < warmup; i++) fn();
  const times = fns.map(() => []);
  const perRound = Math.max(1, Math.ceil(runs / rounds));
  for (let r = 0; r < rounds; r++)
    fns.forEach((fn, i) => times[i].push(...timeSync(fn, { warmup: 1, runs: perRound }).times));
  return times.map(summarize);
}

export function median(t) {
  const s = [...t].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function summarize(t) {
  return { median: median(t), min: Math.min(...t), runs: t.length, times: t };
}
