// MultiHeadAttention.backward against central finite differences of a float64 forward of the same layer
// (mha-backward-reference.ts), for a few entries of every parameter and input, on small odd shapes that
// together use every option: self- and cross-attention (kdim/vdim), key padding (a fully padded entry),
// an additive attnMask, causal, GQA/MQA, RoPE (both styles, partial rotaryDim), ALiBi, T5 bias,
// window, softcap, sinks, no bias. Also SelfAttention and LearnedPositionalEmbedding.
//
// Loss L = Σ out ∘ G for a fixed random G. Step 1e-5 in float64 (see sdpa-backward.fd.test.ts): the
// finite difference is good to ~1e-8; the layer runs in float32, so its gradient is compared to
// MHA_TOLERANCE relative to max(1, the gradient's largest entry).
import { afterAll, describe, expect, it } from 'vitest';
import {
  LearnedPositionalEmbedding,
  MultiHeadAttention,
  SelfAttention,
  alibiSlopes,
  backendInfo,
  type MhaForwardOptions,
  type Tensor,
} from '../../src/index';
import { randn, rng } from '../helpers/random';
import { mhaForward64, type MhaRefParams, type MhaRefSpec } from './mha-backward-reference';

const STEP = 1e-5;
const MHA_TOLERANCE = 1e-4;
const ENTRIES = 3;
const worst = { err: 0, label: '' };

afterAll(() => {
  console.log(
    `[${backendInfo().backend}] MultiHeadAttention.backward: largest error vs finite differences: ${worst.err.toExponential(2)} (${worst.label})`,
  );
});

interface Case {
  name: string;
  spec: Omit<MhaRefSpec, 'kdim' | 'vdim' | 'bias' | 'selfAttn'> & {
    kdim?: number;
    vdim?: number;
    bias?: boolean;
    selfAttn?: boolean;
  };
  options?: MhaForwardOptions;
  sinks?: boolean;
  seed: number;
}

function loss(out: Float64Array, G: ArrayLike<number>): number {
  let l = 0;
  for (let n = 0; n < out.length; n++) l += out[n] * G[n];
  return l;
}

function checkCase(c: Case): void {
  const s: MhaRefSpec = { kdim: c.spec.E, vdim: c.spec.E, bias: true, selfAttn: false, ...c.spec };
  const { B, Lq, Lk, E, heads } = s;
  const r = rng(c.seed);
  const mha = new MultiHeadAttention({
    embedDim: E,
    numHeads: heads,
    numKvHeads: s.kvHeads,
    headDim: s.headDim,
    kdim: s.kdim,
    vdim: s.vdim,
    bias: s.bias,
    seed: c.seed,
  });
  // Non-zero biases, so their paths matter.
  for (const [name, p] of Object.entries(mha.parameters()))
    if (name.endsWith('bias')) p.set(randn(p.length, r).map((x) => 0.3 * x));
  const query: Tensor = { data: randn(B * Lq * E, r), shape: [B, Lq, E] };
  const key: Tensor = { data: randn(B * Lk * s.kdim, r), shape: [B, Lk, s.kdim] };
  const value: Tensor = { data: randn(B * Lk * s.vdim, r), shape: [B, Lk, s.vdim] };
  const sinks = c.sinks ? randn(heads, r) : undefined;
  const options: MhaForwardOptions = { ...c.options, train: true, ...(sinks ? { sinks } : {}) };
  const t5Table = c.options?.positional?.type === 't5' ? (c.options.positional.table.data as Float32Array) : undefined;

  const { output } = s.selfAttn
    ? mha.forward(query, undefined, undefined, options)
    : mha.forward(query, key, value, options);
  const G = randn(output.data.length, r);
  const got = mha.backward({ data: G, shape: output.shape });

  const params: MhaRefParams = {};
  for (const [name, p] of Object.entries(mha.parameters())) params[name] = Float64Array.from(p);
  params.query = Float64Array.from(query.data);
  if (!s.selfAttn) {
    params.key = Float64Array.from(key.data);
    params.value = Float64Array.from(value.data);
  }
  if (sinks) params.sinks = Float64Array.from(sinks);
  if (t5Table) params['relative_attention_bias.weight'] = Float64Array.from(t5Table);

  // The forward itself agrees with the float64 one (the reference is the layer's).
  const out64 = mhaForward64(s, params);
  let fwdErr = 0;
  for (let n = 0; n < out64.length; n++) fwdErr = Math.max(fwdErr, Math.abs(out64[n] - output.data[n]));
  expect(fwdErr, `${c.name}: forward vs float64`).toBeLessThanOrEqual(1e-4);

  const analytic: Record<string, ArrayLike<number> | null | undefined> = {
    ...got.grads,
    query: got.dQuery.data,
    key: got.dKey?.data,
    value: got.dValue?.data,
  };
  expect(Object.keys(got.grads).sort(), `${c.name}: gradient names`).toEqual(
    [
      ...Object.keys(mha.parameters()),
      ...(sinks ? ['sinks'] : []),
      ...(t5Table ? ['relative_attention_bias.weight'] : []),
    ].sort(),
  );
  if (s.selfAttn) expect(got.dKey).toBeNull();
  for (const [name, theta] of Object.entries(params)) {
    const grad = analytic[name];
    expect(grad, `${c.name}: gradient of ${name}`).toBeTruthy();
    expect(grad!.length, `${c.name}: length of ${name}'s gradient`).toBe(theta.length);
    let scale = 1;
    for (let n = 0; n < grad!.length; n++) scale = Math.max(scale, Math.abs(grad![n]));
    for (let e = 0; e < Math.min(ENTRIES, theta.length); e++) {
      const n = Math.floor(r() * theta.length);
      const keep = theta[n];
      theta[n] = keep + STEP;
      const up = loss(mhaForward64(s, params), G);
      theta[n] = keep - STEP;
      const down = loss(mhaForward64(s, params), G);
      theta[n] = keep;
      const fd = (up - down) / (2 * STEP);
      const err = Math.abs(grad![n] - fd) / scale;
      const label = `${c.name}: d${name}[${n}]`;
      if (err > worst.err) Object.assign(worst, { err, label });
      expect(err, `${label}: ${grad![n]} vs finite difference ${fd}`).toBeLessThanOrEqual(MHA_TOLERANCE);
    }
  }
}

