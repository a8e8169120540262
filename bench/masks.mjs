// Masks on the fused path (the issue allows a boolean or additive mask at most 15 % over no mask):
// (1, 8, 1024, 1024, 64) without a mask and with the three masks of lib/shapes.mjs `masked` (key
// padding, a random bool and a random additive [Lq, Lk] mask), all timed alternately in the same
// rounds, since on a shared machine only a same-rounds ratio means anything. GFLOP/s count the
// unmasked problem's flops, so a mask's cost shows as a lower rate; the note and `overhead` give the
// time over the no-mask median of the same rounds.
import { attnkit, useThreads } from './lib/attnkit.mjs';
import { derive } from './lib/measure.mjs';
import { masked, sdpaRunner, shape } from './lib/shapes.mjs';
import { timeRounds } from './lib/timing.mjs';

export const name = 'masks';

const DESCRIPTION = {
  padding: 'key padding [B,1,1,Lk], 1/8 padded',
  bool: 'bool [Lq,Lk], 10 % masked',
  additive: 'additive [Lq,Lk], 10 % -inf',
};

/** The unmasked shape, then the same shape with each mask. */
export function shapes(quick) {
  const S = quick ? 512 : 1024;
  const plain = shape(1, 8, 8, S, S, 64);
  return [plain, ...Object.keys(DESCRIPTION).map((m) => masked(plain, m))];
}

export function run(ctx) {
  const rows = [];
  const cases = shapes(ctx.quick);
  for (const t of ctx.threads) {
    const threads = useThreads(t);
    const times = timeRounds(
      cases.map((s) => sdpaRunner(attnkit, s)),
      { ...ctx.timing, rounds: ctx.quick ? 2 : 5 },
    );
    const info = attnkit.backendInfo();
    cases.forEach((s, i) => {
      const row = { scenario: name, ms: times[i].median, min: times[i].min, runs: times[i].runs };
      Object.assign(row, { backend: info.backend, simd: info.simd, threads });
      if (s.mask) {
        row.overhead = times[i].median / times[0].median - 1;
        row.note = `${DESCRIPTION[s.mask]}: ${(100 * row.overhead).toFixed(1)} % over no mask`;
      } else row.note = 'no mask';
      rows.push(derive(row, s, ctx.machine));
    });
  }
  return rows;
}
