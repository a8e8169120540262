import { attnkit, useThreads } from './lib/attnkit.mjs';
import { inputs, shape, flops } from './lib/shapes.mjs';
import { ortMha, ortAttention } from './peers/ort.mjs';
const rounds = +(process.env.ROUNDS ?? 15);
const Ss = (process.env.S ?? '512,1024').split(',').map(Number);
const thrs = (process.env.THR ?? '1').split(',').map(Number);
const causal = !!process.env.CAUSAL;
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
for (const S of Ss) for (const t of thrs) {
  const s = shape(1, 8, 8, S, S, 64, 64, causal);
  const x = inputs(s);
  const { tensor, scaledDotProductAttention } = attnkit;
  useThreads(t);
  const q = tensor(x.q, [1, 8, S, 64]), k = tensor(x.k, [1, 8, S, 64]), v = tensor(x.v, [1, 8, S, 64]);
  const out = tensor(new Float32Array(8 * S * 64), [1, 8, S, 64]);
  const a = () => scaledDotProductAttention(q, k, v, { causal, out });
  const hm = await ortMha.setup(s, x, t), ha = await ortAttention.setup(s, x, t);
  for (let i = 0; i < 3; i++) { a(); await hm.run(); await ha.run(); }
  const ta = [], tm = [], tt = [];
  const tm1 = async (f) => { const t0 = performance.now(); await f(); return performance.now() - t0; };
  for (let r = 0; r < rounds; r++) { ta.push(await tm1(a)); tm.push(await tm1(hm.run)); tt.push(await tm1(ha.run)); }
  const g = (ms) => (flops(s) / ms / 1e6).toFixed(1);
  console.log(`S=${S} thr=${t}${causal?' causal':''}: attnkit ${g(med(ta))} GF/s, ort-mha ${g(med(tm))}, ort-attn ${g(med(tt))}; ratio vs best ort ${(Math.min(med(tm), med(tt)) / med(ta)).toFixed(3)}`);
  hm.dispose(); ha.dispose();
}
process.exit(0);
