// The backward pass's contract beyond the reference comparison: rows with no key, garbage behind
// masks, zero sizes, output buffers, GQA as a sum over heads, options it ignores, the async form.
import { describe, expect, it } from 'vitest';
import {
  scaledDotProductAttention,
  scaledDotProductAttentionBackward as backward,
  scaledDotProductAttentionBackwardAsync as backwardAsync,
  type Tensor,
} from '../../src/index';
import { randn, rng } from '../helpers/random';
import { buildCase, type CaseSpec } from '../helpers/sdpa-case';
import { GRAD_TOLERANCE, buildGradCase, expectGradients, gradError } from './sdpa-backward-case';

const z = (shape: number[], fill = 0): Tensor => ({
  data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill),
  shape,
});
const finite = (a: ArrayLike<number>) => Array.from(a).every(Number.isFinite);

describe('rows that see no key', () => {
  // Bottom-right with Lq > Lk and causal: rows 0..3 sit before key 0.
  const spec: CaseSpec = {
    B: 1,
    Hq: 2,
    Hkv: 1,
    Lq: 7,
    Lk: 3,
    D: 4,
    Dv: 5,
    causal: true,
    extras: { sinks: Float32Array.of(0.3, -0.7) },
  };
  it('get zero dq and give nothing to dk, dv or dSinks, with lse −Infinity, σ_h or recomputed', () => {
    const g = buildGradCase(spec);
    const lseMinusInf = { data: g.lse.data.slice(), shape: g.lse.shape };
    for (let h = 0; h < 2; h++) lseMinusInf.data.fill(-Infinity, h * 7, h * 7 + 4);
    for (const lse of [g.lse, lseMinusInf, null]) {
      const got = backward(g.dOut, g.c.q, g.c.k, g.c.v, g.out, lse, g.c.options);
      expectGradients(got, g, `lse ${lse === null ? 'recomputed' : lse === g.lse ? 'σ_h' : '−Infinity'}`);
      for (let h = 0; h < 2; h++)
        expect(Array.from(got.dq.data.subarray(h * 28, h * 28 + 16))).toEqual(new Array(16).fill(0));
      expect(finite(got.dSinks!.data)).toBe(true);
    }
  });
  it('stay zero when dOut holds NaN there (their output was a constant)', () => {
    const g = buildGradCase(spec);
    for (let h = 0; h < 2; h++) g.dOut.data.fill(NaN, h * 35, h * 35 + 20);
    for (const lse of [g.lse, null]) {
      const got = backward(g.dOut, g.c.q, g.c.k, g.c.v, g.out, lse, g.c.options);
      for (const t of [got.dq, got.dk, got.dv, got.dSinks!]) expect(finite(t.data)).toBe(true);
    }
  });
  it('a whole call that sees nothing gives zeros', () => {
    const c = buildCase({ B: 1, Hq: 2, Hkv: 2, Lq: 3, Lk: 4, D: 3, Dv: 3 });
    const mask = { data: new Uint8Array(12), shape: [3, 4] };
    const out = scaledDotProductAttention(c.q, c.k, c.v, { mask });
    const got = backward({ data: randn(18, rng(1)), shape: out.shape }, c.q, c.k, c.v, out, null, {
      mask,
      sinks: [1, 2],
    });
    for (const t of [got.dq, got.dk, got.dv, got.dSinks!]) expect(Array.from(t.data).every((x) => x === 0)).toBe(true);
  });
});

describe('garbage behind masks', () => {
  it('NaN in k and v of keys no row sees never leaks; their dk and dv are 0', () => {
    const spec: CaseSpec = {
      B: 1,
      Hq: 2,
      Hkv: 1,
      Lq: 9,
      Lk: 12,
      D: 4,
      Dv: 4,
      seed: 3,
      mask: { data: Uint8Array.from({ length: 12 }, (_, j) => (j % 4 === 3 ? 0 : 1)), shape: [1, 1, 1, 12] },
    };
    const clean = buildGradCase(spec);
    const poisoned = buildCase(spec);
    for (const j of [3, 7, 11]) {
      poisoned.k.data.fill(NaN, j * 4, j * 4 + 4);
      poisoned.v.data.fill(Infinity, j * 4, j * 4 + 4);
    }
    const got = backward(clean.dOut, poisoned.q, poisoned.k, poisoned.v, clean.out, clean.lse, poisoned.options);
    expectGradients(got, clean, 'poisoned');
    for (const j of [3, 7, 11]) expect(Array.from(got.dk.data.subarray(j * 4, j * 4 + 4))).toEqual([0, 0, 0, 0]);
  });
  it('NaN in a key a row sees makes that row NaN, as the forward', () => {
    const c = buildCase({ B: 1, Hq: 1, Hkv: 1, Lq: 4, Lk: 4, D: 2, Dv: 2 });
    c.k.data[2 * 2] = NaN; // key 2: seen by rows 2 and 3 under causal
    const out = scaledDotProductAttention(c.q, c.k, c.v, { causal: true });
    const got = backward(
      { data: Float32Array.from({ length: 8 }, () => 1), shape: out.shape },
      c.q,
      c.k,
      c.v,
      out,
      null,
      { causal: true },
    );
    expect(finite(got.dq.data.subarray(0, 4))).toBe(true);
    expect(Array.from(got.dq.data.subarray(4, 8)).every(Number.isNaN)).toBe(true);
  });
});

