// Sinusoidal positions (Attention Is All You Need): add PE(pos) to token embeddings before the first layer.
// Run: npm run build:ts && node examples/positional-sinusoidal.mjs
import { addPositional, sinusoidalTable, tensor } from 'attnkit';

const [B, L, E] = [2, 6, 8];
const table = sinusoidalTable(512, E); // [maxLen, E], base 10000; { base } changes the wavelengths
const tokens = tensor(new Float32Array(B * L * E).fill(0.1), [B, L, E]);

const x = addPositional(tokens, table); // x[b, l] = tokens[b, l] + table[l]
console.log(
  `x shape [${x.shape}]; position 1, dims 0..3:`,
  Array.from(x.data.subarray(E, E + 4), (v) => v.toFixed(4)).join(' '),
);

// Decoding step 6 with 6 tokens cached: the new token gets position 6.
const next = addPositional(tensor(new Float32Array(E), [1, 1, E]), table, { offset: L });
console.log('position 6, dim 0 = sin(6) =', next.data[0].toFixed(6), Math.sin(6).toFixed(6));
