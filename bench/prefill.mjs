// Non-causal prefill: B=1, H=8, D=64, S = Lq = Lk in {512, 1024, 2048, 4096}.
import { derive, timeAttnkit } from './lib/measure.mjs';
import { shape } from './lib/shapes.mjs';

export const name = 'prefill';

export function shapes(quick) {
  return (quick ? [512, 1024] : [512, 1024, 2048, 4096]).map((S) => shape(1, 8, 8, S, S, 64));
}

export function run(ctx) {
  const rows = [];
  for (const s of shapes(ctx.quick))
    for (const threads of ctx.threads) rows.push(derive({ scenario: name, ...timeAttnkit(s, { threads, ...ctx.timing }) }, s, ctx.machine));
  return rows;
}
