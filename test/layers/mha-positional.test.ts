// MultiHeadAttention's in-kernel positions and SDPA passthroughs, each against an equivalent the layer
// already had: positional ALiBi / T5 vs. the materialised alibiBias / relativePositionBias as attnMask,
// window vs. a boolean attnMask built here, sinks vs. an extra all-zero key whose mask column is the sink.
import { describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  MultiHeadAttention,
  SelfAttention,
  alibiBias,
  alibiSlopes,
  relativePositionBias,
  type MaskTensor,
  type MhaForwardOptions,
  type Tensor,
} from '../../src/index';
import { expectError } from '../helpers/expect-error';
import { randn, rng } from '../helpers/random';

const [B, E, H] = [2, 24, 6];
const mha = new MultiHeadAttention({ embedDim: E, numHeads: H, seed: 11 });
const gqa = new MultiHeadAttention({ embedDim: E, numHeads: H, numKvHeads: 2, seed: 12 });
const input = (L: number, seed: number): Tensor => ({ data: randn(B * L * E, rng(seed)), shape: [B, L, E] });

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let x = 0; x < a.length; x++) m = Math.max(m, Math.abs(a[x] - b[x]));
  return m;
}

/** Runs the layer on (query, key = value) twice and returns the largest output difference. */
function compare(
  layer: MultiHeadAttention,
  query: Tensor,
  kv: Tensor | undefined,
  a: MhaForwardOptions,
  b: MhaForwardOptions,
): number {
  const x = layer.forward(query, kv, kv, a).output;
  const y = layer.forward(query, kv, kv, b).output;
  return maxDiff(x.data, y.data);
}

describe('positional ALiBi equals alibiBias as attnMask (top-left: query i at position i)', () => {
  const slopes = alibiSlopes(H);
  for (const causal of [false, true]) {
    it(`self-attention, causal ${causal}`, () => {
      const L = 9;
      const x = input(L, 1);
      expect(
        compare(
          mha,
          x,
          undefined,
          { positional: { type: 'alibi' }, causal },
          { attnMask: alibiBias(slopes, L, L), causal },
        ),
      ).toBeLessThan(1e-5);
    });
    it(`cross-attention Lq < Lk and Lq > Lk, causal ${causal}`, () => {
      for (const [lq, lk] of [
        [3, 8],
        [8, 3],
      ]) {
        const q = input(lq, 2);
        const kv = input(lk, 3);
        const d = compare(
          mha,
          q,
          kv,
          { positional: { type: 'alibi' }, causal },
          { attnMask: alibiBias(slopes, lq, lk, { queryOffset: 0 }), causal },
        );
        expect(d, `${lq}x${lk}`).toBeLessThan(1e-5);
      }
    });
  }
  it('explicit slopes, grouped-query heads, with a key padding mask', () => {
    const L = 7;
    const x = input(L, 4);
    const mine = Float32Array.from({ length: H }, (_, h) => 0.1 * (h + 1));
    const keyPaddingMask = {
      data: Uint8Array.from({ length: B * L }, (_, r) => (r === L - 1 || r === L + 2 ? 1 : 0)),
      shape: [B, L],
    };
    const d = compare(
      gqa,
      x,
      undefined,
      { positional: { type: 'alibi', slopes: mine }, keyPaddingMask, causal: true },
      { attnMask: alibiBias(mine, L, L), keyPaddingMask, causal: true },
    );
    expect(d).toBeLessThan(1e-5);
  });
  it('the default slopes are alibiSlopes(numHeads)', () => {
    const x = input(5, 5);
    expect(
      compare(mha, x, undefined, { positional: { type: 'alibi' } }, { positional: { type: 'alibi', slopes: slopes } }),
    ).toBe(0);
  });
});

