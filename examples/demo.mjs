// `npm run demo`: which backend is live, a small causal attention, and how fast it ran.
import { backendInfo, scaledDotProductAttention, tensor } from 'attnkit';

const [B, H, L, D] = [1, 8, 512, 64];
const random = (n) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
const q = tensor(random(B * H * L * D), [B, H, L, D]);
const k = tensor(random(B * H * L * D), [B, H, L, D]);
const v = tensor(random(B * H * L * D), [B, H, L, D]);

const info = backendInfo();
console.log(`attnkit ${info.version}: backend=${info.backend} simd=${info.simd} threads=${info.threads}`);
console.log(`  why: ${info.reason}`);

const out = scaledDotProductAttention(q, k, v, { causal: true });
console.log(
  `out shape [${out.shape.join(', ')}], out[0, 0, 0, 0:4] = ${Array.from(out.data.subarray(0, 4), (x) => x.toFixed(4)).join(' ')}`,
);

// Median of 7 timed runs; causal with Lq = Lk does half the flops of 2·B·H·L·L·(D + Dv).
const times = [];
for (let r = 0; r < 8; r++) {
  const t0 = process.hrtime.bigint();
  scaledDotProductAttention(q, k, v, { causal: true, out });
  if (r > 0) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
const ms = times[Math.floor(times.length / 2)];
const gflop = (2 * B * H * L * L * (D + D)) / 2 / 1e9;
console.log(`causal [${B}, ${H}, ${L}, ${D}]: median ${ms.toFixed(2)} ms, ${(gflop / (ms / 1e3)).toFixed(1)} GFLOP/s`);
