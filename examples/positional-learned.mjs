// A learned absolute table (BERT, GPT-2): rows looked up by position; past maxLen is a RangeError.
// Run: npm run build:ts && node examples/positional-learned.mjs
import { LearnedPositionalEmbedding, tensor } from 'attnkit';

const [maxLen, E] = [4, 3];
// Trained weights would come from a checkpoint, e.g. GPT-2's wpe.weight [maxLen, E].
const weight = tensor(
  Float32Array.from({ length: maxLen * E }, (_, i) => i / 10),
  [maxLen, E],
);
const pos = new LearnedPositionalEmbedding({ maxLen, dim: E, weight }); // or { maxLen, dim, seed } for N(0, 0.02²)

console.log('rows 1..2:', Array.from(pos.lookup(2, 1).data, (v) => v.toFixed(1)).join(' '));
const x = pos.addTo(tensor(new Float32Array(2 * E).fill(1), [1, 2, E]), 2); // positions 2, 3
console.log('x + W[2..3]:', Array.from(x.data, (v) => v.toFixed(1)).join(' '));
try {
  pos.addTo(tensor(new Float32Array(2 * E), [1, 2, E]), 3); // positions 3, 4: 4 is past the table
} catch (e) {
  console.log(`${e.name} ${e.code}: ${e.message}`);
}
