// KVCache storage: what append, truncate and reset leave in the cache, checked against a plain model of
// each sequence's rows (seq[b][h][t] = the row appended at position t), in both layouts.
import { describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  KVCache,
  scaledDotProductAttention,
  tensor,
  toBFloat16,
  toFloat16,
  toFloat32,
  type HalfTensor,
} from '../../src/index';
import { expectError } from '../helpers/expect-error';
import { randn, rng } from '../helpers/random';

type Layout = 'bhsd' | 'bshd';

/** The stored row of sequence b, head h, position t, read by the layout's definition. */
function storedRow(
  data: Float32Array,
  layout: Layout,
  B: number,
  H: number,
  L: number,
  W: number,
  b: number,
  h: number,
  t: number,
): number[] {
  const at = layout === 'bhsd' ? ((b * H + h) * L + t) * W : ((b * L + t) * H + h) * W;
  expect(b < B).toBe(true);
  return Array.from(data.subarray(at, at + W));
}

/** Row (b, h, i) of a block of n new positions in the layout. */
function blockRow(
  data: Float32Array,
  layout: Layout,
  H: number,
  n: number,
  W: number,
  b: number,
  h: number,
  i: number,
): number[] {
  const at = layout === 'bhsd' ? ((b * H + h) * n + i) * W : ((b * n + i) * H + h) * W;
  return Array.from(data.subarray(at, at + W));
}

function block(layout: Layout, B: number, H: number, n: number, W: number, rand: () => number) {
  return { data: randn(B * H * n * W, rand), shape: layout === 'bhsd' ? [B, H, n, W] : [B, n, H, W] };
}

describe.each([
  ['bhsd', 'bhsd'],
  ['bhsd', 'bshd'],
  ['bshd', 'bshd'],
  ['bshd', 'bhsd'],
] as const)('KVCache append (cache %s, blocks %s)', (layout, input) => {
  it('appends blocks of different counts per sequence, each behind its own stored positions', () => {
    const rand = rng(7);
    const [B, H, D, Dv, L] = [3, 2, 5, 3, 17];
    const cache = new KVCache({ batch: B, kvHeads: H, headDim: D, valueDim: Dv, maxLength: L, layout });
    const model = { k: [[], [], []] as number[][][][], v: [[], [], []] as number[][][][] };
    for (const b of [0, 1, 2]) for (const kv of ['k', 'v'] as const) model[kv][b] = [[], []];
    for (const [n, counts] of [
      [4, undefined],
      [1, [1, 0, 1]],
      [6, [6, 2, 0]],
      [1, undefined],
      [5, [0, 5, 3]],
    ] as const) {
      const k = block(input, B, H, n, D, rand);
      const v = block(input, B, H, n, Dv, rand);
      cache.append(k, v, {
        ...(counts ? { counts: [...counts] } : {}),
        ...(input !== layout ? { layout: input } : {}),
      });
      for (let b = 0; b < B; b++)
        for (let h = 0; h < H; h++)
          for (let i = 0; i < (counts ? counts[b] : n); i++) {
            model.k[b][h].push(blockRow(k.data, input, H, n, D, b, h, i));
            model.v[b][h].push(blockRow(v.data, input, H, n, Dv, b, h, i));
          }
    }
    expect(Array.from(cache.lengths)).toEqual([12, 12, 9]);
    expect(cache.keys.shape).toEqual(layout === 'bhsd' ? [B, H, L, D] : [B, L, H, D]);
    expect(cache.values.shape).toEqual(layout === 'bhsd' ? [B, H, L, Dv] : [B, L, H, Dv]);
    for (let b = 0; b < B; b++)
      for (let h = 0; h < H; h++)
        for (let t = 0; t < cache.lengths[b]; t++) {
          expect(storedRow(cache.keys.data, layout, B, H, L, D, b, h, t)).toEqual(model.k[b][h][t]);
          expect(storedRow(cache.values.data, layout, B, H, L, Dv, b, h, t)).toEqual(model.v[b][h][t]);
        }
  });
});

