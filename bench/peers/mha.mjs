// The 'mha' scenario of bench:peers: attnkit's MultiHeadAttention.forward (self-attention, no mask)
// against the same layer as an onnxruntime graph with the same weights:
//   q|k|v = MatMul(x, Wᵀ) + b  →  com.microsoft MultiHeadAttention (ort-mha) or the ONNX Attention op,
//   opset 23, on 3-D [B, S, E] inputs (ort-attn)  →  out = MatMul(·, Woᵀ) + bo
// Flops: the four projections 4·2·B·S·E² plus attention 2·B·H·S²·(2·Dh) = 4·B·S²·E.
import { attnkit, useThreads } from '../lib/attnkit.mjs';
import { addAttnkitSide, deriveFlops } from '../lib/measure.mjs';
import { randomData } from '../lib/shapes.mjs';
import { timeSync } from '../lib/timing.mjs';
import { timeAlternately } from './alternate.mjs';
import { peerRequire } from './install.mjs';
import { buildGraph } from './onnx-model.mjs';

export const name = 'mha';

/** The timed layer: E = 768, 12 heads (BERT-base), B = 8, S = 512. */
export const SHAPE = { B: 8, S: 512, E: 768, H: 12 };
/** Checked before timing: a tiny layer, and BERT-base's E on a few tokens. */
export const CHECKS = [
  { B: 2, S: 9, E: 64, H: 4 },
  { B: 1, S: 16, E: 768, H: 12 },
];
/** max |ort − attnkit| over max |attnkit|: fp32 sums of E = 768 products agree far closer than this. */
export const TOLERANCE = 1e-3;

export const mhaFlops = ({ B, S, E }) => 8 * B * S * E * E + 4 * B * S * S * E;
/** In the table's (B,H,Lq,Lk,D) form, then the layer's width. */
export const mhaLabel = ({ B, S, E, H }) => `(${B},${H},${S},${S},${E / H}) MHA E=${E}`;

/** The input x [B, S, E] and the layer's parameters, nn.Linear layout [out, in] (Xavier-uniform weights, biases in ±0.1). */
export function mhaData({ B, S, E }, seed = 1) {
  const scaled = (n, s, k) => randomData(n, s).map((v) => v * k);
  const xavier = Math.sqrt(6 / (2 * E));
  const p = {};
  ['wq', 'wk', 'wv', 'wo'].forEach((n, i) => (p[n] = scaled(E * E, seed + 10 + i, xavier)));
  ['bq', 'bk', 'bv', 'bo'].forEach((n, i) => (p[n] = scaled(E, seed + 20 + i, 0.1)));
  return { x: randomData(B * S * E, seed), params: p };
}

/** attnkit's layer with those parameters: run() is one forward, into an output tensor reused across calls
 * (`options.out`, as a server would; onnxruntime's outputs come from its own arena), result() its output. */
export function attnkitMha({ B, S, E, H }, { x, params }) {
  const mha = new attnkit.MultiHeadAttention({ embedDim: E, numHeads: H, seed: 1 });
  const t = (n) => ({ data: params[n], shape: n.startsWith('w') ? [E, E] : [E] });
  mha.loadWeights(Object.fromEntries(Object.keys(params).map((n) => [n, t(n)])));
  const input = { data: x, shape: [B, S, E] };
  const out = { data: new Float32Array(B * S * E), shape: [B, S, E] };
  let last = null;
  return { run: () => (last = mha.forward(input, undefined, undefined, { out }).output), result: () => last.data };
}

/** [rows, cols] → [cols, rows]: nn.Linear's [out, in] to MatMul's [in, out]. */
function transpose(a, rows, cols) {
  const o = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) o[c * rows + r] = a[r * cols + c];
  return o;
}