describe('positional T5 equals relativePositionBias (top-left) as attnMask', () => {
  const nb = 16;
  const table = { data: randn(nb * H, rng(20)), shape: [nb, H] };
  for (const [causal, bidirectional] of [
    [false, true],
    [true, false],
  ])
    it(`causal ${causal}, bidirectional ${bidirectional}: self-attention and Lq ≠ Lk`, () => {
      const opts = { numBuckets: nb, maxDistance: 24, bidirectional };
      const L = 11;
      const x = input(L, 21);
      const mask = relativePositionBias(table, L, L, { ...opts, alignment: 'top-left' });
      expect(
        compare(mha, x, undefined, { positional: { type: 't5', table, ...opts }, causal }, { attnMask: mask, causal }),
      ).toBeLessThan(1e-5);
      for (const [lq, lk] of [
        [1, 9],
        [4, 10],
        [10, 4],
      ]) {
        const q = input(lq, 22);
        const kv = input(lk, 23);
        const m = relativePositionBias(table, lq, lk, { ...opts, alignment: 'top-left' });
        expect(
          compare(mha, q, kv, { positional: { type: 't5', table, ...opts }, causal }, { attnMask: m, causal }),
          `${lq}x${lk}`,
        ).toBeLessThan(1e-5);
      }
    });
  it('default bucket options (32 buckets, max distance 128, bidirectional) and a table shared by all heads', () => {
    const shared = { data: randn(32, rng(24)), shape: [32, 1] };
    const L = 6;
    const x = input(L, 25);
    const mask = relativePositionBias(shared, L, L, { alignment: 'top-left' }); // [1, 1, L, L] broadcasts over heads
    expect(compare(mha, x, undefined, { positional: { type: 't5', table: shared } }, { attnMask: mask })).toBeLessThan(
      1e-5,
    );
  });
  it('adds to a float attnMask', () => {
    const L = 6;
    const x = input(L, 26);
    const extra = { data: randn(L * L, rng(27)), shape: [L, L] };
    const bias = relativePositionBias(table, L, L, { numBuckets: nb, alignment: 'top-left' });
    const sum = { data: bias.data.map((b, n) => b + extra.data[n % (L * L)]), shape: bias.shape.slice() };
    expect(
      compare(
        mha,
        x,
        undefined,
        { positional: { type: 't5', table, numBuckets: nb }, attnMask: extra },
        { attnMask: sum },
      ),
    ).toBeLessThan(1e-5);
  });
});

/** PyTorch-polarity boolean attnMask [Lq, Lk]: 1 where key j is outside query i's window (i − left ≤ j ≤ i + right). */
function windowMask(
  lq: number,
  lk: number,
  left: number | undefined,
  right: number | undefined,
): MaskTensor & { data: Uint8Array } {
  const data = new Uint8Array(lq * lk);
  for (let i = 0; i < lq; i++)
    for (let j = 0; j < lk; j++)
      data[i * lk + j] = (left !== undefined && j < i - left) || (right !== undefined && j > i + right) ? 1 : 0;
  return { data, shape: [lq, lk] };
}

describe('window equals a boolean attnMask of the same band', () => {
  for (const [causal, left, right] of [
    [true, 3, undefined], // Mistral / Gemma sliding layers
    [false, 2, 1],
    [false, undefined, 0], // same as causal
    [true, 0, undefined], // each query sees only itself
  ] as const)
    it(`causal ${causal}, left ${left}, right ${right}`, () => {
      const L = 10;
      const x = input(L, 30);
      const window = { ...(left !== undefined ? { left } : {}), ...(right !== undefined ? { right } : {}) };
      expect(
        compare(mha, x, undefined, { window, causal }, { attnMask: windowMask(L, L, left, right), causal }),
      ).toBeLessThan(1e-5);
      expect(
        compare(gqa, x, undefined, { window, causal }, { attnMask: windowMask(L, L, left, right), causal }),
      ).toBeLessThan(1e-5);
    });
  it('cross-attention Lq ≠ Lk (positions top-left) and with ALiBi', () => {
    for (const [lq, lk] of [
      [4, 9],
      [9, 4],
    ]) {
      const q = input(lq, 31);
      const kv = input(lk, 32);
      const w = windowMask(lq, lk, 2, 1);
      expect(compare(mha, q, kv, { window: { left: 2, right: 1 } }, { attnMask: w }), `${lq}x${lk}`).toBeLessThan(1e-5);
      const alibi = alibiBias(alibiSlopes(H), lq, lk, { queryOffset: 0 });
      const both = {
        data: alibi.data.map((a, n) => (w.data[n % (lq * lk)] ? -Infinity : a)),
        shape: alibi.shape.slice(),
      };
      expect(
        compare(mha, q, kv, { window: { left: 2, right: 1 }, positional: { type: 'alibi' } }, { attnMask: both }),
        `alibi ${lq}x${lk}`,
      ).toBeLessThan(1e-5);
    }
  });
});

