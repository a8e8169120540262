// MultiHeadAttention with a KVCache: prompt prefill of sequences of different lengths, then token-by-token
// decode, each step checked against recomputing the layer from scratch on each sequence's whole token
// list (no cache, causal, positions 0..L-1), which is what the cached steps must equal.
import { describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  KVCache,
  MultiHeadAttention,
  type MhaForwardOptions,
} from '../../src/index';
import { expectError } from '../helpers/expect-error';
import { randn, rng } from '../helpers/random';

const E = 16;
const HEADS = 4;
const KV_HEADS = 2;
const HEAD_DIM = E / HEADS;

type Extra = Pick<MhaForwardOptions, 'positional' | 'window' | 'softcap' | 'sinks'>;
const VARIANTS: [string, Extra][] = [
  ['rope', { positional: { type: 'rope' } }],
  ['alibi', { positional: { type: 'alibi' } }],
  ['rope + window 3', { positional: { type: 'rope', style: 'half' }, window: { left: 3 } }],
  ['softcap + sinks', { softcap: 2, sinks: [0.5, -1, 0, 2] }],
];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Prefill of prompts [5, 2, 7] (right-padded, with counts), then 4 decode steps; each step's rows against
 * the layer run from scratch on each sequence's whole token list. `sliding`: the cache keeps the last
 * `sliding` positions, so the reference attends within a window of that many positions.
 */
function generate(
  extra: Extra,
  layout: 'bhsd' | 'bshd',
  sliding?: number,
  dtype: 'float32' | 'float16' | 'bfloat16' = 'float32',
): { worst: number; lengths: number[] } {
  const rand = rng(3);
  const mha = new MultiHeadAttention({ embedDim: E, numHeads: HEADS, numKvHeads: KV_HEADS, seed: 5 });
  const prompts = [5, 2, 7];
  const B = prompts.length;
  const Lmax = Math.max(...prompts);
  const cache = new KVCache({
    batch: B,
    kvHeads: KV_HEADS,
    headDim: HEAD_DIM,
    maxLength: sliding ?? 16,
    layout,
    sliding: sliding !== undefined,
    dtype,
  });
  const window =
    sliding === undefined
      ? extra.window
      : { ...extra.window, left: Math.min(extra.window?.left ?? Infinity, sliding - 1) };
  // tokens[b]: the rows of sequence b so far; the padded prompt block holds them left-aligned.
  const tokens: Float32Array[][] = prompts.map((n) => Array.from({ length: n }, () => randn(E, rand)));
  const x = new Float32Array(B * Lmax * E);
  tokens.forEach((rows, b) => rows.forEach((r, t) => x.set(r, (b * Lmax + t) * E)));
  const steps: { x: Float32Array; rows: number; counts?: number[] }[] = [{ x, rows: Lmax, counts: prompts }];
  for (let s = 0; s < 4; s++) steps.push({ x: randn(B * E, rand), rows: 1 });

  let worst = 0;
  for (const [i, step] of steps.entries()) {
    if (i > 0) for (let b = 0; b < B; b++) tokens[b].push(step.x.slice(b * E, (b + 1) * E));
    const { output } = mha.forward({ data: step.x, shape: [B, step.rows, E] }, undefined, undefined, {
      ...extra,
      causal: true,
      cache,
      ...(step.counts ? { counts: step.counts } : {}),
    });
    for (let b = 0; b < B; b++) {
      const L = tokens[b].length;
      const whole = new Float32Array(L * E);
      tokens[b].forEach((r, t) => whole.set(r, t * E));
      const want = mha.forward({ data: whole, shape: [1, L, E] }, undefined, undefined, {
        ...extra,
        causal: true,
        ...(window ? { window } : {}),
      }).output.data;
      const n = step.counts ? step.counts[b] : 1;
      const got = output.data.subarray(b * step.rows * E, (b * step.rows + n) * E);
      worst = Math.max(worst, maxAbsDiff(got, want.subarray((L - n) * E, L * E)));
      // Padding rows of a shorter prompt give zeros.
      expect(
        Array.from(output.data.subarray((b * step.rows + n) * E, (b + 1) * step.rows * E)).every((v) => v === 0),
      ).toBe(true);
    }
  }
  return { worst, lengths: Array.from(cache.lengths) };
}

describe.each(['bhsd', 'bshd'] as const)('MultiHeadAttention with a %s KVCache', (layout) => {
  it.each(VARIANTS)(
    'prefill of prompts of different lengths, then decode, equals recomputing from scratch (%s)',
    (_name, extra) => {
      const { worst, lengths } = generate(extra, layout);
      expect(worst).toBeLessThanOrEqual(1e-5);
      expect(lengths).toEqual([9, 6, 11]);
    },
  );
});

describe('MultiHeadAttention with a sliding KVCache', () => {
  it.each(VARIANTS)('equals recomputing from scratch within the window (%s)', (_name, extra) => {
    for (const W of [1, 4, 6]) {
      const { worst, lengths } = generate(extra, 'bshd', W);
      expect(worst, `window ${W}`).toBeLessThanOrEqual(1e-5);
      expect(lengths).toEqual([9, 6, 11]);
    }
  });
});

