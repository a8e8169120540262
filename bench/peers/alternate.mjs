// A peer and attnkit timed alternately, in rounds of a few runs each, so that both see the same
// moments of a machine whose load drifts (a ratio from two blocks minutes apart can be off by 30 %
// here). Between blocks the peer's garbage is collected (node --expose-gc, as npm run bench:peers
// starts it) and a short pause lets the other library's pool threads stop spinning.
import { median, timeAsync, timeSync } from '../lib/timing.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const rounds = (quick) => (quick ? 2 : 8);
const SETTLE_MS = 50;
const BLOCK_WARM_MS = 40;

/**
 * Times a set-up peer h ({ run: async, dispose? }) and attnkit's own call (own = { run }, or null for the
 * peer alone: the JS rows compare with a child process's figure), then disposes h.
 * Returns { ms, attnkitMs, runs } (medians; attnkitMs NaN without own).
 */
export async function timeAlternately(h, own, { quick, timing }) {
  const ROUNDS = rounds(quick);
  own?.run();
  // Fast calls: up to 4x the runs while they fit in ~2 s, since a median of 10 short calls moved
  // by 10-20 % between runs here. Slow peers: as many runs as fit in ~20 s (at least 3).
  const t0 = performance.now();
  await h.run();
  const first = performance.now() - t0;
  const wanted = quick ? timing.runs : Math.min(4 * timing.runs, Math.max(timing.runs, Math.floor(2000 / first)));
  const runs = Math.max(3, Math.min(wanted, Math.floor((quick ? 5000 : 20000) / first)));
  for (let i = 1; i < timing.warmup; i++) await h.run();
  const peerTimes = [];
  const ownTimes = [];
  const perRound = Math.ceil(runs / ROUNDS);
  // Short calls open each block with BLOCK_WARM_MS of untimed calls (at least one): after a pause,
  // this VM ran the next ~10 calls slower; 40 ms of untimed calls brings both sides back to their
  // steady speed.
  const warmMs = first < 200 ? BLOCK_WARM_MS : 0;
  for (let done = 0; done < runs; done += perRound) {
    const n = Math.min(perRound, runs - done);
    for (const w0 = performance.now(); performance.now() - w0 < warmMs; ) await h.run();
    peerTimes.push(...(await timeAsync(h.run, { warmup: 0, runs: n })).times);
    if (!own) continue;
    globalThis.gc?.(); // the peer's garbage (its output tensors) is collected now, not while attnkit runs
    await sleep(SETTLE_MS);
    for (const w0 = performance.now(); performance.now() - w0 < BLOCK_WARM_MS; ) own.run();
    ownTimes.push(...timeSync(own.run, { warmup: 0, runs: Math.max(n, 3) }).times);
    await sleep(SETTLE_MS);
  }
  h.dispose?.();
  return { ms: median(peerTimes), attnkitMs: own ? median(ownTimes) : NaN, runs: peerTimes.length };
}