describe('softcap', () => {
  const x = input(8, 40);
  it('a huge cap changes nothing; a cap of 1 changes the output', () => {
    expect(compare(mha, x, undefined, { softcap: 1e9 }, {})).toBeLessThan(1e-6);
    expect(compare(mha, x, undefined, { softcap: 1e9, causal: true }, { causal: true })).toBeLessThan(1e-6);
    expect(compare(mha, x, undefined, { softcap: 1 }, {})).toBeGreaterThan(1e-4);
  });
  it('softcap 0 is off', () => expect(compare(mha, x, undefined, { softcap: 0 }, {})).toBe(0));
});

describe('sinks equal an extra key with k = v = 0 whose mask column holds the sink logit', () => {
  // Without biases, a zero key row projects to k = 0 and v = 0: its score is 0 + mask = the sink, its value 0.
  const layer = new MultiHeadAttention({ embedDim: E, numHeads: H, bias: false, seed: 13 });
  const sinks = Float32Array.from({ length: H }, (_, h) => h - 2.5);
  for (const causal of [false, true])
    it(`causal ${causal}`, () => {
      const L = 7;
      const x = input(L, 50);
      const withSink = layer.forward(x, x, x, { sinks, causal, needWeights: true, averageWeights: false });
      const kv = new Float32Array(B * (L + 1) * E);
      for (let b = 0; b < B; b++) kv.set(x.data.subarray(b * L * E, (b + 1) * L * E), (b * (L + 1) + 1) * E); // key 0 is the zero row
      const mask = new Float32Array(H * L * (L + 1));
      for (let h = 0; h < H; h++)
        for (let i = 0; i < L; i++)
          for (let j = 0; j <= L; j++)
            mask[(h * L + i) * (L + 1) + j] = j === 0 ? sinks[h] : causal && j - 1 > i ? -Infinity : 0;
      const extraKey = layer.forward(
        x,
        { data: kv, shape: [B, L + 1, E] },
        { data: kv, shape: [B, L + 1, E] },
        { attnMask: { data: mask, shape: [1, H, L, L + 1] } },
      );
      expect(maxDiff(withSink.output.data, extraKey.output.data)).toBeLessThan(1e-5);
      // The sink takes its share of each row: weights over the real keys sum to 1 − p(sink) < 1.
      const w = withSink.weights!.data;
      for (let h = 0; h < H; h++) {
        let s = 0;
        for (let j = 0; j < L; j++) s += w[(h * L + 2) * L + j];
        expect(s).toBeLessThan(1);
        expect(s).toBeGreaterThan(0);
      }
    });
  it('SelfAttention passes sinks, window and positional through', () => {
    const sa = new SelfAttention({ embedDim: E, numHeads: H, seed: 14 });
    const x = input(6, 51);
    const opts = { sinks, window: { left: 2 }, positional: { type: 'alibi' as const }, causal: true };
    const a = sa.forward(x, opts).output;
    const b = sa.mha.forward(x, undefined, undefined, {
      ...opts,
      keyPaddingMask: { data: new Uint8Array(B * 6), shape: [B, 6] },
    }).output;
    expect(maxDiff(a.data, b.data)).toBeLessThan(1e-6);
  });
});

