// linear(): y = x·Wᵀ + b with W in PyTorch nn.Linear's [outFeatures, inFeatures] layout.
// Run: npm run build:ts && node examples/linear.mjs
import { linear, tensor } from 'attnkit';

const [B, L, inF, outF] = [2, 3, 4, 2];
const x = tensor(
  Float32Array.from({ length: B * L * inF }, (_, i) => i / 10),
  [B, L, inF],
);
// Row o of W holds the weights of output feature o (nn.Linear.weight, not its transpose).
const w = tensor(new Float32Array([1, 0, 0, 0, /* out 1: */ 0.5, 0.5, 0.5, 0.5]), [outF, inF]);
const b = tensor(new Float32Array([0, 100]), [outF]);

const y = linear(x, w, b); // [B, L, outF]
console.log(`y [${y.shape}]:`, Array.from(y.data, (v) => v.toFixed(2)).join(' '));

// Reuse an output buffer in a loop (no allocation per call).
const out = tensor(new Float32Array(B * L * outF), [B, L, outF]);
linear(x, w, null, { out });
console.log('no bias, into out:', Array.from(out.data, (v) => v.toFixed(2)).join(' '));