function uniform(n: number, seed: number, lo: number, hi: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

const padding = (B: number, Lk: number, lengths: number[]) => {
  const m = new Uint8Array(B * Lk);
  lengths.forEach((n, b) => m.fill(1, b * Lk + n, (b + 1) * Lk));
  return m;
};

const CASES: Case[] = [
  {
    name: 'self-attention, fused in_proj, bias',
    spec: { B: 2, Lq: 5, Lk: 5, E: 6, heads: 2, kvHeads: 2, headDim: 3, selfAttn: true },
    seed: 1,
  },
  (() => {
    const keyPadding = padding(3, 7, [7, 2, 0]); // the last entry sees no key: its rows output the bias only
    return {
      name: 'cross-attention kdim/vdim, key padding (a fully padded entry)',
      spec: { B: 3, Lq: 3, Lk: 7, E: 4, kdim: 5, vdim: 3, heads: 2, kvHeads: 2, headDim: 2, keyPadding },
      options: { keyPaddingMask: { data: keyPadding, shape: [3, 7] } },
      seed: 2,
    };
  })(),
  {
    name: 'GQA, causal, RoPE half',
    spec: {
      B: 1,
      Lq: 6,
      Lk: 6,
      E: 8,
      heads: 4,
      kvHeads: 2,
      headDim: 4,
      causal: true,
      rope: { style: 'half', base: 10000, rotaryDim: 4 },
    },
    options: { causal: true, positional: { type: 'rope' } },
    seed: 3,
  },
  {
    name: 'MQA, RoPE interleaved rotaryDim 2 of 4, additive attnMask, no bias, sinks',
    spec: {
      B: 2,
      Lq: 4,
      Lk: 5,
      E: 6,
      heads: 3,
      kvHeads: 1,
      headDim: 4,
      bias: false,
      rope: { style: 'interleaved', base: 100, rotaryDim: 2 },
      attnMask: uniform(20, 4, -1, 1),
    },
    options: {
      attnMask: { data: uniform(20, 4, -1, 1), shape: [4, 5] },
      positional: { type: 'rope', style: 'interleaved', base: 100, rotaryDim: 2 },
    },
    sinks: true,
    seed: 4,
  },
  {
    name: 'ALiBi, causal, window, scale 1',
    spec: {
      B: 1,
      Lq: 7,
      Lk: 7,
      E: 4,
      heads: 2,
      kvHeads: 2,
      headDim: 2,
      causal: true,
      alibiSlopes: alibiSlopes(2),
      window: { left: 3 },
      scale: 1,
    },
    options: { causal: true, positional: { type: 'alibi' }, window: { left: 3 }, scale: 1 },
    seed: 5,
  },
  {
    name: 'T5 bias (bidirectional), softcap',
    spec: {
      B: 2,
      Lq: 5,
      Lk: 5,
      E: 6,
      heads: 2,
      kvHeads: 2,
      headDim: 3,
      softcap: 1.5,
      t5: { bidirectional: true, numBuckets: 8, maxDistance: 6 },
    },
    options: {
      softcap: 1.5,
      positional: { type: 't5', table: { data: uniform(16, 6, -1, 1), shape: [8, 2] }, numBuckets: 8, maxDistance: 6 },
    },
    seed: 6,
  },
  {
    name: 'T5 shared table (decoder), causal, window both sides, sinks',
    spec: {
      B: 1,
      Lq: 6,
      Lk: 6,
      E: 4,
      heads: 2,
      kvHeads: 1,
      headDim: 2,
      causal: true,
      window: { left: 2, right: 1 },
      t5: { bidirectional: false, numBuckets: 4, maxDistance: 5 },
    },
    options: {
      causal: true,
      window: { left: 2, right: 1 },
      positional: {
        type: 't5',
        table: { data: uniform(4, 7, -1, 1), shape: [4, 1] },
        bidirectional: false,
        numBuckets: 4,
        maxDistance: 5,
      },
    },
    sinks: true,
    seed: 7,
  },
];

describe('MultiHeadAttention.backward matches finite differences of the float64 layer', () => {
  for (const c of CASES) it(c.name, () => checkCase(c));
});

describe('SelfAttention.backward', () => {
  it('matches finite differences through padded rows (zeroed output, zero gradient)', () => {
    const [B, L, E, H] = [2, 5, 4, 2];
    const layer = new SelfAttention({ embedDim: E, numHeads: H, seed: 9 });
    const r = rng(10);
    const x: Tensor = { data: randn(B * L * E, r), shape: [B, L, E] };
    const lengths = [5, 3];
    const { output } = layer.forward(x, { lengths, causal: true, train: true });
    const G = randn(output.data.length, r);
    const { dX, grads } = layer.backward({ data: G, shape: [B, L, E] });
    expect(Object.keys(grads).sort()).toEqual(['in_proj_bias', 'in_proj_weight', 'out_proj.bias', 'out_proj.weight']);
    const keyPadding = padding(B, L, lengths);
    const s: MhaRefSpec = {
      B,
      Lq: L,
      Lk: L,
      E,
      kdim: E,
      vdim: E,
      heads: H,
      kvHeads: H,
      headDim: E / H,
      bias: true,
      selfAttn: true,
      causal: true,
      keyPadding,
    };
    const params: MhaRefParams = {};
    for (const [name, p] of Object.entries(layer.parameters())) params[name] = Float64Array.from(p);
    params.query = Float64Array.from(x.data);
    // The layer's loss: padded rows' outputs are zero.
    const lossOf = () => {
      const out = mhaForward64(s, params);
      let l = 0;
      for (let n = 0; n < out.length; n++) if (!keyPadding[Math.floor(n / E)]) l += out[n] * G[n];
      return l;
    };
    let scale = 1;
    for (const v of dX.data) scale = Math.max(scale, Math.abs(v));
    for (const n of [0, 7, 23, 31, 39]) {
      const keep = params.query[n];
      params.query[n] = keep + STEP;
      const up = lossOf();
      params.query[n] = keep - STEP;
      const down = lossOf();
      params.query[n] = keep;
      expect(Math.abs(dX.data[n] - (up - down) / (2 * STEP)) / scale, `dX[${n}]`).toBeLessThanOrEqual(MHA_TOLERANCE);
    }
    for (const n of [0, 13, 40]) {
      const theta = params.in_proj_weight;
      const keep = theta[n];
      theta[n] = keep + STEP;
      const up = lossOf();
      theta[n] = keep - STEP;
      const down = lossOf();
      theta[n] = keep;
      let sc = 1;
      for (const v of grads.in_proj_weight) sc = Math.max(sc, Math.abs(v));
      expect(
        Math.abs(grads.in_proj_weight[n] - (up - down) / (2 * STEP)) / sc,
        `d in_proj_weight[${n}]`,
      ).toBeLessThanOrEqual(MHA_TOLERANCE);
    }
  });
});

describe('LearnedPositionalEmbedding.backward', () => {
  it('accumulates Σ over the batch of dOut into rows offset .. offset + L − 1, across calls', () => {
    const pos = new LearnedPositionalEmbedding({ maxLen: 9, dim: 3, seed: 1 });
    expect(pos.grad).toBeNull();
    const r = rng(2);
    const d1 = randn(2 * 4 * 3, r);
    const d2 = randn(3 * 3, r);
    pos.backward({ data: d1, shape: [2, 4, 3] }, 1);
    pos.backward({ data: d2, shape: [3, 3] }, 3);
    const want = new Float64Array(27);
    for (let b = 0; b < 2; b++) for (let i = 0; i < 12; i++) want[3 + i] += d1[b * 12 + i];
    for (let i = 0; i < 9; i++) want[9 + i] += d2[i];
    const g = pos.grad!.data;
    for (let i = 0; i < 27; i++) expect(g[i]).toBeCloseTo(want[i], 6);
    pos.zeroGrad();
    expect(Array.from(pos.grad!.data).every((v) => v === 0)).toBe(true);
  });
});
