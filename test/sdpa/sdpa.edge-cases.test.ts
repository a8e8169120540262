// Fully-masked rows, garbage behind masks, NaN propagation, zero sizes, out buffers, views, async.
import { describe, expect, it } from 'vitest';
import { scaledDotProductAttention, scaledDotProductAttentionAsync, tensor, type Tensor } from '../../src/index';
import { randn, rng } from '../helpers/random';
import { maxAbsDiff, referenceSdpa } from '../helpers/reference';
import { buildCase, checkAsyncMatchesSync, checkCase, TOLERANCE } from '../helpers/sdpa-case';

const r = rng(7);
const t = (shape: number[]) =>
  tensor(
    randn(
      shape.reduce((a, b) => a * b, 1),
      r,
    ),
    shape,
  );

describe('fully-masked rows', () => {
  it('a row with every key masked gives zeros and zero weights, never NaN', () => {
    const [B, H, Lq, Lk, D] = [1, 2, 3, 4, 5];
    const mask = new Uint8Array(Lq * Lk).fill(1);
    mask.fill(0, Lk, 2 * Lk); // query row 1 sees nothing
    const weights = tensor(new Float32Array(B * H * Lq * Lk).fill(7), [B, H, Lq, Lk]);
    const out = tensor(new Float32Array(B * H * Lq * D).fill(7), [B, H, Lq, D]);
    scaledDotProductAttention(t([B, H, Lq, D]), t([B, H, Lk, D]), t([B, H, Lk, D]), {
      mask: { data: mask, shape: [Lq, Lk] },
      out,
      weightsOut: weights,
    });
    for (let h = 0; h < H; h++) {
      const row = out.data.subarray((h * Lq + 1) * D, (h * Lq + 2) * D);
      expect(Array.from(row)).toEqual(new Array(D).fill(0));
      expect(Array.from(weights.data.subarray((h * Lq + 1) * Lk, (h * Lq + 2) * Lk))).toEqual(new Array(Lk).fill(0));
      const other = out.data.subarray(h * Lq * D, (h * Lq + 1) * D);
      expect(other.some((x) => x !== 0 && x !== 7)).toBe(true);
    }
  });

  it('additive -Infinity everywhere in a row counts as fully masked', () => {
    const mask = new Float32Array([0, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity]);
    const out = scaledDotProductAttention(t([1, 1, 2, 4]), t([1, 1, 3, 4]), t([1, 1, 3, 4]), {
      mask: { data: mask, shape: [2, 3] },
    });
    expect(Array.from(out.data.subarray(4))).toEqual([0, 0, 0, 0]);
    expect(out.data.subarray(0, 4).every(Number.isFinite)).toBe(true);
  });

  it('causal with Lq > Lk (bottom-right) zeroes the rows above the diagonal', () => {
    checkCase({ B: 1, Hq: 1, Hkv: 1, Lq: 5, Lk: 2, D: 3, Dv: 3, causal: true });
    const out = scaledDotProductAttention(t([1, 1, 5, 3]), t([1, 1, 2, 3]), t([1, 1, 2, 3]), { causal: true });
    expect(Array.from(out.data.subarray(0, 9))).toEqual(new Array(9).fill(0));
  });

  it('Lk = 0 gives zero rows', () => {
    const out = scaledDotProductAttention(t([1, 2, 3, 4]), t([1, 2, 0, 4]), t([1, 2, 0, 5]));
    expect(out.shape).toEqual([1, 2, 3, 5]);
    expect(Array.from(out.data)).toEqual(new Array(30).fill(0));
  });
});