describe('sizes', () => {
  const cases: [string, number[], number[], number[]][] = [
    ['Lk = 0', [1, 2, 3, 4], [1, 1, 0, 4], [1, 1, 0, 5]],
    ['Lq = 0', [1, 2, 0, 4], [1, 1, 3, 4], [1, 1, 3, 5]],
    ['B = 0', [0, 2, 3, 4], [0, 1, 3, 4], [0, 1, 3, 5]],
    ['D = 0', [1, 2, 3, 0], [1, 1, 3, 0], [1, 1, 3, 5]],
    ['Dv = 0', [1, 2, 3, 4], [1, 1, 3, 4], [1, 1, 3, 0]],
    ['Hq = Hkv = 0', [1, 0, 3, 4], [1, 0, 3, 4], [1, 0, 3, 5]],
  ];
  for (const [label, qs, ks, vs] of cases)
    it(`${label}: every given buffer is overwritten`, () => {
      const q = {
        data: randn(
          qs.reduce((a, b) => a * b, 1),
          rng(1),
        ),
        shape: qs,
      };
      const k = {
        data: randn(
          ks.reduce((a, b) => a * b, 1),
          rng(2),
        ),
        shape: ks,
      };
      const v = {
        data: randn(
          vs.reduce((a, b) => a * b, 1),
          rng(3),
        ),
        shape: vs,
      };
      const out = scaledDotProductAttention(q, k, v);
      const dOut = { data: randn(out.data.length, rng(4)), shape: out.shape };
      const grads = { dqOut: z(qs, 7), dkOut: z(ks, 7), dvOut: z(vs, 7) };
      const got = backward(dOut, q, k, v, out, null, grads);
      expect(got.dq).toBe(grads.dqOut);
      expect(got.dk).toBe(grads.dkOut);
      expect(got.dv).toBe(grads.dvOut);
      if (label === 'D = 0' || label === 'Dv = 0') {
        // dv = Σ P·dOut still flows with D = 0 (uniform weights); with Dv = 0 nothing does.
        expect(finite(got.dv.data)).toBe(true);
        expect(Array.from(got.dq.data).every((x) => x === 0)).toBe(true);
        expect(Array.from(got.dk.data).every((x) => x === 0)).toBe(true);
      } else for (const t of [got.dq, got.dk, got.dv]) expect(Array.from(t.data).every((x) => x === 0)).toBe(true);
    });
  it('Lq = Lk = 1, D = 1', () => {
    const g = buildGradCase({ B: 1, Hq: 1, Hkv: 1, Lq: 1, Lk: 1, D: 1, Dv: 1 });
    const got = backward(g.dOut, g.c.q, g.c.k, g.c.v, g.out, g.lse);
    expectGradients(got, g, '1x1');
    expect(got.dq.data[0]).toBe(0); // one key: the softmax is constant 1
  });
});

