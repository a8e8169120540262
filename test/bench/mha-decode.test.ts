// bench/mha-decode.mjs's byte count: what one decode step of the E = 4096, 32/8-head layer must read.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { stepBytes } from '../../bench/mha-decode.mjs';

describe('bench mha-decode scenario', () => {
  it('counts the four weight matrices, the biases, the inputs and the K/V it attends to', () => {
    const E = 4096;
    const kvw = 8 * 128;
    const weights = E * E + 2 * E * kvw + E * E;
    const biases = E + 2 * kvw + E;
    const x = E + E + 2 * kvw + E;
    const kv = 2 * 2049 * kvw;
    const b1 = stepBytes(1);
    expect(b1.linear).toBe(4 * (weights + biases + x));
    expect(b1.attention).toBe(4 * (kv + 2 * E));
    expect(b1.total).toBe(4 * (weights + biases + kv + x));
    // A batch shares the weights: only the cache and the inputs grow with it.
    const b4 = stepBytes(4);
    expect(b4.total - b1.total).toBe(4 * 3 * (kv + x));
    expect(stepBytes(1, 2048).attention).toBe(4 * (2 * 2048 * kvw + 2 * E));
  });
});