function layerGraph({ B, S, E, H }, params, op) {
  const dims = [B, S, E];
  const proj = (w, b, src, dst) => [
    { opType: 'MatMul', inputs: [src, `${w}T`], outputs: [`${dst}0`] },
    { opType: 'Add', inputs: [`${dst}0`, b], outputs: [dst] },
  ];
  const attention =
    op === 'mha'
      ? {
          opType: 'MultiHeadAttention',
          domain: 'com.microsoft',
          inputs: ['q', 'k', 'v'],
          outputs: ['a'],
          attrs: { num_heads: { i: H } },
        }
      : {
          opType: 'Attention',
          inputs: ['q', 'k', 'v'],
          outputs: ['a'],
          attrs: { q_num_heads: { i: H }, kv_num_heads: { i: H } },
        };
  return buildGraph({
    irVersion: op === 'mha' ? 10 : 11,
    opsets:
      op === 'mha'
        ? [
            ['', 21],
            ['com.microsoft', 1],
          ]
        : [['', 23]],
    nodes: [
      ...proj('wq', 'bq', 'x', 'q'),
      ...proj('wk', 'bk', 'x', 'k'),
      ...proj('wv', 'bv', 'x', 'v'),
      attention,
      ...proj('wo', 'bo', 'a', 'out'),
    ],
    inputs: [['x', dims]],
    outputs: [['out', dims]],
    // Weights as initializers (constants), so onnxruntime may pre-pack them for its GEMM.
    initializers: [
      ...['wq', 'wk', 'wv', 'wo'].map((n) => [`${n}T`, [E, E], transpose(params[n], E, E)]),
      ...['bq', 'bk', 'bv', 'bo'].map((n) => [n, [E], params[n]]),
    ],
  });
}

function ortLayer(op) {
  return {
    name: op === 'mha' ? 'ort-mha' : 'ort-attn',
    note: `graph: MatMul+Add ×3, ${op === 'mha' ? 'com.microsoft MultiHeadAttention' : 'Attention (opset 23, 3-D)'}, MatMul+Add`,
    async setup(s, { x, params }, threads) {
      const ort = peerRequire('onnxruntime-node');
      const sess = await ort.InferenceSession.create(layerGraph(s, params, op), {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
      const feeds = { x: new ort.Tensor('float32', x, [s.B, s.S, s.E]) };
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
}

export const PEERS = [ortLayer('mha'), ortLayer('attn')];

/** max |got − want| / max |want|, Infinity for a length mismatch or a NaN. */
export function relativeError(got, want) {
  if (got.length !== want.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (Number.isNaN(d)) return Infinity;
    diff = Math.max(diff, d);
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / (scale || 1);
}

/**
 * Checks each peer on CHECKS, then times attnkit alone and each agreeing peer alternately with
 * attnkit, per thread count. Returns { rows, refused: Map(name -> why) }.
 */
export async function run({ quick, threads, machine, timing }) {
  const refused = new Map();
  for (const peer of PEERS) {
    let worst = 0;
    for (const s of CHECKS) {
      const data = mhaData(s, 7);
      const own = attnkitMha(s, data);
      own.run();
      const h = await peer.setup(s, data, 1);
      await h.run();
      const err = relativeError(h.result(), own.result());
      h.dispose();
      worst = Math.max(worst, err);
      if (!(err <= TOLERANCE)) refused.set(`${peer.name} (mha)`, `max |diff| / max |attnkit| ${err} on ${mhaLabel(s)}`);
    }
    console.log(
      `check ${peer.name.padEnd(9)} layer vs attnkit MultiHeadAttention: max |diff| / max |attnkit| ${worst.toExponential(2)}${refused.has(`${peer.name} (mha)`) ? '  REFUSED' : ''}`,
    );
  }

  const s = SHAPE;
  const data = mhaData(s);
  const flops = mhaFlops(s);
  const info = attnkit.backendInfo();
  const rows = [];
  for (const t of threads) {
    const threadsUsed = useThreads(t);
    const own = attnkitMha(s, data);
    const r = timeSync(own.run, timing);
    const base = deriveFlops(
      {
        scenario: name,
        shape: mhaLabel(s),
        backend: `attnkit ${info.backend}`,
        simd: info.simd,
        threads: threadsUsed,
        ms: r.median,
        runs: r.runs,
      },
      flops,
      machine,
    );
    base.note = 'MultiHeadAttention.forward, options.out reused';
    rows.push(base);
    process.stderr.write(`  ${mhaLabel(s)} thr=${t}: attnkit ${base.ms.toFixed(2)} ms\n`);
    for (const peer of PEERS) {
      if (refused.has(`${peer.name} (mha)`)) continue;
      useThreads(t);
      const h = await peer.setup(s, data, t);
      const p = await timeAlternately(h, own, { quick, timing });
      const row = addAttnkitSide(
        deriveFlops(
          { scenario: name, shape: mhaLabel(s), backend: peer.name, simd: '', threads: t, ms: p.ms },
          flops,
          machine,
        ),
        p.attnkitMs,
        machine,
      );
      row.note = [p.runs < timing.runs ? `${p.runs} runs` : '', peer.note].filter(Boolean).join('; ');
      rows.push(row);
      process.stderr.write(`  ${mhaLabel(s)} thr=${t}: ${peer.name} ${p.ms.toFixed(2)} ms\n`);
    }
  }
  return { rows, refused };
}