describe.each(['bhsd', 'bshd'] as const)('KVCache (%s)', (layout) => {
  it('refuses an append past maxLength and leaves the cache as it was', () => {
    const rand = rng(8);
    const cache = new KVCache({ batch: 2, kvHeads: 1, headDim: 3, maxLength: 5, layout });
    cache.append(block(layout, 2, 1, 4, 3, rand), block(layout, 2, 1, 4, 3, rand), { counts: [4, 1] });
    const keys = cache.keys.data.slice();
    const values = cache.values.data.slice();
    expectError(
      () => cache.append(block(layout, 2, 1, 2, 3, rand), block(layout, 2, 1, 2, 3, rand)),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'KVCache.append: k must be at most the 1 free positions of sequence 0 (maxLength 5, length 4), got 2 new positions',
    );
    expectError(
      () => cache.append(block(layout, 2, 1, 2, 3, rand), block(layout, 2, 1, 2, 3, rand), { counts: [1, 5] }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /options\.counts\[1\] must be an integer in \[0, 2\]/,
    );
    expect(Array.from(cache.lengths)).toEqual([4, 1]);
    expect(cache.keys.data).toEqual(keys);
    expect(cache.values.data).toEqual(values);
    cache.append(block(layout, 2, 1, 1, 3, rand), block(layout, 2, 1, 1, 3, rand));
    expect(Array.from(cache.lengths)).toEqual([5, 2]);
  });

  it('checks the blocks against the cache before writing', () => {
    const rand = rng(9);
    const cache = new KVCache({ batch: 2, kvHeads: 2, headDim: 4, valueDim: 3, maxLength: 8, layout });
    const wrongHeads = { data: randn(2 * 3 * 1 * 4, rand), shape: layout === 'bhsd' ? [2, 3, 1, 4] : [2, 1, 3, 4] };
    expectError(
      () => cache.append(wrongHeads, block(layout, 2, 2, 1, 3, rand)),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /KVCache\.append: k must be \[batch, .*\] = /,
    );
    expectError(
      () => cache.append(block(layout, 2, 2, 1, 4, rand), block(layout, 2, 2, 2, 3, rand)),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /KVCache\.append: v must be/,
    );
    expectError(
      () => cache.append({ data: new Float32Array(8), shape: [2, 4] }, block(layout, 2, 2, 1, 3, rand)),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /k must be .* got \[2, 4\]/,
    );
    expectError(
      () => cache.append(block(layout, 2, 2, 1, 4, rand), { data: new Uint8Array(6), shape: [2, 2, 1, 3] } as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /v\.data must be a Float32Array/,
    );
    expectError(
      () =>
        cache.append(block(layout, 2, 2, 1, 4, rand), block(layout, 2, 2, 1, 3, rand), {
          counts: new Float32Array(2) as never,
        }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.counts must be an Int32Array or array of 2 integers/,
    );
    expectError(
      () => cache.append(block(layout, 2, 2, 1, 4, rand), block(layout, 2, 2, 1, 3, rand), { counts: [1] }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /options\.counts must be 2 integers/,
    );
    expectError(
      () => cache.append(block(layout, 2, 2, 1, 4, rand), block(layout, 2, 2, 1, 3, rand), { count: 1 } as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.count must be one of the known options/,
    );
    expect(Array.from(cache.lengths)).toEqual([0, 0]);
    expect(cache.keys.data.every((x) => x === 0)).toBe(true);
  });
});

describe('KVCache lengths', () => {
  it('truncates back (never forward) and resets one slot or all', () => {
    const rand = rng(10);
    const cache = new KVCache({ batch: 3, kvHeads: 1, headDim: 2, maxLength: 9 });
    cache.append(block('bhsd', 3, 1, 6, 2, rand), block('bhsd', 3, 1, 6, 2, rand), { counts: [6, 4, 2] });
    cache.truncate([5, 4, 0]);
    expect(Array.from(cache.lengths)).toEqual([5, 4, 0]);
    expectError(
      () => cache.truncate(Int32Array.of(5, 5, 0)),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'KVCache.truncate: lengths[1] must be an integer in [0, 4] (at most the current length), got 5',
    );
    expectError(() => cache.truncate([1, 1]), AttnkitRangeError, ErrorCode.SHAPE, /lengths must be 3 integers/);
    expectError(
      () => cache.truncate([1, 1.5, 0]),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /lengths\[1\] must be an integer/,
    );
    expect(Array.from(cache.lengths)).toEqual([5, 4, 0]);
    cache.reset(1);
    expect(Array.from(cache.lengths)).toEqual([5, 0, 0]);
    expectError(
      () => cache.reset(3),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'KVCache.reset: b must be an integer in [0, 2], got 3',
    );
    expectError(
      () => cache.reset('0' as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /KVCache\.reset: b must be a sequence index/,
    );
    cache.reset();
    expect(Array.from(cache.lengths)).toEqual([0, 0, 0]);
    // lengths is a copy: writing to it changes nothing.
    cache.lengths[0] = 7;
    expect(cache.lengths[0]).toBe(0);
  });

  it('refuses bad construction options with the option named', () => {
    const ok = { batch: 1, kvHeads: 1, headDim: 4, maxLength: 8 };
    expectError(
      () => new KVCache(undefined as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /new KVCache: options must be an object/,
    );
    for (const key of ['batch', 'kvHeads', 'headDim', 'maxLength', 'valueDim'] as const) {
      expectError(
        () => new KVCache({ ...ok, [key]: 0 }),
        AttnkitRangeError,
        ErrorCode.VALUE,
        new RegExp(`options\\.${key} must be an integer in \\[1, 2\\^31 - 1\\]`),
      );
      expectError(
        () => new KVCache({ ...ok, [key]: '4' } as never),
        AttnkitTypeError,
        ErrorCode.TYPE,
        new RegExp(`options\\.${key} must be a positive integer`),
      );
    }
    expectError(
      () => new KVCache({ ...ok, layout: 'bhds' as never }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /options\.layout must be 'bhsd' or 'bshd'/,
    );
    expectError(
      () => new KVCache({ ...ok, dtype: 'float8' as never }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      "new KVCache: options.dtype must be 'float32', 'float16' or 'bfloat16', got 'float8'",
    );
    expectError(
      () => new KVCache({ ...ok, dtype: 16 as never }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.dtype must be 'float32', 'float16' or 'bfloat16', got number 16/,
    );
    expectError(
      () => new KVCache({ ...ok, maxLen: 8 } as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.maxLen must be one of the known options/,
    );
    expectError(
      () => new KVCache({ batch: 64, kvHeads: 64, headDim: 1024, maxLength: 1024 }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /at most 2\^31 - 1 elements/,
    );
  });
});

describe('sliding KVCache', () => {
  it('holds the last maxLength positions of each sequence in order, through appends of any size and rollbacks', () => {
    const rand = rng(11);
    const [B, H, D, W] = [2, 2, 3, 5];
    const cache = new KVCache({ batch: B, kvHeads: H, headDim: D, maxLength: W, sliding: true });
    expect(cache.config.layout).toBe('bshd');
    // model[b]: every key row [H·D] appended to sequence b, by position.
    const model: number[][][] = [[], []];
    const check = () => {
      for (let b = 0; b < B; b++) {
        const { keys, values, start } = cache.window(b);
        const end = cache.lengths[b];
        expect(end).toBe(model[b].length);
        expect(end - start).toBeLessThanOrEqual(W);
        expect(keys.shape).toEqual([1, end - start, H, D]);
        const rows = Array.from({ length: end - start }, (_, i) =>
          Array.from(keys.data.subarray(i * H * D, (i + 1) * H * D)),
        );
        expect(rows).toEqual(model[b].slice(start, end));
        expect(values.data.length).toBe(keys.data.length);
      }
    };
    for (const [n, counts] of [
      [3, [3, 1]],
      [4, [4, 4]],
      [1, undefined],
      [12, [12, 2]],
      [2, [0, 2]],
    ] as const) {
      const before = cache.lengths;
      const k = block('bshd', B, H, n, D, rand);
      cache.append(k, block('bshd', B, H, n, D, rand), counts ? { counts: [...counts] } : undefined);
      for (let b = 0; b < B; b++)
        for (let t = 0; t < (counts ? counts[b] : n); t++)
          model[b].push(Array.from(k.data.subarray((b * n + t) * H * D, (b * n + t + 1) * H * D)));
      check();
      for (let b = 0; b < B; b++)
        expect(cache.window(b).start).toBe(Math.max(0, before[b] + (counts ? counts[b] : n) - W));
    }
    expect(Array.from(cache.lengths)).toEqual([20, 10]);
    expect(cache.window(0).start).toBe(15);
    // Rollback within the held positions (15..19 are held; 17 and 18 stay), then decode on from there.
    cache.truncate([17, 10]);
    model[0].length = 17;
    expect(cache.window(0).start).toBe(15);
    check();
    const k = block('bshd', B, H, 1, D, rand);
    cache.append(k, block('bshd', B, H, 1, D, rand));
    for (let b = 0; b < B; b++) model[b].push(Array.from(k.data.subarray(b * H * D, (b + 1) * H * D)));
    check();
    expect(cache.window(0).start).toBe(15);
    expect(cache.window(1).start).toBe(6);
    expect(cache.window(0).keys.shape).toEqual([1, 3, H, D]);
    expectError(
      () => cache.keys,
      AttnkitTypeError,
      ErrorCode.TYPE,
      'KVCache.keys: a sliding cache is read per sequence, with window(b)',
    );
    expectError(
      () => new KVCache({ batch: 1, kvHeads: 1, headDim: 1, maxLength: 4, sliding: true, layout: 'bhsd' }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /options\.layout must be 'bshd' for a sliding cache/,
    );
    expectError(
      () => cache.window(2),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'KVCache.window: b must be an integer in [0, 1], got 2',
    );
  });
});

describe.each(['float16', 'bfloat16'] as const)('a %s KVCache', (dtype) => {
  const round = (x: Float32Array) => (dtype === 'float16' ? toFloat16(x) : toBFloat16(x));

  it.each(['bhsd', 'bshd'] as const)(
    'stores float32 appends rounded to nearest even, half appends as they are, and hands out half tensors (%s)',
    (layout) => {
      const rand = rng(11);
      const [B, H, D, L] = [2, 3, 5, 9];
      const cache = new KVCache({ batch: B, kvHeads: H, headDim: D, maxLength: L, layout, dtype });
      expect(cache.config.dtype).toBe(dtype);
      const k1 = block(layout, B, H, 4, D, rand);
      const v1 = block(layout, B, H, 4, D, rand);
      cache.append(k1, v1, { counts: [4, 2] });
      const k2 = block(layout, B, H, 1, D, rand);
      const v2 = block(layout, B, H, 1, D, rand);
      cache.append(tensor(round(k2.data), k2.shape, dtype), tensor(round(v2.data), v2.shape, dtype));
      expect(Array.from(cache.lengths)).toEqual([5, 3]);
      const keys = cache.keys as HalfTensor;
      expect(keys.dtype).toBe(dtype);
      expect(keys.data).toBeInstanceOf(Uint16Array);
      expect(keys.data.length).toBe(B * H * L * D);
      for (const [kv, blocks] of [
        ['keys', [k1, k2]],
        ['values', [v1, v2]],
      ] as const) {
        const stored = (kv === 'keys' ? cache.keys : cache.values).data as Uint16Array;
        for (let b = 0; b < B; b++)
          for (let h = 0; h < H; h++)
            for (let t = 0; t < cache.lengths[b]; t++) {
              const [blk, n, i] = t < (b === 0 ? 4 : 2) ? [blocks[0], 4, t] : [blocks[1], 1, 0];
              const want = Array.from(round(Float32Array.from(blockRow(blk.data, layout, H, n, D, b, h, i))));
              const at = layout === 'bhsd' ? ((b * H + h) * L + t) * D : ((b * L + t) * H + h) * D;
              expect(Array.from(stored.subarray(at, at + D))).toEqual(want);
            }
      }
      // Attention reads it in place: the same as over the float32 values it holds.
      const q = { data: randn(B * 2 * H * D, rand), shape: layout === 'bhsd' ? [B, 2 * H, 1, D] : [B, 1, 2 * H, D] };
      const got = scaledDotProductAttention(q, cache.keys, cache.values, { layout, kvLengths: cache.lengths }).data;
      const wide = (t: HalfTensor) => ({ data: toFloat32(t.data, dtype), shape: t.shape });
      const want = scaledDotProductAttention(q, wide(cache.keys as HalfTensor), wide(cache.values as HalfTensor), {
        layout,
        kvLengths: cache.lengths,
      }).data;
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-6);
    },
  );

  it('a sliding cache windows half rows', () => {
    const cache = new KVCache({ batch: 1, kvHeads: 1, headDim: 2, maxLength: 3, sliding: true, dtype });
    const rows = Float32Array.of(1.1, 2.2, 3.3, 4.4, 5.5, 6.6, 7.7, 8.8, 9.9, 10.1);
    cache.append({ data: rows, shape: [1, 5, 1, 2] }, { data: rows, shape: [1, 5, 1, 2] });
    const w = cache.window(0);
    expect(w.start).toBe(2);
    expect((w.keys as HalfTensor).dtype).toBe(dtype);
    expect(Array.from(w.keys.data)).toEqual(Array.from(round(rows.subarray(4))));
  });

  it('refuses a half tensor of the wrong array or the other dtype, and leaves the cache unchanged', () => {
    const cache = new KVCache({ batch: 1, kvHeads: 1, headDim: 2, maxLength: 4, dtype });
    cache.append(
      { data: Float32Array.of(1, 2), shape: [1, 1, 1, 2] },
      { data: Float32Array.of(3, 4), shape: [1, 1, 1, 2] },
    );
    const before = [Array.from(cache.keys.data), Array.from(cache.values.data)];
    const other = dtype === 'float16' ? 'bfloat16' : 'float16';
    const h = (dt: string) => ({ data: new Uint16Array(2), shape: [1, 1, 1, 2], dtype: dt }) as HalfTensor;
    expectError(
      () => cache.append({ data: Float32Array.of(1, 2), shape: [1, 1, 1, 2], dtype } as never, h(dtype)),
      AttnkitTypeError,
      ErrorCode.TYPE,
      new RegExp(
        `KVCache\\.append: k\\.data must be a Uint16Array \\(the ${dtype} bits, see to\\w+\\) for dtype '${dtype}', got Float32Array\\(2\\)`,
      ),
    );
    expectError(
      () => cache.append(h(other), h(other)),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `KVCache.append: k.dtype must be 'float32' or the cache's '${dtype}' (a cache stores one dtype), got string '${other}'`,
    );
    expectError(
      () => cache.append(h(dtype), { data: Float32Array.of(1, 2), shape: [1, 1, 1, 2] }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `KVCache.append: v.dtype must be '${dtype}' as k's (k and v share one dtype), got string 'float32'`,
    );
    expectError(
      () => cache.append(h(dtype), { data: new Uint16Array(3), shape: [1, 1, 1, 2], dtype }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /v\.data must be of length product\(shape\) = 2/,
    );
    expect(Array.from(cache.lengths)).toEqual([1]);
    expect([Array.from(cache.keys.data), Array.from(cache.values.data)]).toEqual(before);
  });
});
