// The generator: (seed, index) → one call description, pure and independent of every other index,
// so any call of a run replays alone. Nothing here touches attnkit.
import { createRng, mixSeed } from '../../src/util/rng';
import { genLinear, genMha, genSelfAttention, genTensor } from './gen-other';
import { genSdpa } from './gen-sdpa';
import type { CallSpec, Op } from './spec';

/** Share of each function in a run: scaledDotProductAttention first. */
const WEIGHTS: [Op, number][] = [
  ['sdpa', 50],
  ['sdpaAsync', 15],
  ['linear', 13],
  ['tensor', 7],
  ['mha', 9],
  ['selfAttention', 6],
];

/** The random stream of call `index`; `stream` 1 is the builder's (data contents). */
export const callRng = (seed: number, index: number, stream = 0) => createRng(mixSeed(mixSeed(seed, index), stream));

export function generateCall(seed: number, index: number, ops?: readonly Op[]): CallSpec {
  const r = callRng(seed, index);
  const weights = ops ? WEIGHTS.filter(([op]) => ops.includes(op)) : WEIGHTS;
  const total = weights.reduce((a, [, w]) => a + w, 0);
  let u = r.uniform() * total;
  let op: Op = weights[weights.length - 1][0];
  for (const [o, w] of weights) {
    u -= w;
    if (u < 0) {
      op = o;
      break;
    }
  }
  const s: CallSpec = { seed, index, op, expect: 'value', labels: [], args: [], traps: [] };
  if (op === 'sdpa' || op === 'sdpaAsync') genSdpa(r, s, op === 'sdpaAsync');
  else if (op === 'linear') genLinear(r, s);
  else if (op === 'tensor') genTensor(r, s);
  else if (op === 'mha') genMha(r, s);
  else genSelfAttention(r, s);
  for (const tier of s.later ?? []) s.labels.push(...tier.filter((l) => !s.labels.includes(l)));
  delete s.later;
  return s;
}
