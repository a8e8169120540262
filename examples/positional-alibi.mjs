// ALiBi: no position embedding at all; each head penalises distant keys by slope·distance.
// Run: npm run build:ts && node examples/positional-alibi.mjs
import { alibiBias, alibiSlopes, scaledDotProductAttention, tensor } from '../dist/index.mjs';

const [B, H, L, D] = [1, 12, 6, 16];
const slopes = alibiSlopes(H); // 12 heads: the 8-head slopes 2^-1..2^-8, then 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5
console.log('slopes:', Array.from(slopes, (s) => s.toPrecision(4)).join(' '));

const rnd = (n, s) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.91 + s));
const q = tensor(rnd(B * H * L * D, 1), [B, H, L, D]);
const k = tensor(rnd(B * H * L * D, 2), [B, H, L, D]);
const v = tensor(rnd(B * H * L * D, 3), [B, H, L, D]);

// [1, H, L, L] additive mask of -slope_h·|i - j|; in-kernel ALiBi (no L×L mask) is planned.
const mask = alibiBias(slopes, L, L);
const out = scaledDotProductAttention(q, k, v, { causal: true, mask });
console.log(`out [${out.shape}], head 0 bias row 5:`, Array.from(mask.data.subarray(5 * L, 6 * L)).join(' '));