describe('MultiHeadAttention cache errors', () => {
  const mha = new MultiHeadAttention({ embedDim: E, numHeads: HEADS, numKvHeads: KV_HEADS, seed: 1 });
  const x = (B: number, L: number) => ({ data: new Float32Array(B * L * E).fill(0.1), shape: [B, L, E] });

  it('refuses a cache that does not fit the layer or the call, and leaves it unchanged', () => {
    const cache = new KVCache({ batch: 2, kvHeads: KV_HEADS, headDim: HEAD_DIM, maxLength: 4 });
    mha.forward(x(2, 3), undefined, undefined, { cache, counts: [3, 1] });
    const keys = cache.keys.data.slice();
    expectError(
      () => mha.forward(x(2, 2), undefined, undefined, { cache }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      'MultiHeadAttention.forward: options.cache has 1 free positions for sequence 0 (maxLength 4, length 3), got 2 new tokens',
    );
    expectError(
      () => mha.forward(x(3, 1), undefined, undefined, { cache }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /options\.cache\.config\.batch must be 3/,
    );
    const other = new KVCache({ batch: 2, kvHeads: HEADS, headDim: HEAD_DIM, maxLength: 4 });
    expectError(
      () => mha.forward(x(2, 1), undefined, undefined, { cache: other }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /options\.cache\.config\.kvHeads must be 2 \(the layer's numKvHeads\)/,
    );
    expectError(
      () =>
        mha.forward(x(2, 1), undefined, undefined, {
          cache,
          keyPaddingMask: { data: new Uint8Array(2), shape: [2, 1] },
        }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.keyPaddingMask must be omitted with a cache/,
    );
    expectError(
      () => mha.forward(x(2, 1), undefined, undefined, { cache, needWeights: true }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /needWeights must be false/,
    );
    expectError(
      () => mha.forward(x(2, 1), x(2, 1), x(2, 1), { cache }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /key must be omitted \(or query itself\) with a cache/,
    );
    expectError(
      () => mha.forward(x(2, 1), undefined, undefined, { cache, counts: [2, 0] }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /options\.counts\[0\] must be an integer in \[0, 1\]/,
    );
    expectError(
      () => mha.forward(x(2, 1), undefined, undefined, { counts: [1, 1] }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.counts must be given with options\.cache only/,
    );
    expectError(
      () => mha.forward(x(2, 1), undefined, undefined, { cache: {} as never }),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.cache must be a KVCache/,
    );
    expect(Array.from(cache.lengths)).toEqual([3, 1]);
    expect(cache.keys.data).toEqual(keys);
  });
});

describe('MultiHeadAttention cache: objects that only look like a KVCache', () => {
  it('refuses a Proxy of a cache, a revoked Proxy and Object.create(KVCache.prototype) with a coded error', () => {
    const mha = new MultiHeadAttention({ embedDim: E, numHeads: HEADS, numKvHeads: KV_HEADS, seed: 1 });
    const x = { data: new Float32Array(E), shape: [1, 1, E] };
    const real = new KVCache({ batch: 1, kvHeads: KV_HEADS, headDim: HEAD_DIM, maxLength: 4 });
    const revocable = Proxy.revocable(real, {});
    revocable.revoke();
    for (const fake of [new Proxy(real, {}), revocable.proxy, Object.create(KVCache.prototype)])
      expectError(
        () => mha.forward(x, undefined, undefined, { cache: fake }),
        AttnkitTypeError,
        ErrorCode.TYPE,
        /options\.cache must be a KVCache/,
      );
    expect(Array.from(real.lengths)).toEqual([0]);
  });
});

describe('examples/kv-cache-generate.mjs', () => {
  it('runs against the built package and matches recomputing from scratch', async () => {
    const { spawnSync } = await import('node:child_process');
    const path = await import('node:path');
    const root = path.join(__dirname, '..', '..');
    const r = spawnSync(process.execPath, [path.join('examples', 'kv-cache-generate.mjs')], {
      cwd: root,
      encoding: 'utf8',
      env: process.env,
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('cache lengths after 16 steps: [53, 21, 136]');
    const m = /recomputing from scratch: (\S+)/.exec(r.stdout);
    expect(Number(m?.[1])).toBeLessThanOrEqual(1e-5);
  });
});

// A half-precision cache: the same steps against the same float32 recomputation differ by the rounding of
// the stored keys and values only (2^-11 relative for float16, 2^-8 for bfloat16; outputs here are O(1)).
describe.each([
  ['float16', 3e-3],
  ['bfloat16', 2e-2],
] as const)('MultiHeadAttention with a %s KVCache', (dtype, bound) => {
  it.each(VARIANTS)(
    'prefill then decode, within the rounding of K/V of recomputing from scratch (%s)',
    (_name, extra) => {
      for (const [layout, sliding] of [
        ['bhsd', undefined],
        ['bshd', undefined],
        ['bshd', 4],
      ] as const) {
        const { worst, lengths } = generate(extra, layout, sliding, dtype);
        expect(worst, `${layout}${sliding ? ` sliding ${sliding}` : ''}`).toBeLessThanOrEqual(bound);
        expect(worst).toBeGreaterThan(0);
        expect(lengths).toEqual([9, 6, 11]);
      }
    },
  );
});