describe('NaN and Infinity', () => {
  it('garbage (NaN, Infinity) in masked k and v positions never leaks', () => {
    for (const kind of ['bool', 'additive', 'causal'] as const) {
      const c = buildCase({ B: 1, Hq: 2, Hkv: 1, Lq: 4, Lk: 6, D: 8, Dv: 8, seed: 3 });
      const clean = referenceSdpa({ ...c.ref, mask: (_b, _h, _i, j) => j < 4 });
      // Keys 4 and 5 hold garbage and are hidden.
      for (let j = 4; j < 6; j++) {
        c.k.data.fill(NaN, j * 8, (j + 1) * 8);
        c.v.data.fill(j === 4 ? Infinity : NaN, j * 8, (j + 1) * 8);
      }
      let options = {};
      if (kind === 'bool') options = { mask: { data: Uint8Array.from([1, 1, 1, 1, 0, 0]), shape: [6] } };
      if (kind === 'additive')
        options = { mask: { data: Float32Array.from([0, 0, 0, 0, -Infinity, -Infinity]), shape: [6] } };
      if (kind === 'causal') {
        // top-left causal with Lq = 4 hides keys 4 and 5 from every row; compare with the same rule.
        const want = referenceSdpa({ ...c.ref, causal: true, topLeft: true });
        const got = scaledDotProductAttention(c.q, c.k, c.v, { causal: true, causalAlignment: 'top-left' });
        expect(maxAbsDiff(got.data, want.out)).toBeLessThanOrEqual(TOLERANCE);
        continue;
      }
      const got = scaledDotProductAttention(c.q, c.k, c.v, options);
      expect(maxAbsDiff(got.data, clean.out), kind).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('NaN in a visible q row makes that row NaN and leaves the others alone', () => {
    const q = t([1, 1, 3, 4]);
    q.data[4] = NaN; // row 1
    const out = scaledDotProductAttention(q, t([1, 1, 5, 4]), t([1, 1, 5, 4]));
    expect(out.data.subarray(4, 8).every(Number.isNaN)).toBe(true);
    expect(out.data.subarray(0, 4).every(Number.isFinite)).toBe(true);
    expect(out.data.subarray(8, 12).every(Number.isFinite)).toBe(true);
  });

  it('NaN in a visible v value propagates to every row that sees it', () => {
    const v = t([1, 1, 5, 4]);
    v.data[2 * 4 + 1] = NaN; // key 2, feature 1
    const out = scaledDotProductAttention(t([1, 1, 3, 4]), t([1, 1, 5, 4]), v);
    for (let i = 0; i < 3; i++) {
      expect(Number.isNaN(out.data[i * 4 + 1])).toBe(true);
      expect(Number.isFinite(out.data[i * 4])).toBe(true);
    }
  });
});

describe('zero-size dims return empty results', () => {
  for (const [name, q, k, v, outShape] of [
    ['Lq = 0', [1, 2, 0, 4], [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 0, 4]],
    ['B = 0', [0, 2, 3, 4], [0, 2, 3, 4], [0, 2, 3, 4], [0, 2, 3, 4]],
    ['Hq = Hkv = 0', [1, 0, 3, 4], [1, 0, 3, 4], [1, 0, 3, 4], [1, 0, 3, 4]],
    ['Dv = 0', [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 0], [1, 2, 3, 0]],
  ] as const)
    it(name, () => {
      const out = scaledDotProductAttention(t([...q]), t([...k]), t([...v]));
      expect(out.shape).toEqual(outShape);
      expect(out.data.length).toBe(outShape.reduce((a: number, b: number) => a * b, 1));
    });
  it('D = 0: every score is 0, so the output is the mean of v', () => {
    const v = t([1, 1, 4, 2]);
    const out = scaledDotProductAttention(t([1, 1, 2, 0]), t([1, 1, 4, 0]), v);
    for (let d = 0; d < 2; d++) {
      const mean = (v.data[d] + v.data[2 + d] + v.data[4 + d] + v.data[6 + d]) / 4;
      expect(out.data[d]).toBeCloseTo(mean, 6);
      expect(out.data[2 + d]).toBeCloseTo(mean, 6);
    }
  });
});

describe('out, weightsOut and memory views', () => {
  it('returns the given out tensor itself, filled', () => {
    const c = buildCase({ B: 1, Hq: 2, Hkv: 2, Lq: 3, Lk: 4, D: 5, Dv: 6 });
    const out: Tensor = { data: new Float32Array(36).fill(NaN), shape: [1, 2, 3, 6] };
    const got = scaledDotProductAttention(c.q, c.k, c.v, { out });
    expect(got).toBe(out);
    expect(maxAbsDiff(out.data, referenceSdpa(c.ref).out)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('reads and writes views with a nonzero byteOffset in place', () => {
    const c = buildCase({ B: 1, Hq: 2, Hkv: 1, Lq: 3, Lk: 5, D: 7, Dv: 7, layout: 'bshd' });
    const pool = new Float32Array(1000).fill(123);
    let at = 3;
    const place = (src: Float32Array) => {
      const view = pool.subarray(at, at + src.length);
      view.set(src);
      at += src.length + 5;
      return view;
    };
    const q = { data: place(c.q.data), shape: c.q.shape };
    const k = { data: place(c.k.data), shape: c.k.shape };
    const v = { data: place(c.v.data), shape: c.v.shape };
    const outView = pool.subarray(at, at + 42);
    const wView = pool.subarray(at + 50, at + 50 + 30);
    scaledDotProductAttention(q, k, v, {
      ...c.options,
      out: { data: outView, shape: [1, 3, 2, 7] },
      weightsOut: { data: wView, shape: [1, 2, 3, 5] },
    });
    const want = referenceSdpa(c.ref);
    expect(maxAbsDiff(outView, want.out)).toBeLessThanOrEqual(TOLERANCE);
    expect(maxAbsDiff(wView, want.weights)).toBeLessThanOrEqual(TOLERANCE);
    expect(pool[at - 1]).toBe(123); // the gap before out is untouched
    expect(pool[at + 42]).toBe(123); // and the one after it
    expect(pool[at + 49]).toBe(123);
    expect(pool[at + 80]).toBe(123);
  });

  it('a mask view with a byteOffset is read in place', () => {
    const bytes = new Uint8Array(64);
    const mask = bytes.subarray(11, 11 + 4 * 6);
    const r2 = rng(5);
    for (let i = 0; i < mask.length; i++) mask[i] = r2() < 0.6 ? 1 : 0;
    checkCase({ B: 1, Hq: 2, Hkv: 2, Lq: 4, Lk: 6, D: 3, Dv: 3, mask: { data: mask, shape: [4, 6] } });
  });
});

describe('async', () => {
  it('gives the same bits as the sync call', async () => {
    await checkAsyncMatchesSync({ B: 2, Hq: 4, Hkv: 2, Lq: 33, Lk: 65, D: 16, Dv: 8, causal: true });
    await checkAsyncMatchesSync({
      B: 1,
      Hq: 2,
      Hkv: 1,
      Lq: 7,
      Lk: 9,
      D: 5,
      Dv: 5,
      layout: 'bshd',
      mask: { data: Float32Array.from({ length: 63 }, (_, i) => (i % 5 === 0 ? -Infinity : i / 63)), shape: [7, 9] },
    });
  });

  it('returns the given out tensor and many concurrent calls all finish correctly', async () => {
    const cases = Array.from({ length: 8 }, (_, s) =>
      buildCase({ B: 1, Hq: 2, Hkv: 1, Lq: 16, Lk: 32, D: 8, Dv: 8, seed: 100 + s }),
    );
    const outs = cases.map(() => tensor(new Float32Array(2 * 16 * 8), [1, 2, 16, 8]));
    const results = await Promise.all(
      cases.map((c, s) => scaledDotProductAttentionAsync(c.q, c.k, c.v, { out: outs[s] })),
    );
    results.forEach((res, s) => {
      expect(res).toBe(outs[s]);
      expect(maxAbsDiff(res.data, referenceSdpa(cases[s].ref).out)).toBeLessThanOrEqual(TOLERANCE);
    });
  });

  it('rejects (does not throw synchronously) on bad input', async () => {
    const p = scaledDotProductAttentionAsync(t([1, 1, 2, 3]), t([1, 1, 2, 4]), t([1, 1, 2, 4]));
    await expect(p).rejects.toThrow(RangeError);
    await expect(p).rejects.toThrow(/k must be/);
  });
});
