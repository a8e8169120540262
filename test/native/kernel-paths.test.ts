// The fused kernel's paths (block tails, causal block skipping, GQA packing, both layouts, masks,
// decode split-K) against the float64 reference, and bit-identical output for any thread count.
// Runs in every project: once per SIMD level on the native backend, and on the JS backend.
import { afterAll, describe, expect, it } from 'vitest';
import { backendInfo, getNumThreads, scaledDotProductAttention, setNumThreads } from '../../src/index';
import { checkCase, buildCase, TOLERANCE, type CaseSpec } from '../helpers/sdpa-case';
import { referenceSdpa } from '../helpers/reference';
import { rng } from '../helpers/random';

const initialThreads = getNumThreads();
afterAll(() => setNumThreads(initialThreads));

const LENS = [1, 3, 17, 65, 257, 1000];
const DIMS = [1, 7, 33, 64, 65, 128];

function randomBoolMask(n: number, seed: number, pKeep = 0.7): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => (r() < pKeep ? 1 : 0));
}

describe(`fused kernel paths [${backendInfo().backend}/${backendInfo().simd}]`, () => {
  it('block tails: every Lq, Lk in {1, 3, 17, 65, 257, 1000} with D cycling through {1, 7, 33, 64, 65, 128}', () => {
    let n = 0;
    for (const Lq of LENS)
      for (const Lk of LENS) {
        // Keep the float64 reference affordable: the largest D only where Lq*Lk is moderate.
        const D = Lq * Lk >= 257 * 1000 ? DIMS[n % 3] : DIMS[n % DIMS.length];
        const Dv = DIMS[(n + 2) % DIMS.length];
        checkCase({ B: 1, Hq: 2, Hkv: 1, Lq, Lk, D, Dv: Lq * Lk >= 257 * 1000 ? 16 : Dv, seed: 100 + n });
        n++;
      }
  });

  // Prefill key blocks are 512 keys when D + Dv is small, 256 up to D + Dv = 512, else 128: several
  // blocks of each size with tails, causal block skipping and a per-row mask read across blocks.
  it('prefill blocks of 512, 256 and 128 keys: several blocks, tails, causal, masks', () => {
    const mask = (Lq: number, Lk: number, seed: number) => ({
      data: Float32Array.from(randomBoolMask(Lq * Lk, seed, 0.9), (x, i) => (x ? ((i % 7) - 3) * 0.25 : -Infinity)),
      shape: [Lq, Lk],
    });
    const cases: CaseSpec[] = [
      { B: 1, Hq: 2, Hkv: 1, Lq: 33, Lk: 1537, D: 16, Dv: 16, seed: 61 }, // 512-key blocks, a 1-key tail
      { B: 1, Hq: 2, Hkv: 1, Lq: 70, Lk: 1100, D: 64, Dv: 64, causal: true, seed: 62 },
      { B: 1, Hq: 2, Hkv: 1, Lq: 1100, Lk: 1100, D: 8, Dv: 8, causal: true, topLeft: true, seed: 63 },
      { B: 1, Hq: 2, Hkv: 2, Lq: 40, Lk: 777, D: 100, Dv: 100, seed: 64 }, // 256-key blocks
      { B: 1, Hq: 1, Hkv: 1, Lq: 20, Lk: 600, D: 300, Dv: 300, seed: 65 }, // 128-key blocks
      { B: 1, Hq: 2, Hkv: 1, Lq: 50, Lk: 1100, D: 32, Dv: 32, mask: mask(50, 1100, 66), seed: 67 },
      { B: 1, Hq: 2, Hkv: 1, Lq: 30, Lk: 700, D: 100, Dv: 60, mask: mask(30, 700, 68), seed: 69 },
    ];
    for (const c of cases) checkCase(c);
  });

  // Prefill tiles are 6 rows x 16 keys (AVX2, NEON, scalar) or 14 rows x 32 keys (zmm): every tile row
  // count from a full tile down to 1, and odd and even counts of 16-key and 16-column panels.
  it('prefill tiles: 9 to 30 rows per kv head, 1 to 4 panels of keys and of value columns', () => {
    for (let Lq = 9; Lq <= 30; Lq++) {
      const Lk = [16, 17, 33, 48, 64][Lq % 5];
      const Dv = [16, 48, 64, 5, 40][Lq % 5];
      checkCase({ B: 1, Hq: 1, Hkv: 1, Lq, Lk, D: 64 - Lq, Dv, causal: Lq % 3 === 0, seed: 300 + Lq });
    }
    checkCase({ B: 1, Hq: 4, Hkv: 2, Lq: 15, Lk: 45, D: 128, Dv: 128, seed: 331 }); // 30 rows per kv head
  });

  it('D and Dv tails on a mid-size shape', () => {
    for (const D of DIMS)
      checkCase({ B: 1, Hq: 2, Hkv: 2, Lq: 65, Lk: 129, D, Dv: DIMS[(DIMS.indexOf(D) + 3) % 6], seed: D });
  });

  it('causal with Lq < Lk, Lq = Lk, Lq > Lk, both alignments, across block boundaries', () => {
    for (const [Lq, Lk] of [
      [65, 257],
      [200, 200],
      [257, 65],
      [97, 130],
      [1, 300],
    ])
      for (const topLeft of [false, true])
        checkCase({ B: 1, Hq: 2, Hkv: 1, Lq, Lk, D: 33, Dv: 64, causal: true, topLeft, seed: Lq + Lk });
  });

  it('GQA groups of 1, 2, 4, 8 query heads per kv head, prefill and decode', () => {
    for (const [Hq, Hkv] of [
      [8, 8],
      [8, 4],
      [8, 2],
      [8, 1],
    ])
      for (const Lq of [1, 3, 100]) checkCase({ B: 2, Hq, Hkv, Lq, Lk: 300, D: 64, Dv: 32, seed: Hq * 10 + Hkv + Lq });
  });

  // 2 to 8 rows per kv head (bhsd) take the keys in pairs; a block's odd last key goes alone, and a
  // causal or windowed row's first key may fall on either half of a pair.
  it('decode, 2 to 8 rows per kv head: odd key counts, D tails, causal, windows, masks', () => {
    for (const [Hq, Hkv, Lq] of [
      [2, 1, 1],
      [3, 1, 1],
      [8, 2, 1],
      [2, 2, 2],
      [4, 2, 2],
      [5, 1, 1],
      [3, 1, 2],
      [8, 1, 1],
    ])
      for (const [Lk, D] of [
        [1, 7],
        [3, 33],
        [65, 64],
        [129, 9],
        [301, 128],
      ])
        checkCase({ B: 1, Hq, Hkv, Lq, Lk, D, Dv: D, seed: Hq * 1000 + Lk + D });
    checkCase({ B: 2, Hq: 8, Hkv: 2, Lq: 2, Lk: 333, D: 40, Dv: 24, causal: true, seed: 71 });
    checkCase({
      B: 1,
      Hq: 6,
      Hkv: 2,
      Lq: 1,
      Lk: 517,
      D: 64,
      Dv: 64,
      causal: true,
      seed: 72,
      extras: { window: { left: 101 } },
    });
    checkCase({
      B: 1,
      Hq: 4,
      Hkv: 1,
      Lq: 1,
      Lk: 299,
      D: 17,
      Dv: 17,
      seed: 73,
      mask: { data: randomBoolMask(299, 74), shape: [299] },
    });
  });

  // 4 and 8 rows per kv head (bhsd here; bshd in the cases below) take the avx512 level's 4 x 4
  // dot-product tiles (a block's last keys repeated to fill a tile) and, when Dv is a multiple of 64 and
  // no key in the block is masked, its 4 x 64 P·V tiles.
  it('decode, 4 and 8 rows per kv head: Dv multiples of 64, D tails, masks and windows', () => {
    for (const [Hq, Hkv, Lq] of [
      [4, 1, 1],
      [16, 2, 1],
      [8, 2, 2],
    ])
      for (const [Lk, D, Dv] of [
        [5, 65, 64],
        [130, 1000, 192],
        [67, 16, 128],
        [257, 17, 48],
      ])
        checkCase({ B: 1, Hq, Hkv, Lq, Lk, D, Dv, seed: Hq * 100 + Lk + D });
    checkCase({ B: 1, Hq: 8, Hkv: 1, Lq: 1, Lk: 403, D: 64, Dv: 64, seed: 75, extras: { window: { left: 77 } } });
    checkCase({
      B: 1,
      Hq: 4,
      Hkv: 1,
      Lq: 1,
      Lk: 333,
      D: 128,
      Dv: 128,
      seed: 76,
      mask: { data: randomBoolMask(333, 77), shape: [333] },
    });
  });

  it('bshd layout, custom scale, causal and GQA together', () => {
    checkCase({
      B: 2,
      Hq: 4,
      Hkv: 2,
      Lq: 70,
      Lk: 150,
      D: 65,
      Dv: 33,
      layout: 'bshd',
      scale: 0.3,
      causal: true,
      seed: 7,
    });
    checkCase({ B: 1, Hq: 6, Hkv: 3, Lq: 1, Lk: 700, D: 128, Dv: 128, layout: 'bshd', seed: 8 });
  });

  // bshd decode with one or two rows per kv head reads every kv head's rows of a key together (one
  // task per batch entry and key chunk).
  it('bshd decode, all heads per task: one chunk or several, GQA, masks, score options', () => {
    const r = rng(31);
    const perHead = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
    const cases: CaseSpec[] = [
      { B: 2, Hq: 5, Hkv: 5, Lq: 1, Lk: 300, D: 33, Dv: 17, layout: 'bshd', seed: 41 }, // two chunks per batch entry
      {
        B: 1,
        Hq: 8,
        Hkv: 4,
        Lq: 1,
        Lk: 200,
        D: 16,
        Dv: 24,
        layout: 'bshd',
        causal: true,
        seed: 42,
        extras: { sinks: perHead(8, -2, 2), alibiSlopes: perHead(8, 0.01, 0.3), softcap: 3, window: { left: 90 } },
      },
      {
        B: 1,
        Hq: 4,
        Hkv: 4,
        Lq: 2,
        Lk: 1000,
        D: 16,
        Dv: 16,
        layout: 'bshd',
        causal: true,
        seed: 43,
        extras: { sinks: perHead(4, -2, 2), window: { left: 700, right: 0 } },
      },
      {
        B: 1,
        Hq: 4,
        Hkv: 2,
        Lq: 1,
        Lk: 700,
        D: 64,
        Dv: 64,
        layout: 'bshd',
        seed: 44,
        mask: {
          data: Float32Array.from(randomBoolMask(4 * 700, 45), (x, i) => (x ? (i % 5) * 0.2 : -Infinity)),
          shape: [1, 4, 1, 700],
        },
      },
      { B: 1, Hq: 4, Hkv: 4, Lq: 1, Lk: 1, D: 8, Dv: 8, layout: 'bshd', seed: 46 },
    ];
    for (const spec of cases) checkCase(spec);
  });

  // bshd decode with 3..8 rows per kv head runs the blocked path across heads: per key block, the
  // dots of every head key by key, then each head's softmax and P·V.
  it('bshd decode, 3 to 8 rows per kv head: chunks, block tails, D tails, masks, score options', () => {
    const r = rng(61);
    const perHead = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
    const cases: CaseSpec[] = [
      { B: 1, Hq: 8, Hkv: 2, Lq: 1, Lk: 700, D: 64, Dv: 64, layout: 'bshd', seed: 51 }, // 4 rows, three chunks, tail block
      { B: 2, Hq: 6, Hkv: 2, Lq: 1, Lk: 300, D: 33, Dv: 17, layout: 'bshd', seed: 52 }, // 3 rows, D tail, Dv not a multiple of 16
      { B: 1, Hq: 16, Hkv: 2, Lq: 1, Lk: 520, D: 128, Dv: 128, layout: 'bshd', seed: 53 }, // 8 rows
      {
        B: 1,
        Hq: 4,
        Hkv: 2,
        Lq: 3,
        Lk: 400,
        D: 16,
        Dv: 32,
        layout: 'bshd',
        causal: true,
        seed: 54,
        extras: { sinks: perHead(4, -2, 2), alibiSlopes: perHead(4, 0.01, 0.3), softcap: 3, window: { left: 150 } },
      },
      {
        B: 1,
        Hq: 8,
        Hkv: 2,
        Lq: 1,
        Lk: 600,
        D: 32,
        Dv: 32,
        layout: 'bshd',
        seed: 55,
        mask: {
          data: Float32Array.from(randomBoolMask(8 * 600, 56), (x, i) => (x ? (i % 5) * 0.2 : -Infinity)),
          shape: [1, 8, 1, 600],
        },
      },
      { B: 1, Hq: 8, Hkv: 2, Lq: 1, Lk: 5, D: 8, Dv: 8, layout: 'bshd', seed: 57 }, // fewer keys than the prefetch distance
      { B: 1, Hq: 12, Hkv: 3, Lq: 1, Lk: 1, D: 7, Dv: 9, layout: 'bshd', seed: 58 },
    ];
    for (const spec of cases) checkCase(spec);
  });

  it('bshd decode, 4 rows per kv head: a NaN in the v row of a masked key never reaches the output', () => {
    const [Hq, Hkv, Lk, D] = [8, 2, 300, 16];
    const keep = randomBoolMask(Lk, 59);
    const hidden = keep.indexOf(0);
    expect(hidden).toBeGreaterThanOrEqual(0);
    const c = buildCase({ B: 1, Hq, Hkv, Lq: 1, Lk, D, Dv: D, layout: 'bshd', seed: 60 });
    const want = referenceSdpa({ ...c.ref, mask: (_b, _h, _i, j) => keep[j] !== 0 });
    for (let h = 0; h < Hkv; h++) c.v.data[(hidden * Hkv + h) * D + 3] = NaN; // bshd: [b][l][h][d]
    const got = scaledDotProductAttention(c.q, c.k, c.v, {
      layout: 'bshd',
      mask: { data: keep, shape: [Lk] } as never,
    });
    let err = 0;
    for (let x = 0; x < got.data.length; x++) err = Math.max(err, Math.abs(got.data[x] - want.out[x]));
    expect(err).toBeLessThanOrEqual(TOLERANCE);
  });

  it('bool and additive masks: per-row, broadcast over rows, heads and batch, strided along keys', () => {
    const B = 2,
      H = 2,
      Lq = 40,
      Lk = 150;
    const specs: CaseSpec['mask'][] = [
      { data: randomBoolMask(B * H * Lq * Lk, 1), shape: [B, H, Lq, Lk] },
      { data: randomBoolMask(Lk, 2), shape: [Lk] },
      { data: randomBoolMask(Lq, 3), shape: [Lq, 1] }, // stride 0 along keys: whole rows on or off
      { data: randomBoolMask(B * Lk, 4), shape: [B, 1, 1, Lk] },
      {
        data: Float32Array.from(randomBoolMask(B * H * Lq * Lk, 5), (x, i) => (x ? (i % 7) * 0.1 : -Infinity)),
        shape: [B, H, Lq, Lk],
      },
      { data: Float32Array.from({ length: Lq * Lk }, (_, i) => Math.sin(i)), shape: [Lq, Lk] },
    ];
    for (const mask of specs) {
      checkCase({ B, Hq: H, Hkv: H, Lq, Lk, D: 64, Dv: 64, mask });
      // Decode-sized rows with the masks that do not depend on Lq.
      if (mask && mask.shape[mask.shape.length - 2] !== Lq)
        checkCase({ B, Hq: H, Hkv: 1, Lq: 2, Lk, D: 64, Dv: 64, mask });
    }
  });

  it('NaN garbage in k and v behind masks never leaks, even when the same block has visible keys', () => {
    const Lq = 30,
      Lk = 300;
    // D = 40: V is copied in three 16-column panels, the last one padded.
    for (const D of [16, 40])
      for (const [kind, rowsShare] of [
        ['bool', true],
        ['bool', false],
        ['additive', false],
      ] as const) {
        const c = buildCase({ B: 1, Hq: 2, Hkv: 1, Lq, Lk, D, Dv: D, seed: 11 + D });
        // Per-row visibility; some keys hidden from every row hold NaN/Inf garbage in k and v.
        const keep = randomBoolMask(Lq * Lk, 12, 0.6);
        const hiddenEverywhere: number[] = [];
        for (let j = 0; j < Lk; j += 3) {
          hiddenEverywhere.push(j);
          for (let i = 0; i < Lq; i++) keep[i * Lk + j] = 0;
          c.k.data.fill(NaN, j * D, (j + 1) * D);
          c.v.data.fill(j % 2 ? Infinity : NaN, j * D, (j + 1) * D);
        }
        if (rowsShare) for (let i = 0; i < Lq; i++) keep.set(keep.subarray(0, Lk), i * Lk);
        const data = kind === 'bool' ? keep : Float32Array.from(keep, (x) => (x ? 0 : -Infinity));
        const mask = { data, shape: [Lq, Lk] };
        const want = referenceSdpa({ ...c.ref, mask: (_b, _h, i, j) => keep[i * Lk + j] !== 0 });
        const got = scaledDotProductAttention(c.q, c.k, c.v, { mask: mask as never });
        let err = 0;
        for (let x = 0; x < got.data.length; x++) err = Math.max(err, Math.abs(got.data[x] - want.out[x]));
        expect(err, `${kind} rowsShare=${rowsShare} D=${D}`).toBeLessThanOrEqual(TOLERANCE);
        expect(hiddenEverywhere.length).toBeGreaterThan(0);
      }
  });

  it('NaN or Infinity in q on the packed path (full key blocks, no padding): only that row is NaN', () => {
    // Lk = 256 fills its key blocks exactly (a multiple of 16 keys), so no padding key puts a -inf in
    // the row: the scores of the bad row are all NaN and must not be taken for finite ones. Again with
    // a bool and an additive mask, whose masking pass also finds the row maximum.
    const masks = [
      undefined,
      { data: randomBoolMask(40 * 256, 22, 0.8), shape: [40, 256] },
      {
        data: Float32Array.from(randomBoolMask(40 * 256, 23, 0.8), (x, i) => (x ? (i % 3) * 0.5 : -Infinity)),
        shape: [40, 256],
      },
    ];
    for (const mask of masks) {
      for (const bad of [NaN, Infinity]) {
        const c = buildCase({ B: 1, Hq: 1, Hkv: 1, Lq: 40, Lk: 256, D: 16, Dv: 16, seed: 21, mask });
        const want = referenceSdpa(c.ref);
        c.q.data[7 * 16 + 5] = bad; // row 7
        const got = scaledDotProductAttention(c.q, c.k, c.v, c.options);
        for (let i = 0; i < 40; i++)
          for (let d = 0; d < 16; d++) {
            const x = got.data[i * 16 + d];
            if (i === 7) expect(Number.isNaN(x), `row 7 d ${d} with q = ${bad}`).toBe(true);
            else expect(Math.abs(x - want.out[i * 16 + d]), `row ${i} d ${d}`).toBeLessThanOrEqual(TOLERANCE);
          }
      }
    }
  });

  it('NaN in v of a key visible to some rows reaches exactly those rows (causal, prefill and decode)', () => {
    for (const [Lq, Lk] of [
      [40, 40],
      [2, 600],
    ]) {
      const D = 8;
      const c = buildCase({ B: 1, Hq: 1, Hkv: 1, Lq, Lk, D, Dv: D, seed: 13 });
      const j = Lk - 5; // causal bottom-right: visible to the last 5 rows only
      c.v.data[j * D + 3] = NaN;
      const got = scaledDotProductAttention(c.q, c.k, c.v, { causal: true });
      c.v.data[j * D + 3] = 0;
      const want = referenceSdpa({ ...c.ref, causal: true });
      for (let i = 0; i < Lq; i++)
        for (let d = 0; d < D; d++) {
          const x = got.data[i * D + d];
          const sees = i + Lk - Lq >= j;
          if (sees && d === 3) expect(Number.isNaN(x), `row ${i} sees key ${j}`).toBe(true);
          else
            expect(Math.abs(x - want.out[i * D + d]), `row ${i} d ${d}`).toBeLessThanOrEqual(
              sees ? Infinity : TOLERANCE,
            );
        }
    }
  });
});

