// Causal prefill at S = 1024 and 2048 (B=1, H=8, D=64); GFLOP/s counts the useful half of the flops.
import { derive, timeAttnkit } from './lib/measure.mjs';
import { shape } from './lib/shapes.mjs';

export const name = 'causal';

export function shapes(quick) {
  return (quick ? [1024] : [1024, 2048]).map((S) => shape(1, 8, 8, S, S, 64, 64, true));
}

export function run(ctx) {
  const rows = [];
  for (const s of shapes(ctx.quick))
    for (const threads of ctx.threads)
      rows.push(derive({ scenario: name, ...timeAttnkit(s, { threads, ...ctx.timing }) }, s, ctx.machine));
  return rows;
}