describe('buffers and options', () => {
  const spec: CaseSpec = {
    B: 2,
    Hq: 4,
    Hkv: 2,
    Lq: 5,
    Lk: 9,
    D: 3,
    Dv: 2,
    layout: 'bshd',
    extras: { sinks: Float32Array.of(1, 0, -1, 2), relativeBias: { data: randn(13, rng(5)), heads: 1 } },
  };
  it('…Out buffers are written, returned as the same objects, and overwritten (not accumulated)', () => {
    const g = buildGradCase(spec);
    const outs = {
      dqOut: z(g.c.q.shape as number[], 5),
      dkOut: z(g.c.k.shape as number[], 5),
      dvOut: z(g.c.v.shape as number[], 5),
      dSinksOut: z([4], 5),
      dRelativeBiasOut: z([1, 13], 5),
    };
    for (let n = 0; n < 2; n++) {
      const got = backward(g.dOut, g.c.q, g.c.k, g.c.v, g.out, g.lse, { ...g.c.options, ...outs });
      expect(got.dq).toBe(outs.dqOut);
      expect(got.dk).toBe(outs.dkOut);
      expect(got.dv).toBe(outs.dvOut);
      expect(got.dSinks).toBe(outs.dSinksOut);
      expect(got.dRelativeBias).toBe(outs.dRelativeBiasOut);
      expectGradients(got, g, `call ${n}`);
    }
  });
  it('views at an offset in a larger buffer are written in place, nothing around them', () => {
    const g = buildGradCase(spec);
    const n = g.c.q.data.length;
    const buf = new Float32Array(n + 20).fill(9);
    const got = backward(g.dOut, g.c.q, g.c.k, g.c.v, g.out, g.lse, {
      ...g.c.options,
      dqOut: { data: buf.subarray(10, 10 + n), shape: g.c.q.shape },
    });
    expect(Array.from(buf.subarray(0, 10))).toEqual(new Array(10).fill(9));
    expect(Array.from(buf.subarray(10 + n))).toEqual(new Array(10).fill(9));
    expectGradients(got, g, 'offset view');
  });
  it("the forward's options object, out and weightsOut included, can be passed as it is", () => {
    const g = buildGradCase(spec);
    const fwdOptions = { ...g.c.options, out: z(g.out.shape as number[]), weightsOut: z([2, 4, 5, 9]) };
    scaledDotProductAttention(g.c.q, g.c.k, g.c.v, fwdOptions);
    const before = Array.from(fwdOptions.out.data);
    expectGradients(backward(g.dOut, g.c.q, g.c.k, g.c.v, fwdOptions.out, g.lse, fwdOptions), g, 'forward options');
    expect(Array.from(fwdOptions.out.data)).toEqual(before);
  });
  it("compute: 'bf16' gives the fp32 result, bit for bit", () => {
    const g = buildGradCase(spec);
    const a = backward(g.dOut, g.c.q, g.c.k, g.c.v, g.out, g.lse, g.c.options);
    const b = backward(g.dOut, g.c.q, g.c.k, g.c.v, g.out, g.lse, { ...g.c.options, compute: 'bf16' });
    for (const name of ['dq', 'dk', 'dv', 'dSinks', 'dRelativeBias'] as const)
      expect(Array.from(b[name]!.data)).toEqual(Array.from(a[name]!.data));
  });
  it('returned shapes are copies the caller cannot change', () => {
    const g = buildGradCase(spec);
    const got = backward(g.dOut, g.c.q, g.c.k, g.c.v, g.out, g.lse, g.c.options);
    expect(Object.isFrozen(got.dq.shape)).toBe(true);
    expect(got.dSinks!.shape).toEqual([4]);
    expect(got.dRelativeBias!.shape).toEqual([1, 13]);
  });
});

describe('grouped-query attention', () => {
  it('dk, dv of a kv head are the sums over its query heads of the repeated-kv gradients', () => {
    const [B, Hq, Hkv, Lq, Lk, D, Dv] = [2, 6, 2, 5, 7, 3, 4];
    const G = Hq / Hkv;
    const g = buildGradCase({ B, Hq, Hkv, Lq, Lk, D, Dv, causal: true });
    const got = backward(g.dOut, g.c.q, g.c.k, g.c.v, g.out, null, g.c.options);
    // The same attention with every kv head repeated G times (plain multi-head attention).
    const repeat = (t: Tensor, Dm: number) => {
      const data = new Float32Array(B * Hq * Lk * Dm);
      for (let b = 0; b < B; b++)
        for (let h = 0; h < Hq; h++)
          data.set(
            t.data.subarray((b * Hkv + Math.floor(h / G)) * Lk * Dm, ((b * Hkv + Math.floor(h / G)) * Lk + Lk) * Dm),
            (b * Hq + h) * Lk * Dm,
          );
      return { data, shape: [B, Hq, Lk, Dm] };
    };
    const mha = backward(g.dOut, g.c.q, repeat(g.c.k, D), repeat(g.c.v, Dv), g.out, null, g.c.options);
    const sumGroups = (t: Tensor, Dm: number) => {
      const s = new Float64Array(B * Hkv * Lk * Dm);
      for (let b = 0; b < B; b++)
        for (let h = 0; h < Hq; h++)
          for (let x = 0; x < Lk * Dm; x++)
            s[(b * Hkv + Math.floor(h / G)) * Lk * Dm + x] += t.data[(b * Hq + h) * Lk * Dm + x];
      return s;
    };
    expect(gradError(got.dk.data, sumGroups(mha.dk, D))).toBeLessThanOrEqual(GRAD_TOLERANCE);
    expect(gradError(got.dv.data, sumGroups(mha.dv, Dv))).toBeLessThanOrEqual(GRAD_TOLERANCE);
    expect(gradError(got.dq.data, mha.dq.data)).toBeLessThanOrEqual(GRAD_TOLERANCE);
  });
});

