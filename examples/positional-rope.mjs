// Rotary embeddings on q and k before attention, then one more token decoded with a KV cache.
// Run: npm run build:ts && node examples/positional-rope.mjs
import { applyRope, scaledDotProductAttention, tensor } from 'attnkit';

const [B, L, H, D] = [1, 5, 2, 8];
const rnd = (n, s) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + s));
// 'bshd' = [batch, seq, heads, headDim], what a projection [B, L, H·D] already is.
const q = tensor(rnd(B * L * H * D, 1), [B, L, H, D]);
const k = tensor(rnd(B * L * H * D, 2), [B, L, H, D]);
const v = tensor(rnd(B * L * H * D, 3), [B, L, H, D]);

const rope = { style: 'half', base: 10000 }; // 'half' = GPT-NeoX / LLaMA (HF); 'interleaved' = GPT-J
const qr = applyRope(q, rope);
const kr = applyRope(k, rope);
const out = scaledDotProductAttention(qr, kr, v, { layout: 'bshd', causal: true });
console.log(`prefill out [${out.shape}]`);

// Decode token 5: its q and k rotate by position 5 (offset = tokens already cached).
const qNew = applyRope(tensor(rnd(H * D, 4), [1, 1, H, D]), { ...rope, offset: L });
const kNew = applyRope(tensor(rnd(H * D, 5), [1, 1, H, D]), { ...rope, offset: L });
const kCache = tensor(new Float32Array([...kr.data, ...kNew.data]), [B, L + 1, H, D]);
const vCache = tensor(new Float32Array([...v.data, ...rnd(H * D, 6)]), [B, L + 1, H, D]);
const step = scaledDotProductAttention(qNew, kCache, vCache, { layout: 'bshd' });
console.log(
  `decode out [${step.shape}], first values`,
  Array.from(step.data.subarray(0, 3), (x) => x.toFixed(4)).join(' '),
);

// The point of RoPE: q·k depends on positions only through their difference.
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
const one = (x, off) => applyRope(tensor(Float32Array.from(x), [1, 1, 1, D]), { offset: off }).data;
const a = rnd(D, 7);
const b = rnd(D, 8);
console.log('q·k at (3, 1) vs (12, 10):', dot(one(a, 3), one(b, 1)).toFixed(5), dot(one(a, 12), one(b, 10)).toFixed(5));
