// Async calls are computed one at a time, in the order they were made, on both backends: so a queued
// call never holds a libuv thread while it waits, and a long queue cannot reorder answers.
import { expect, it } from 'vitest';
import { scaledDotProductAttention, scaledDotProductAttentionAsync, tensor, type Tensor } from '../../src/index';
import { randn, rng } from '../helpers/random';

it('40 async calls of mixed sizes settle in the order they were made, each equal to the sync call', async () => {
  const r = rng(5);
  const settled: number[] = [];
  const inputs: Tensor[] = [];
  const calls = Array.from({ length: 40 }, (_, i) => {
    // Big and small calls alternate: a small call made later must still settle later.
    const L = i % 2 === 0 ? 256 : 4;
    const shape = [1, 2, L, 16];
    const x = tensor(randn(2 * L * 16, r), shape);
    inputs.push(x);
    return scaledDotProductAttentionAsync(x, x, x).then((out) => {
      settled.push(i);
      return out;
    });
  });
  const outs = await Promise.all(calls);
  expect(settled).toEqual(Array.from({ length: 40 }, (_, i) => i));
  outs.forEach((out, i) => expect(out.data).toEqual(scaledDotProductAttention(inputs[i], inputs[i], inputs[i]).data));
});
