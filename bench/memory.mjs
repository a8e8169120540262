// Extra memory of one call at (1, 1, 16384, 16384, 64): peak RSS growth in a fresh child process
// (the scores alone would take 1 GiB if they were materialised).
import { derive } from './lib/measure.mjs';
import { shape } from './lib/shapes.mjs';
import { runChild } from './lib/spawn.mjs';

export const name = 'memory';

export function run(ctx) {
  const s = shape(1, 1, 1, 16384, 16384, 64);
  const threads = Math.max(...ctx.threads);
  const r = runChild({ kind: 'memory', shape: s, threads });
  const row = derive({ scenario: name, ...r }, s, ctx.machine);
  row.rssGrowthMiB = r.rssGrowth / 2 ** 20;
  row.note = `peak RSS growth ${row.rssGrowthMiB.toFixed(1)} MiB (1 run)`;
  return [row];
}