describe('errors', () => {
  const z = (shape: number[]) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });
  const small = new MultiHeadAttention({ embedDim: 8, numHeads: 2 });
  const run = (options: unknown) => () =>
    small.forward(z([1, 3, 8]), undefined, undefined, options as MhaForwardOptions);
  const expected =
    "{ type: 'rope', style?, base?, offset?, rotaryDim? }, { type: 'alibi', slopes? } or { type: 't5', table, bidirectional?, numBuckets?, maxDistance? }";
  it('positional that is not an object', () =>
    expectError(
      run({ positional: 'alibi' }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `MultiHeadAttention.forward: options.positional must be ${expected}, got string 'alibi'`,
    ));
  it('positional without a type', () =>
    expectError(
      run({ positional: { slopes: [1, 2] } }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `MultiHeadAttention.forward: options.positional must be ${expected}, got object`,
    ));
  it('alibi slopes of the wrong length', () =>
    expectError(
      run({ positional: { type: 'alibi', slopes: [0.5] } }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'MultiHeadAttention.forward: options.positional.slopes must be one slope per query head: length numHeads = 2, got length 1',
    ));
  it('alibi slopes that are not numbers', () =>
    expectError(
      run({ positional: { type: 'alibi', slopes: 0.5 } }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.positional\.slopes must be a Float32Array, Float64Array or array of 2 numbers .*got number 0\.5/,
    ));
  it('an alibi slope that is not finite', () =>
    expectError(
      run({ positional: { type: 'alibi', slopes: [0.5, NaN] } }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'MultiHeadAttention.forward: options.positional.slopes[1] must be a finite float32 number, got NaN',
    ));
  it('a misspelled alibi option', () =>
    expectError(
      run({ positional: { type: 'alibi', slope: [1, 2] } }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      "MultiHeadAttention.forward: options.positional.slope must be one of the known options (type, slopes), got string 'slope'; did you mean 'slopes'?",
    ));
  it('t5 without a table', () =>
    expectError(
      run({ positional: { type: 't5' } }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      'MultiHeadAttention.forward: options.positional.table must be a tensor { data: Float32Array, shape: number[] }, got undefined',
    ));
  it('a t5 table for another head count', () =>
    expectError(
      run({ positional: { type: 't5', table: z([32, 3]) } }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'MultiHeadAttention.forward: options.positional.table must be [numBuckets, numHeads] = [32, 2] (or [32, 1]), got [32, 3]',
    ));
  it('a t5 table whose bucket count is not numBuckets', () =>
    expectError(
      run({ positional: { type: 't5', table: z([32, 2]), numBuckets: 16 } }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'MultiHeadAttention.forward: options.positional.table must be [numBuckets, numHeads] = [16, 2] (or [16, 1]), got [32, 2]',
    ));
  it('a misspelled t5 option', () =>
    expectError(
      run({ positional: { type: 't5', table: z([32, 2]), max_distance: 64 } }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.positional\.max_distance must be one of the known options \(type, table, bidirectional, numBuckets, maxDistance\)/,
    ));
  it('t5 bidirectional that is not a boolean', () =>
    expectError(
      run({ positional: { type: 't5', table: z([32, 2]), bidirectional: 1 } }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      'MultiHeadAttention.forward: options.positional.bidirectional must be a boolean (true: encoder, false: decoder), got number 1',
    ));
  it('a negative window side', () =>
    expectError(
      run({ window: { left: -1 } }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'MultiHeadAttention.forward: options.window.left must be a non-negative integer, got -1',
    ));
  it('window that is a number', () =>
    expectError(
      run({ window: 4 }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /^MultiHeadAttention\.forward: options\.window must be an object/,
    ));
  it('a negative softcap', () =>
    expectError(
      run({ softcap: -1 }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /^MultiHeadAttention\.forward: options\.softcap must be/,
    ));
  it('sinks of the wrong length', () =>
    expectError(
      run({ sinks: [0, 0, 0] }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /^MultiHeadAttention\.forward: options\.sinks must be .*length 2, got length 3/,
    ));
  it('SelfAttention.forward checks positional through its MultiHeadAttention', () =>
    expectError(
      () =>
        new SelfAttention({ embedDim: 8, numHeads: 2 }).forward(z([1, 3, 8]), {
          positional: { type: 'alibi', slopes: [1] },
        }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /^MultiHeadAttention\.forward: options\.positional\.slopes must be one slope per query head/,
    ));
});
