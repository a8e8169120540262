// Masks on the fused path (the issue allows a boolean or additive mask at most 15 % over no mask):
// (1, 8, 1024, 1024, 64) without a mask and with three masks a user passes, timed alternately in the
// same rounds, since on a shared machine only a same-rounds ratio means anything:
//   key padding   bool [B, 1, 1, Lk], the last eighth of the keys are padding
//   bool          [Lq, Lk], 10 % of the entries 0 (masked) at random
//   additive      [Lq, Lk], values in [-1, 0), 10 % of them -Infinity
// GFLOP/s count the unmasked problem's flops, so a mask's cost shows as a lower rate; the note and
// `overhead` give the time over the no-mask median of the same rounds.
import { attnkit, useThreads } from './lib/attnkit.mjs';
import { derive } from './lib/measure.mjs';
import { randomData, sdpaRunner, shape } from './lib/shapes.mjs';
import { timeRounds } from './lib/timing.mjs';

export const name = 'masks';

export function shapes(quick) {
  return [shape(1, 8, 8, quick ? 512 : 1024, quick ? 512 : 1024, 64)];
}

/** The masks of the scenario for shape s: { label, mask } with mask an attnkit tensor. */
export function masks(lib, s) {
  const u = randomData(s.Lq * s.Lk, 11); // uniform [-1, 1): below -0.8 is 10 %
  const padding = Uint8Array.from({ length: s.Lk }, (_, j) => (j < s.Lk - s.Lk / 8 ? 1 : 0));
  const bool = Uint8Array.from(u, (x) => (x < -0.8 ? 0 : 1));
  const additive = Float32Array.from(u, (x) => (x < -0.8 ? -Infinity : (x - 1) / 2));
  return [
    { label: 'key padding [B,1,1,Lk], 1/8 padded', mask: lib.tensor(padding, [s.B, 1, 1, s.Lk]) },
    { label: 'bool [Lq,Lk], 10 % masked', mask: lib.tensor(bool, [s.Lq, s.Lk]) },
    { label: 'additive [Lq,Lk], 10 % -inf', mask: lib.tensor(additive, [s.Lq, s.Lk]) },
  ];
}

export function run(ctx) {
  const rows = [];
  for (const s of shapes(ctx.quick))
    for (const t of ctx.threads) {
      const threads = useThreads(t);
      const cases = [{ label: 'no mask', mask: null }, ...masks(attnkit, s)];
      const fns = cases.map((c) => sdpaRunner(attnkit, s, c.mask ? { mask: c.mask } : {}));
      const times = timeRounds(fns, { ...ctx.timing, rounds: ctx.quick ? 2 : 5 });
      const info = attnkit.backendInfo();
      const plain = times[0].median;
      cases.forEach((c, i) => {
        const row = { scenario: name, ms: times[i].median, min: times[i].min, runs: times[i].runs };
        Object.assign(row, { backend: info.backend, simd: info.simd, threads });
        if (i > 0) row.overhead = times[i].median / plain - 1;
        row.note = i === 0 ? 'no mask' : `${c.label}: ${(100 * row.overhead).toFixed(1)} % over no mask`;
        rows.push(derive(row, s, ctx.machine));
      });
    }
  return rows;
}
