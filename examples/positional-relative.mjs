// T5 relative position bias: a learned [numBuckets, heads] table indexed by bucketed key - query distance.
// Run: npm run build:ts && node examples/positional-relative.mjs
import { relativePositionBias, scaledDotProductAttention, t5RelativeBias, t5RelativeBucket, tensor } from 'attnkit';

const [B, H, L, D, buckets] = [1, 4, 7, 8, 32];
console.log(
  'buckets of r = -3..3 (bidirectional):',
  [-3, -2, -1, 0, 1, 2, 3].map((r) => t5RelativeBucket(r)).join(' '),
);
console.log(
  'buckets of r = -10, -50, -200 (causal, keys in the past):',
  [-10, -50, -200].map((r) => t5RelativeBucket(r, { bidirectional: false })).join(' '),
);

// T5's relative_attention_bias.weight is [numBuckets, heads]; here a made-up one.
const table = tensor(
  Float32Array.from({ length: buckets * H }, (_, i) => Math.cos(i) * 0.5),
  [buckets, H],
);
// The bias depends only on j - i: one value per diagonal, [H, L + L - 1], added in the kernel.
const relativeBias = t5RelativeBias(table, L, L, { bidirectional: true, maxDistance: 128 });
console.log(`relativeBias [${relativeBias.shape}] instead of a [1, ${H}, ${L}, ${L}] mask`);

const rnd = (n, s) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + s));
const q = tensor(rnd(B * H * L * D, 1), [B, H, L, D]);
const k = tensor(rnd(B * H * L * D, 2), [B, H, L, D]);
const v = tensor(rnd(B * H * L * D, 3), [B, H, L, D]);
// T5 does not scale scores by 1/sqrt(D).
const out = scaledDotProductAttention(q, k, v, { scale: 1, relativeBias });
console.log(`out [${out.shape}]`);

// The materialised equivalent, relativePositionBias as an additive mask, gives the same output.
const mask = relativePositionBias(table, L, L, { bidirectional: true, maxDistance: 128 }); // [1, H, L, L]
const viaMask = scaledDotProductAttention(q, k, v, { scale: 1, mask });
const diff = out.data.reduce((m, x, i) => Math.max(m, Math.abs(x - viaMask.data[i])), 0);
console.log(`in-kernel vs materialised mask: max |diff| = ${diff.toExponential(2)}`);
