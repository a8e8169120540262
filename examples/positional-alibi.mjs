// ALiBi: no position embedding at all; each head penalises distant keys by slope·distance.
// Run: npm run build:ts && node examples/positional-alibi.mjs
import { MultiHeadAttention, alibiBias, alibiSlopes, scaledDotProductAttention, tensor } from 'attnkit';

const [B, H, L, D] = [1, 12, 6, 16];
const slopes = alibiSlopes(H); // 12 heads: the 8-head slopes 2^-1..2^-8, then 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5
console.log('slopes:', Array.from(slopes, (s) => s.toPrecision(4)).join(' '));

const rnd = (n, s) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.91 + s));
const q = tensor(rnd(B * H * L * D, 1), [B, H, L, D]);
const k = tensor(rnd(B * H * L * D, 2), [B, H, L, D]);
const v = tensor(rnd(B * H * L * D, 3), [B, H, L, D]);

// In the kernel: the slopes alone, -slope_h·|p - j| added to each score; no L×L mask is built.
const out = scaledDotProductAttention(q, k, v, { causal: true, alibiSlopes: slopes });

// The materialised equivalent: a [1, H, L, L] additive mask of -slope_h·|i - j|, for checks.
const mask = alibiBias(slopes, L, L);
const viaMask = scaledDotProductAttention(q, k, v, { causal: true, mask });
const diff = out.data.reduce((m, x, i) => Math.max(m, Math.abs(x - viaMask.data[i])), 0);
console.log(`out [${out.shape}], head 0 bias row 5:`, Array.from(mask.data.subarray(5 * L, 6 * L)).join(' '));
console.log(`in-kernel vs materialised mask: max |diff| = ${diff.toExponential(2)}`);

// In a layer (BLOOM / MPT style): positional { type: 'alibi' } uses alibiSlopes(numHeads) by default.
const mha = new MultiHeadAttention({ embedDim: 48, numHeads: H, seed: 1 });
const x = tensor(rnd(2 * L * 48, 4), [2, L, 48]);
const { output } = mha.forward(x, undefined, undefined, { causal: true, positional: { type: 'alibi' } });
console.log(`MultiHeadAttention with ALiBi: output [${output.shape}]`);
