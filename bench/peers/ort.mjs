// onnxruntime-node's CPU attention, two graphs built in code (onnx-model.mjs):
//   ort-mha:  com.microsoft MultiHeadAttention (q as [B, S, N·H], k and v as BNSH; no GQA; an
//             additive mask as its attention_bias [1, 1, Lq, Lk])
//   ort-attn: the ONNX Attention op, opset 23 ([B, H, S, D] inputs, GQA through kv heads, is_causal,
//             a bool or additive attn_mask of the same polarity as attnkit's)
import { maskData } from '../lib/shapes.mjs';
import { peerRequire } from './install.mjs';
import { buildModel } from './onnx-model.mjs';

const ort = () => peerRequire('onnxruntime-node');

const sessionOptions = (threads) => ({
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});

/** bhsd [B, H, L, D] -> bshd [B, L, H·D] and back. */
function toBshd(a, B, H, L, D) {
  const o = new Float32Array(a.length);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let l = 0; l < L; l++)
        o.set(a.subarray(((b * H + h) * L + l) * D, ((b * H + h) * L + l + 1) * D), ((b * L + l) * H + h) * D);
  return o;
}
function fromBshd(a, B, H, L, D) {
  const o = new Float32Array(a.length);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let l = 0; l < L; l++)
        o.set(a.subarray(((b * L + l) * H + h) * D, ((b * L + l) * H + h + 1) * D), ((b * H + h) * L + l) * D);
  return o;
}

async function session(model, threads) {
  return ort().InferenceSession.create(model, sessionOptions(threads));
}

export const ortMha = {
  name: 'ort-mha',
  threads: 'any',
  supports: (s) =>
    s.Hq !== s.Hkv
      ? 'no GQA in MultiHeadAttention'
      : s.D !== s.Dv
        ? 'D != Dv'
        : s.mask && s.mask !== 'additive'
          ? 'additive masks only'
          : true,
  async setup(s, x, threads) {
    const { Tensor } = ort();
    // attention_bias is input 5 (after bias and key_padding_mask, omitted).
    const bias = s.mask
      ? [
          ['', null],
          ['', null],
          ['mask', [1, 1, s.Lq, s.Lk]],
        ]
      : [];
    const model = buildModel({
      opType: 'MultiHeadAttention',
      domain: 'com.microsoft',
      irVersion: 10,
      opsets: [
        ['', 21],
        ['com.microsoft', 1],
      ],
      inputs: [
        ['q', [s.B, s.Lq, s.Hq * s.D]],
        ['k', [s.B, s.Hkv, s.Lk, s.D]],
        ['v', [s.B, s.Hkv, s.Lk, s.Dv]],
        ...bias,
      ],
      outputs: [['out', [s.B, s.Lq, s.Hq * s.Dv]]],
      attrs: { num_heads: { i: s.Hq }, scale: { f: 1 / Math.sqrt(s.D) }, unidirectional: { i: s.causal ? 1 : 0 } },
    });
    const sess = await session(model, threads);
    const feeds = {
      q: new Tensor('float32', toBshd(x.q, s.B, s.Hq, s.Lq, s.D), [s.B, s.Lq, s.Hq * s.D]),
      k: new Tensor('float32', x.k, [s.B, s.Hkv, s.Lk, s.D]),
      v: new Tensor('float32', x.v, [s.B, s.Hkv, s.Lk, s.Dv]),
    };
    if (s.mask) feeds.mask = new Tensor('float32', maskData(s).data, [1, 1, s.Lq, s.Lk]);
    let last;
    return {
      run: async () => {
        last = (await sess.run(feeds)).out;
      },
      result: () => fromBshd(last.data, s.B, s.Hq, s.Lq, s.Dv),
      dispose: () => sess.release(),
    };
  },
};

export const ortAttention = {
  name: 'ort-attn',
  threads: 'any',
  // ONNX Attention's is_causal is top-left (j <= i); attnkit's default is bottom-right: equal when Lq = Lk.
  supports: (s) =>
    s.causal && s.Lq !== s.Lk
      ? 'causal alignment differs when Lq != Lk'
      : s.mask === 'padding'
        ? 'ORT 1.30 wants attn_mask dim -2 = Lq: no [B, 1, 1, Lk] key padding'
        : true,
  async setup(s, x, threads) {
    const { Tensor } = ort();
    const m = s.mask ? maskData(s) : null;
    const elem = m?.data instanceof Uint8Array ? 'bool' : 'float';
    const model = buildModel({
      opType: 'Attention',
      domain: '',
      irVersion: 11,
      opsets: [['', 23]],
      inputs: [
        ['q', [s.B, s.Hq, s.Lq, s.D]],
        ['k', [s.B, s.Hkv, s.Lk, s.D]],
        ['v', [s.B, s.Hkv, s.Lk, s.Dv]],
        ...(m ? [['mask', m.dims, elem]] : []),
      ],
      outputs: [['out', [s.B, s.Hq, s.Lq, s.Dv]]],
      attrs: { is_causal: { i: s.causal ? 1 : 0 }, scale: { f: 1 / Math.sqrt(s.D) } },
    });
    const sess = await session(model, threads);
    const feeds = {
      q: new Tensor('float32', x.q, [s.B, s.Hq, s.Lq, s.D]),
      k: new Tensor('float32', x.k, [s.B, s.Hkv, s.Lk, s.D]),
      v: new Tensor('float32', x.v, [s.B, s.Hkv, s.Lk, s.Dv]),
    };
    if (m) feeds.mask = elem === 'bool' ? new Tensor('bool', m.data, m.dims) : new Tensor('float32', m.data, m.dims);
    let last;
    return {
      run: async () => {
        last = (await sess.run(feeds)).out;
      },
      result: () => last.data,
      dispose: () => sess.release(),
    };
  },
};

export const ortVersion = () => peerRequire('onnxruntime-node/package.json').version;
