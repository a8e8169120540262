// The pure-TypeScript backend at S = 512 (B=1, H=8, D=64), in a child with ATTNKIT_BACKEND=js.
import { derive } from './lib/measure.mjs';
import { shape } from './lib/shapes.mjs';
import { runChild } from './lib/spawn.mjs';

export const name = 'js';

export const SHAPE = shape(1, 8, 8, 512, 512, 64);

export function run(ctx) {
  const r = runChild({ kind: 'time', shape: SHAPE, threads: 1, ...ctx.timing }, { ATTNKIT_BACKEND: 'js' });
  return [derive({ scenario: name, ...r, threads: 1 }, SHAPE, ctx.machine)];
}
