// MultiHeadAttention: PyTorch nn.MultiheadAttention(batch_first=True) semantics, GQA and RoPE.
// Run: npm run build:ts && node examples/multi-head-attention.mjs
import { MultiHeadAttention, tensor } from 'attnkit';

const [B, L, E] = [2, 6, 32];
const x = tensor(
  Float32Array.from({ length: B * L * E }, (_, i) => Math.sin(i * 0.1)),
  [B, L, E],
);

// Self-attention: one fused QKV projection; causal (query i sees keys j <= i) with rotary positions.
const mha = new MultiHeadAttention({ embedDim: E, numHeads: 8, numKvHeads: 2, seed: 1 });
const { output, weights } = mha.forward(x, undefined, undefined, {
  causal: true,
  positional: { type: 'rope', style: 'half', base: 10000 },
  needWeights: true, // averaged over heads: [B, L, L]
});
console.log('output', output.shape, 'weights', weights.shape);
console.log(
  'row 2 of batch 0 attends to keys 0..2 only:',
  Array.from(weights.data.subarray(2 * L, 3 * L), (v) => +v.toFixed(3)),
);

// Key padding with PyTorch's meaning: 1 = padding (ignored). The last two keys of sequence 1 are padding.
const keyPaddingMask = tensor(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]), [B, L]);
const padded = mha.forward(x, undefined, undefined, { keyPaddingMask, needWeights: true, averageWeights: false });
console.log(
  'per-head weights',
  padded.weights.shape,
  '; weight on a padding key:',
  padded.weights.data[(1 * 8 * L + 0) * L + 5],
);

// Loading PyTorch weights: pass mha.state_dict() tensors as { data: Float32Array, shape } by name.
const torchLike = new MultiHeadAttention({ embedDim: 4, numHeads: 2, bias: false });
// [n, m] with ones where row % m === column: eye(12, 4) stacks three 4x4 identities (q | k | v).
const eye = (n, m = n) =>
  tensor(
    Float32Array.from({ length: n * m }, (_, i) => (Math.floor(i / m) % m === i % m ? 1 : 0)),
    [n, m],
  );
torchLike.loadPyTorch({ in_proj_weight: eye(12, 4), 'out_proj.weight': eye(4) });
console.log(
  'identity projections, output = attention of x over itself:',
  torchLike.forward(tensor(new Float32Array([1, 0, 0, 0, 0, 1, 0, 0]), [1, 2, 4])).output.data,
);
