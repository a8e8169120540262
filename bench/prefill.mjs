// Non-causal prefill: B=1, H=8, D=64, S = Lq = Lk in {512, 1024, 2048, 4096}; BERT-base (32, 12, 128, 128, 64)
// and (8, 12, 512, 512, 64); D = 128 at S = 1024 and 2048 (B=1, H=8).
import { derive, timeAttnkit } from './lib/measure.mjs';
import { shape } from './lib/shapes.mjs';

export const name = 'prefill';

export function shapes(quick) {
  const square = (quick ? [512, 1024] : [512, 1024, 2048, 4096]).map((S) => shape(1, 8, 8, S, S, 64));
  const bert = (
    quick
      ? [[32, 128]]
      : [
          [32, 128],
          [8, 512],
        ]
  ).map(([B, S]) => shape(B, 12, 12, S, S, 64));
  const d128 = (quick ? [1024] : [1024, 2048]).map((S) => shape(1, 8, 8, S, S, 128));
  return [...square, ...bert, ...d128];
}

export function run(ctx) {
  const rows = [];
  for (const s of shapes(ctx.quick))
    for (const threads of ctx.threads)
      rows.push(derive({ scenario: name, ...timeAttnkit(s, { threads, ...ctx.timing }) }, s, ctx.machine));
  return rows;
}
