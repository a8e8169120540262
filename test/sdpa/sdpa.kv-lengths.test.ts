// kvLengths (per-sequence key lengths) against the float64 reference on odd shapes with every option,
// in every regime of the kernels (row kernel with weightsOut, packed prefill, direct decode, split-K
// decode, interleaved bshd heads); the same answer as the equivalent key-padding mask and as an unpadded
// call on each sequence alone; padding never read; async and thread counts bit-identical.
import { afterAll, describe, expect, it } from 'vitest';
import {
  backendInfo,
  getNumThreads,
  scaledDotProductAttention,
  scaledDotProductAttentionAsync,
  setNumThreads,
  t5RelativeBias,
  type Tensor,
} from '../../src/index';
import { rng } from '../helpers/random';
import { maxAbsDiff, referenceSdpa } from '../helpers/reference';
import {
  buildCase,
  checkAsyncMatchesSync,
  checkCase,
  describeSpec,
  TOLERANCE,
  worst,
  type CaseSpec,
} from '../helpers/sdpa-case';

const initialThreads = getNumThreads();
afterAll(() => {
  setNumThreads(initialThreads);
  console.log(
    `[${backendInfo().backend}/${backendInfo().simd}] kvLengths: largest abs error vs float64 reference: ${worst.err.toExponential(2)} (${worst.label})`,
  );
});