describe('async', () => {
  const spec: CaseSpec = {
    B: 1,
    Hq: 4,
    Hkv: 2,
    Lq: 17,
    Lk: 33,
    D: 8,
    Dv: 6,
    causal: true,
    extras: {
      sinks: Float32Array.of(1, 0, -1, 2),
      relativeBias: { data: randn(4 * 49, rng(6)), heads: 4 },
      softcap: 2,
    },
  };
  it('gives the synchronous result, bit for bit, into new or given buffers', async () => {
    const g = buildGradCase(spec);
    const sync = backward(g.dOut, g.c.q, g.c.k, g.c.v, g.out, g.lse, g.c.options);
    const fresh = await backwardAsync(g.dOut, g.c.q, g.c.k, g.c.v, g.out, g.lse, g.c.options);
    const dqOut = z(g.c.q.shape as number[], 3);
    const given = await backwardAsync(g.dOut, g.c.q, g.c.k, g.c.v, g.out, null, { ...g.c.options, dqOut });
    expect(given.dq).toBe(dqOut);
    for (const name of ['dq', 'dk', 'dv', 'dSinks', 'dRelativeBias'] as const) {
      expect(Array.from(fresh[name]!.data), name).toEqual(Array.from(sync[name]!.data));
      expect(gradError(given[name]!.data, sync[name]!.data), name).toBeLessThanOrEqual(1e-6); // lse recomputed in float64
    }
  });
  it('SharedArrayBuffer views as inputs and outputs', async () => {
    const g = buildGradCase(spec);
    const shared = (t: Tensor): Tensor => {
      const data = new Float32Array(new SharedArrayBuffer(t.data.byteLength));
      data.set(t.data);
      return { data, shape: t.shape };
    };
    const sync = backward(g.dOut, g.c.q, g.c.k, g.c.v, g.out, g.lse, g.c.options);
    const dkOut = shared(z(g.c.k.shape as number[]));
    const got = await backwardAsync(
      shared(g.dOut),
      shared(g.c.q),
      shared(g.c.k),
      shared(g.c.v),
      shared(g.out),
      shared(g.lse),
      { ...g.c.options, dkOut },
    );
    expect(got.dk).toBe(dkOut);
    expect(Array.from(got.dk.data)).toEqual(Array.from(sync.dk.data));
    expect(Array.from(got.dq.data)).toEqual(Array.from(sync.dq.data));
  });
  it('many calls in flight settle with their own results', async () => {
    const gs = [1, 2, 3, 4, 5].map((seed) => buildGradCase({ ...spec, seed }));
    const all = await Promise.all(gs.map((g) => backwardAsync(g.dOut, g.c.q, g.c.k, g.c.v, g.out, g.lse, g.c.options)));
    all.forEach((got, n) => expectGradients(got, gs[n], `call ${n}`));
  });
});

/**
 * A backward call long enough for the loop to turn many times while it runs: keys doubled from 256
 * until one sync call takes 20 ms (the kernel's speed and the machine's load vary), with that call's result.
 */
function longCall() {
  for (let L = 256; ; L *= 2) {
    const c = buildCase({ B: 1, Hq: 2, Hkv: 2, Lq: L, Lk: L, D: 64, Dv: 64 });
    const out = scaledDotProductAttention(c.q, c.k, c.v);
    const dOut = { data: randn(out.data.length, rng(9)), shape: out.shape };
    const t0 = performance.now();
    const sync = backward(dOut, c.q, c.k, c.v, out);
    if (performance.now() - t0 >= 20 || L >= 8192) return { c, out, dOut, sync };
  }
}

describe('async off the main thread', () => {
  it('the event loop keeps turning while a long call runs', async () => {
    const { c, out, dOut, sync } = longCall();
    let settled = false;
    let turns = 0;
    const call = backwardAsync(dOut, c.q, c.k, c.v, out).then((r) => {
      settled = true;
      return r;
    });
    while (!settled) {
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
    }
    expect(turns).toBeGreaterThan(10);
    expect(Array.from((await call).dk.data)).toEqual(Array.from(sync.dk.data));
  });
});
