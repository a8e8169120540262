// Decode: one query row per head against a long cache, bound by reading K and V.
//   MHA (1, 32, 1, 2048, 128): K+V = 64 MiB.  GQA (1, 32 q heads / 8 kv heads, 1, 4096, 128): 32 MiB.
// Both again with the cache in the bshd layout ([B, L, H, D], a key's rows of every head side by side),
// for attnkit alone: the peers run the bhsd shapes.
import { derive, timeAttnkit } from './lib/measure.mjs';
import { bshd, shape } from './lib/shapes.mjs';

export const name = 'decode';

export function shapes() {
  return [shape(1, 32, 32, 1, 2048, 128), shape(1, 32, 8, 1, 4096, 128)];
}

export function run(ctx) {
  const rows = [];
  // Decode calls are short: more runs for a stable median.
  const timing = { warmup: ctx.timing.warmup + 2, runs: ctx.timing.runs * 2 };
  for (const s of [...shapes(), ...shapes().map(bshd)])
    for (const threads of ctx.threads)
      rows.push(
        derive({ scenario: name, ...timeAttnkit(s, { threads, ...timing }) }, s, ctx.machine, { decode: true }),
      );
  return rows;
}