function uniform(n: number, seed: number, lo: number, hi: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** B lengths in [0, Lk]: 0, Lk, then random ones, in an order set by the seed. */
function lengthsFor(B: number, Lk: number, seed: number): number[] {
  const r = rng(seed);
  const fixed = [0, Lk, Math.floor(Lk / 2) + 1];
  const out = Array.from({ length: B }, (_, b) =>
    b < fixed.length ? Math.min(fixed[b], Lk) : Math.floor(r() * (Lk + 1)),
  );
  const start = Math.floor(r() * B);
  return [...out.slice(start), ...out.slice(0, start)];
}

/** Every length of {1, 3, 17, 65} as Lq and as Lk with D of {1, 7, 33, 64}: Lq < Lk, Lq = Lk, Lq > Lk. */
const SHAPES: [Lq: number, Lk: number, D: number][] = [
  [1, 1, 7],
  [1, 65, 64],
  [3, 17, 1],
  [3, 3, 33],
  [17, 65, 7],
  [17, 3, 64],
  [65, 65, 1],
  [65, 17, 33],
  [17, 17, 64],
  [1, 17, 33],
]; // prettier-ignore

/** Options taken in turn, each with a head and layout variation. */
const FLAVOURS: { label: string; spec: (Lq: number, Lk: number, seed: number) => Partial<CaseSpec> }[] = [
  { label: 'plain, GQA', spec: () => ({ Hq: 4, Hkv: 2 }) },
  { label: 'causal, bshd', spec: () => ({ Hq: 2, Hkv: 1, layout: 'bshd', causal: true }) },
  { label: 'causal top-left, 3-D', spec: () => ({ rank3: true, causal: true, topLeft: true }) },
  {
    label: 'top-left positions, window',
    spec: (_q, Lk) => ({ Hq: 2, Hkv: 2, topLeft: true, extras: { window: { left: Math.floor(Lk / 3), right: 1 } } }),
  },
  {
    label: 'causal, window, ALiBi',
    spec: (_q, Lk, s) => ({
      Hq: 3,
      Hkv: 1,
      causal: true,
      extras: { window: { left: Math.floor(Lk / 4) }, alibiSlopes: uniform(3, s, 0.01, 0.5) },
    }),
  },
  {
    label: 'relative bias, softcap, MQA bshd',
    spec: (Lq, Lk, s) => ({
      Hq: 4,
      Hkv: 1,
      layout: 'bshd',
      scale: 1,
      extras: { softcap: 1.5, relativeBias: { data: uniform(4 * (Lq + Lk - 1), s, -3, 3), heads: 4 } },
    }),
  },
  {
    label: 'causal, relative bias [1, ·], sinks',
    spec: (Lq, Lk, s) => ({
      Hq: 2,
      Hkv: 1,
      causal: true,
      extras: { relativeBias: { data: uniform(Lq + Lk - 1, s, -3, 3), heads: 1 }, sinks: uniform(2, s + 1, -2, 3) },
    }),
  },
  {
    label: 'bool mask [B, 1, Lq, Lk]',
    spec: (Lq, Lk, s) => ({
      Hq: 2,
      Hkv: 1,
      mask: { data: Uint8Array.from(uniform(3 * Lq * Lk, s, 0, 1), (x) => (x < 0.7 ? 1 : 0)), shape: [3, 1, Lq, Lk] },
    }),
  },
  {
    label: 'causal, additive mask [Lq, Lk], every extra',
    spec: (Lq, Lk, s) => ({
      Hq: 2,
      Hkv: 2,
      causal: true,
      mask: {
        data: Float32Array.from(uniform(Lq * Lk, s, 0, 1), (x) => (x < 0.2 ? -Infinity : (x - 0.5) * 4)),
        shape: [Lq, Lk],
      },
      extras: {
        softcap: 2,
        window: { left: 9, right: 2 },
        alibiSlopes: uniform(2, s, 0.01, 0.5),
        relativeBias: { data: uniform(2 * (Lq + Lk - 1), s + 2, -2, 2), heads: 2 },
        sinks: uniform(2, s + 3, -2, 3),
      },
    }),
  }, // prettier-ignore
];

function oddCase(n: number, f: number): CaseSpec {
  const [Lq, Lk, D] = SHAPES[n];
  const seed = 17 * n + f;
  const base = FLAVOURS[f].spec(Lq, Lk, seed);
  const spec: CaseSpec = { B: 3, Hq: 1, Hkv: 1, Lq, Lk, D, Dv: D === 1 ? 3 : D - 2, seed, ...base };
  return { ...spec, extras: { ...spec.extras, kvLengths: lengthsFor(3, Lk, seed) } };
}

describe(`kvLengths [${backendInfo().backend}/${backendInfo().simd}]`, () => {
  describe('against the float64 reference, with and without weightsOut', () => {
    FLAVOURS.forEach(({ label }, f) => {
      it(label, () => {
        for (let n = 0; n < SHAPES.length; n++) checkCase(oddCase(n, f));
      });
    });
    it('Int32Array and array lengths give the same bits', () => {
      const spec = oddCase(4, 4);
      const c = buildCase(spec);
      const a = scaledDotProductAttention(c.q, c.k, c.v, c.options).data;
      const b = scaledDotProductAttention(c.q, c.k, c.v, {
        ...c.options,
        kvLengths: Int32Array.from(spec.extras!.kvLengths!),
      }).data;
      expect(Array.from(b)).toEqual(Array.from(a));
    });
  });

  // The regimes of the native dispatch (native/kernels/common/flash_fwd.h): G·Lq <= 8 rows per kv head
  // take the direct paths (one row pipelined, 2..8 with the K and V streams interleaved, bshd across
  // heads), split into key chunks of at least 256 keys when Lk is long; more rows take the packed prefill
  // blocks of 128-512 keys.
  describe('every kernel regime', () => {
    const decode: [string, Partial<CaseSpec>][] = [
      ['one row per kv head (pipelined), split-K', { Hq: 4, Hkv: 4 }],
      ['GQA 4 rows per kv head, split-K', { Hq: 8, Hkv: 2 }],
      ['GQA 8 rows per kv head, causal, bshd (interleaved heads)', { Hq: 16, Hkv: 2, layout: 'bshd', causal: true }],
      [
        'MQA 3 rows, bshd one kv head, window, sinks',
        { Hq: 3, Hkv: 1, layout: 'bshd', extras: { window: { left: 300 }, sinks: Float32Array.of(0.5, -1, 2) } },
      ],
      [
        'one row per kv head, bshd (interleaved heads), ALiBi',
        { Hq: 4, Hkv: 4, layout: 'bshd', extras: { alibiSlopes: Float32Array.of(0.5, 0.25, 0.125, 0.0625) } },
      ],
    ];
    for (const [label, s] of decode)
      it(`decode Lq = 1, Lk = 1000: ${label}`, () => {
        // Chunk edges (256, 512) and block edges (64) on either side, 0 and the full length.
        for (const kvLengths of [
          [1000, 0, 517, 256],
          [257, 1, 999, 64],
        ])
          checkCase({
            B: 4,
            Hq: 1,
            Hkv: 1,
            Lq: 1,
            Lk: 1000,
            D: 64,
            Dv: 64,
            seed: kvLengths[0],
            ...s,
            extras: { ...s.extras, kvLengths },
          });
      });
    // Decode with 2..8 rows per kv head interleaves the dots of one 64-key block with the P·V of the block
    // before, 16 keys at a time: lengths on either side of those edges, with every kind of row.
    it('decode Lq = 1, Lk = 1000, GQA ratios 1, 2, 4, 8: lengths 0, 1, 3, 17, 65, 1000 and 16-key edges', () => {
      const kvLengths = [0, 1, 3, 17, 65, 1000, 15, 16, 63, 64, 80, 129];
      const B = kvLengths.length;
      for (const G of [1, 2, 4, 8]) {
        const Hkv = 2;
        const Hq = G * Hkv;
        const r = rng(G);
        checkCase({ B, Hq, Hkv, Lq: 1, Lk: 1000, D: 64, Dv: 64, seed: G, extras: { kvLengths } });
        checkCase({
          B,
          Hq,
          Hkv,
          Lq: 1,
          Lk: 1000,
          D: 33,
          Dv: 17,
          seed: G + 10,
          causal: true,
          mask: { data: Uint8Array.from({ length: B * 1000 }, () => (r() < 0.8 ? 1 : 0)), shape: [B, 1, 1, 1000] },
          extras: { kvLengths, softcap: 2, sinks: uniform(Hq, G, -2, 2), alibiSlopes: uniform(Hq, G + 1, 0.01, 0.1) },
        });
      }
    });
    it('decode Lq = 2, Lk = 1100, GQA 2 rows per kv head, bottom-right causal with a relative bias', () => {
      const [Lq, Lk] = [2, 1100];
      checkCase({
        B: 3,
        Hq: 4,
        Hkv: 2,
        Lq,
        Lk,
        D: 33,
        Dv: 17,
        causal: true,
        extras: { kvLengths: [1, 700, 1100], relativeBias: { data: uniform(4 * (Lq + Lk - 1), 5, -2, 2), heads: 4 } },
      });
    });
    it('prefill Lq = Lk = 300, causal, packed blocks', () =>
      checkCase({
        B: 3,
        Hq: 2,
        Hkv: 1,
        Lq: 300,
        Lk: 300,
        D: 64,
        Dv: 64,
        causal: true,
        extras: { kvLengths: [300, 150, 1] },
      }));
    it('prefill Lq = 70, Lk = 1100: several 512-key blocks, a length on and off a block edge', () =>
      checkCase({
        B: 3,
        Hq: 2,
        Hkv: 1,
        Lq: 70,
        Lk: 1100,
        D: 16,
        Dv: 16,
        causal: true,
        extras: { kvLengths: [512, 1025, 70] },
      }));
    it('prefill Lq = 40, Lk = 777, 256-key blocks, window and ALiBi', () =>
      checkCase({
        B: 2,
        Hq: 2,
        Hkv: 2,
        Lq: 40,
        Lk: 777,
        D: 100,
        Dv: 100,
        extras: { kvLengths: [777, 300], window: { left: 100, right: 10 }, alibiSlopes: Float32Array.of(0.1, 0.3) },
      }));
    it('prefill with fewer valid keys than queries: the first Lq − length rows see no key', () => {
      const spec: CaseSpec = {
        B: 2,
        Hq: 2,
        Hkv: 1,
        Lq: 20,
        Lk: 30,
        D: 8,
        Dv: 8,
        causal: true,
        extras: { kvLengths: [5, 30] },
      };
      checkCase(spec);
      const c = buildCase(spec);
      const out = scaledDotProductAttention(c.q, c.k, c.v, c.options).data;
      for (let h = 0; h < 2; h++)
        for (let i = 0; i < 20; i++) {
          const row = out.subarray(((0 * 2 + h) * 20 + i) * 8, ((0 * 2 + h) * 20 + i + 1) * 8);
          expect(
            row.every((x) => x === 0),
            `head ${h} row ${i}`,
          ).toBe(i < 15);
        }
    });
  });

  describe('the same answer as other ways to say it', () => {
    // A key-padding mask [B, 1, 1, Lk] hides the same keys; positions only matter under causal, the
    // window and the biases, which this case leaves out.
    for (const layout of ['bhsd', 'bshd'] as const)
      it(`equals the key-padding bool mask (${layout}, GQA, prefill and decode)`, () => {
        for (const [Lq, Lk] of [
          [17, 65],
          [1, 1000],
          [300, 300],
        ]) {
          const B = 3;
          const lengths = lengthsFor(B, Lk, Lq);
          const c = buildCase({ B, Hq: 4, Hkv: 2, Lq, Lk, D: 32, Dv: 16, layout, seed: Lq });
          const mask = {
            data: Uint8Array.from({ length: B * Lk }, (_, x) => (x % Lk < lengths[Math.floor(x / Lk)] ? 1 : 0)),
            shape: [B, 1, 1, Lk],
          };
          const viaMask = scaledDotProductAttention(c.q, c.k, c.v, { layout, mask }).data;
          const viaLengths = scaledDotProductAttention(c.q, c.k, c.v, { layout, kvLengths: lengths }).data;
          expect(maxAbsDiff(viaLengths, viaMask), `Lq ${Lq} Lk ${Lk}`).toBeLessThanOrEqual(TOLERANCE);
        }
      });
    it('equals the mask of padding and the bottom-right diagonal of each length, under causal', () => {
      const [B, Lq, Lk] = [3, 17, 65];
      const lengths = [65, 9, 40];
      const c = buildCase({ B, Hq: 2, Hkv: 1, Lq, Lk, D: 16, Dv: 16 });
      const mask = { data: new Uint8Array(B * Lq * Lk), shape: [B, 1, Lq, Lk] };
      for (let b = 0; b < B; b++)
        for (let i = 0; i < Lq; i++)
          for (let j = 0; j < lengths[b] && j <= i + lengths[b] - Lq; j++) mask.data[(b * Lq + i) * Lk + j] = 1;
      const viaMask = scaledDotProductAttention(c.q, c.k, c.v, { mask }).data;
      const viaLengths = scaledDotProductAttention(c.q, c.k, c.v, { causal: true, kvLengths: lengths }).data;
      expect(maxAbsDiff(viaLengths, viaMask)).toBeLessThanOrEqual(TOLERANCE);
    });
    // Each sequence alone, unpadded (k and v cut to its length), with the same options: what a padded batch
    // of KV caches must give. The T5 bias is built for each call's own Lk, bottom-right.
    for (const layout of ['bhsd', 'bshd'] as const)
      it(`each batch entry equals an unpadded call of its length: causal, window, ALiBi, T5 bias, sinks (${layout})`, () => {
        const [B, Hq, Hkv, D, Lq, Lk] = [3, 4, 2, 16, 5, 90];
        const lengths = [90, 37, 5];
        const r = rng(7);
        const table = { data: Float32Array.from({ length: 32 * Hq }, () => r() * 4 - 2), shape: [32, Hq] };
        const extra = {
          causal: true,
          window: { left: 20 },
          alibiSlopes: [0.5, 0.25, 0.125, 0.0625],
          sinks: [0, 1, -1, 0.5],
          scale: 1,
        } as const;
        const c = buildCase({ B, Hq, Hkv, Lq, Lk, D, Dv: D, layout });
        const shape = (H: number, L: number) => (layout === 'bhsd' ? [1, H, L, D] : [1, L, H, D]);
        const at = (H: number, L: number, b: number, h: number, l: number) =>
          layout === 'bhsd' ? ((b * H + h) * L + l) * D : ((b * L + l) * H + h) * D;
        const slice = (t: Tensor, H: number, L: number, b: number, n: number): Tensor => {
          const data = new Float32Array(H * n * D);
          for (let h = 0; h < H; h++)
            for (let l = 0; l < n; l++)
              data.set(t.data.subarray(at(H, L, b, h, l), at(H, L, b, h, l) + D), at(H, n, 0, h, l));
          return { data, shape: shape(H, n) };
        };
        const padded = scaledDotProductAttention(c.q, c.k, c.v, {
          ...extra,
          layout,
          kvLengths: lengths,
          relativeBias: t5RelativeBias(table, Lq, Lk, { bidirectional: false }),
        });
        for (let b = 0; b < B; b++) {
          const n = lengths[b];
          const alone = scaledDotProductAttention(
            slice(c.q, Hq, Lq, b, Lq),
            slice(c.k, Hkv, Lk, b, n),
            slice(c.v, Hkv, Lk, b, n),
            { ...extra, layout, relativeBias: t5RelativeBias(table, Lq, n, { bidirectional: false }) },
          );
          expect(
            maxAbsDiff(slice(padded, Hq, Lq, b, Lq).data, alone.data),
            `entry ${b}, length ${n}`,
          ).toBeLessThanOrEqual(TOLERANCE);
        }
      });
    it('top-left alignment keeps query i at position i: the entry equals an unpadded top-left call', () => {
      const [Lq, Lk, n] = [6, 40, 10];
      const c = buildCase({ B: 1, Hq: 1, Hkv: 1, Lq, Lk, D: 8, Dv: 8 });
      const opts = { causal: true, causalAlignment: 'top-left', alibiSlopes: [0.3] } as const;
      const padded = scaledDotProductAttention(c.q, c.k, c.v, { ...opts, kvLengths: [n] }).data;
      const cut = (t: Tensor) => ({ data: t.data.slice(0, n * 8), shape: [1, 1, n, 8] });
      const alone = scaledDotProductAttention(c.q, cut(c.k), cut(c.v), opts).data;
      expect(maxAbsDiff(padded, alone)).toBeLessThanOrEqual(TOLERANCE);
    });
    it('lengths all Lk change nothing: the same bits as no kvLengths', () => {
      for (const s of [oddCase(8, 8), { ...oddCase(1, 1), Lq: 1, Lk: 1000, D: 64, Dv: 64 }]) {
        const c = buildCase({ ...s, extras: { ...s.extras, kvLengths: undefined } });
        const plain = scaledDotProductAttention(c.q, c.k, c.v, c.options).data;
        const full = scaledDotProductAttention(c.q, c.k, c.v, {
          ...c.options,
          kvLengths: new Array(s.B).fill(s.Lk),
        }).data;
        expect(Array.from(full), describeSpec(s)).toEqual(Array.from(plain));
      }
    });
  });

  describe('padding is never read', () => {
    // k and v past each length hold NaN: the result must equal the clean reference, on every path.
    const cases: CaseSpec[] = [
      { B: 2, Hq: 2, Hkv: 1, Lq: 17, Lk: 65, D: 7, Dv: 5, causal: true, extras: { kvLengths: [30, 0] } },
      { B: 2, Hq: 4, Hkv: 1, Lq: 1, Lk: 1000, D: 64, Dv: 64, extras: { kvLengths: [600, 3] } },
      { B: 2, Hq: 8, Hkv: 2, Lq: 1, Lk: 1000, D: 32, Dv: 32, layout: 'bshd', extras: { kvLengths: [257, 999] } },
      {
        B: 2,
        Hq: 2,
        Hkv: 2,
        Lq: 200,
        Lk: 300,
        D: 16,
        Dv: 16,
        extras: { kvLengths: [129, 300], alibiSlopes: Float32Array.of(0.1, 0.2) },
      },
    ];
    for (const spec of cases)
      for (const withWeights of [false, true])
        it(`${describeSpec(spec)}${withWeights ? ', weightsOut' : ''}`, () => {
          const c = buildCase(spec);
          const want = referenceSdpa(c.ref);
          const { B, Hkv, Lk, D, Dv } = spec;
          const lengths = spec.extras!.kvLengths!;
          for (let b = 0; b < B; b++)
            for (let h = 0; h < Hkv; h++)
              for (let j = lengths[b]; j < Lk; j++) {
                const row = spec.layout === 'bshd' ? (b * Lk + j) * Hkv + h : (b * Hkv + h) * Lk + j;
                c.k.data.fill(NaN, row * D, (row + 1) * D);
                c.v.data.fill(NaN, row * Dv, (row + 1) * Dv);
              }
          const weights = new Float32Array(B * spec.Hq * spec.Lq * Lk).fill(NaN);
          const options = withWeights
            ? { ...c.options, weightsOut: { data: weights, shape: [B, spec.Hq, spec.Lq, Lk] } }
            : c.options;
          const got = scaledDotProductAttention(c.q, c.k, c.v, options).data;
          expect(maxAbsDiff(got, want.out)).toBeLessThanOrEqual(TOLERANCE);
          if (!withWeights) return;
          expect(maxAbsDiff(weights, want.weights)).toBeLessThanOrEqual(TOLERANCE);
          // Padded keys get exact zeros.
          for (let r = 0; r < B * spec.Hq * spec.Lq; r++) {
            const b = Math.floor(r / (spec.Hq * spec.Lq));
            for (let j = lengths[b]; j < Lk; j++)
              expect(Object.is(weights[r * Lk + j], 0), `row ${r} key ${j}`).toBe(true);
          }
        });
  });

  it('an entry of length 0 gives zero rows and zero weights, sinks or not', () => {
    for (const sinks of [undefined, Float32Array.of(3, -1)]) {
      const spec: CaseSpec = { B: 2, Hq: 2, Hkv: 1, Lq: 3, Lk: 9, D: 4, Dv: 5, extras: { kvLengths: [0, 9], sinks } };
      const c = buildCase(spec);
      const weights = { data: new Float32Array(2 * 2 * 3 * 9).fill(NaN), shape: [2, 2, 3, 9] };
      for (const options of [c.options, { ...c.options, weightsOut: weights }]) {
        const out = scaledDotProductAttention(c.q, c.k, c.v, options).data;
        expect(Array.from(out.subarray(0, 30))).toEqual(new Array(30).fill(0));
        expect(out.subarray(30).some((x) => x !== 0)).toBe(true);
      }
      expect(Array.from(weights.data.subarray(0, 54))).toEqual(new Array(54).fill(0));
      checkCase(spec);
    }
  });

  it('async equals sync bit for bit', async () => {
    await checkAsyncMatchesSync(oddCase(4, 8));
    await checkAsyncMatchesSync({
      B: 3,
      Hq: 8,
      Hkv: 2,
      Lq: 1,
      Lk: 1000,
      D: 64,
      Dv: 64,
      layout: 'bshd',
      extras: { kvLengths: [1000, 0, 300] },
    });
  });

  it("a later change to the caller's lengths array does not reach the call", async () => {
    const spec: CaseSpec = { B: 2, Hq: 2, Hkv: 1, Lq: 4, Lk: 50, D: 8, Dv: 8, seed: 3 };
    const c = buildCase(spec);
    const lengths = Int32Array.of(20, 50);
    const want = scaledDotProductAttention(c.q, c.k, c.v, { kvLengths: [20, 50] }).data;
    const pending = scaledDotProductAttentionAsync(c.q, c.k, c.v, { kvLengths: lengths });
    lengths.fill(1000);
    expect(Array.from((await pending).data)).toEqual(Array.from(want));
  });

  it('gives the same bits on 1 and 2 threads', () => {
    const specs: CaseSpec[] = [
      { B: 3, Hq: 8, Hkv: 2, Lq: 1, Lk: 1000, D: 64, Dv: 64, extras: { kvLengths: [1000, 257, 0] } },
      { B: 3, Hq: 2, Hkv: 1, Lq: 300, Lk: 300, D: 32, Dv: 32, causal: true, extras: { kvLengths: [300, 150, 1] } },
    ];
    for (const spec of specs) {
      const c = buildCase(spec);
      setNumThreads(1);
      const one = scaledDotProductAttention(c.q, c.k, c.v, c.options).data;
      setNumThreads(2);
      const two = scaledDotProductAttention(c.q, c.k, c.v, c.options).data;
      expect(Array.from(two), describeSpec(spec)).toEqual(Array.from(one));
    }
  });

  it("compute: 'bf16' stays within bfloat16 error of the reference", () => {
    const spec: CaseSpec = {
      B: 2,
      Hq: 2,
      Hkv: 1,
      Lq: 200,
      Lk: 400,
      D: 64,
      Dv: 64,
      causal: true,
      extras: { kvLengths: [400, 213] },
    };
    const c = buildCase(spec);
    const got = scaledDotProductAttention(c.q, c.k, c.v, { ...c.options, compute: 'bf16' }).data;
    expect(maxAbsDiff(got, referenceSdpa(c.ref).out)).toBeLessThanOrEqual(3e-2);
  });

  it('random shapes and lengths', () => {
    const r = rng(2024);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
    for (let n = 0; n < 40; n++) {
      const Hkv = pick([1, 2]);
      const Lq = pick([1, 2, 3, 17, 65]);
      const Lk = pick([1, 3, 17, 65, 300]);
      const D = pick([1, 7, 16, 33]);
      const B = pick([1, 2, 3]);
      const spec: CaseSpec = {
        B,
        Hq: Hkv * pick([1, 2, 4]),
        Hkv,
        Lq,
        Lk,
        D,
        Dv: pick([1, 5, 16, D]),
        layout: pick(['bhsd', 'bshd'] as const),
        causal: r() < 0.5,
        topLeft: r() < 0.3,
        seed: n,
        extras: {
          kvLengths: Array.from({ length: B }, () => pick([0, Lk, Math.floor(r() * (Lk + 1))])),
          ...(r() < 0.3 ? { window: { left: pick([0, 3, 40]) } } : {}),
        },
      }; // prettier-ignore
      checkCase(spec);
    }
  });
});