describe(`thread count never changes a bit [${backendInfo().backend}/${backendInfo().simd}]`, () => {
  const shapes: [string, CaseSpec][] = [
    ['prefill', { B: 1, Hq: 4, Hkv: 2, Lq: 257, Lk: 300, D: 64, Dv: 64 }],
    ['causal prefill', { B: 2, Hq: 2, Hkv: 2, Lq: 300, Lk: 300, D: 33, Dv: 65, causal: true }],
    // Tasks start at different keys under a window; the key blocks must not move with them.
    [
      'sliding-window prefill',
      { B: 1, Hq: 2, Hkv: 1, Lq: 700, Lk: 700, D: 16, Dv: 16, causal: true, extras: { window: { left: 150 } } },
    ],
    ['decode (split-K)', { B: 1, Hq: 8, Hkv: 8, Lq: 1, Lk: 1000, D: 128, Dv: 128 }],
    ['GQA decode (split-K)', { B: 2, Hq: 8, Hkv: 2, Lq: 1, Lk: 1500, D: 64, Dv: 64 }],
    [
      'GQA decode, windowed rows start on odd keys',
      { B: 1, Hq: 6, Hkv: 2, Lq: 1, Lk: 1301, D: 33, Dv: 33, causal: true, extras: { window: { left: 999 } } },
    ],
    [
      'masked decode',
      { B: 1, Hq: 2, Hkv: 1, Lq: 3, Lk: 999, D: 7, Dv: 7, mask: { data: randomBoolMask(999, 9), shape: [999] } },
    ],
    ['bshd decode (all heads per task)', { B: 1, Hq: 8, Hkv: 4, Lq: 1, Lk: 900, D: 32, Dv: 32, layout: 'bshd' }],
    ['bshd GQA decode (blocked across heads)', { B: 1, Hq: 8, Hkv: 2, Lq: 1, Lk: 900, D: 64, Dv: 64, layout: 'bshd' }],
  ];
  for (const [name, spec] of shapes)
    it(`${name}: 1, 2 and 3 threads give identical bits, and match the reference`, () => {
      const c = buildCase(spec);
      const runs = [1, 2, 3].map((n) => {
        setNumThreads(n);
        expect(getNumThreads()).toBe(n);
        expect(backendInfo().threads).toBe(n);
        return scaledDotProductAttention(c.q, c.k, c.v, c.options).data;
      });
      expect(Buffer.from(runs[1].buffer).equals(Buffer.from(runs[0].buffer))).toBe(true);
      expect(Buffer.from(runs[2].buffer).equals(Buffer.from(runs[0].buffer))).toBe(true);
      const want = referenceSdpa(c.ref);
      let err = 0;
      for (let x = 0; x < runs[0].length; x++) err = Math.max(err, Math.abs(runs[0][x] - want.out[x]));
      expect(err).toBeLessThanOrEqual(TOLERANCE);
    });
});
