// A padded batch of three sequences of different lengths (4, 2 and 3 timesteps, padded to 4 with zeros),
// as Keras would feed it through Masking(mask_value=0) into an attention layer.
// Run: npm run build:ts && node examples/self-attention-padded.mjs
import { SelfAttention, selfAttention, tensor } from 'attnkit';

const E = 4;
const rows = [
  [
    [0.1, 0.2, 0.3, 0.4],
    [0.5, 0.1, 0.0, 0.2],
    [0.3, 0.3, 0.1, 0.9],
    [0.7, 0.2, 0.4, 0.1],
  ],
  [
    [0.9, 0.1, 0.1, 0.3],
    [0.2, 0.8, 0.5, 0.1],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
  ],
  [
    [0.4, 0.4, 0.2, 0.6],
    [0.1, 0.9, 0.3, 0.2],
    [0.6, 0.5, 0.7, 0.1],
    [0, 0, 0, 0],
  ],
];
const x = tensor(Float32Array.from(rows.flat(2)), [3, 4, E]);

// 1. keras.layers.Attention()([x, x]) after Masking(0): no projections; scale 1 as Keras' default use_scale=False.
const plain = selfAttention(x, { paddingValue: 0, scale: 1 });
// The same mask from lengths instead of a padding value.
const same = selfAttention(x, { lengths: [4, 2, 3], scale: 1 });
console.log(
  'selfAttention, paddingValue 0 == lengths [4, 2, 3]:',
  plain.data.every((v, i) => v === same.data[i]),
);

// 2. Multi-head self-attention with learned projections (2 heads, seeded Xavier init).
const layer = new SelfAttention({ embedDim: E, numHeads: 2, seed: 42 });
const { output, weights } = layer.forward(x, { lengths: [4, 2, 3], needWeights: true });

const fmt = (a) => Array.from(a, (v) => v.toFixed(3).padStart(7)).join(' ');
for (let b = 0; b < 3; b++) {
  console.log(`sequence ${b}:`);
  for (let l = 0; l < 4; l++)
    console.log(
      `  t${l} out ${fmt(output.data.subarray((b * 4 + l) * E, (b * 4 + l + 1) * E))}   weights ${fmt(weights.data.subarray((b * 4 + l) * 4, (b * 4 + l + 1) * 4))}`,
    );
}
// Padded timesteps: zero output rows, and no valid query puts weight on them.
const ok =
  output.data.subarray((1 * 4 + 2) * E, (1 * 4 + 4) * E).every((v) => v === 0) &&
  weights.data[(0 * 4 + 0) * 4 + 3] > 0 &&
  weights.data[(1 * 4 + 0) * 4 + 2] === 0;
console.log('padded rows are zero and padded keys get no weight:', ok);
