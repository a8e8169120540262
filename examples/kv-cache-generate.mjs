// Prefill then token-by-token decode with a KVCache, for a batch of prompts of different lengths.
// Each step is checked against running the layer from scratch on each sequence's whole token list.
// (A real model would feed back its predicted tokens; random embeddings stand in for them here.)
import { KVCache, MultiHeadAttention } from 'attnkit';

const E = 256;
const HEADS = 8;
const KV_HEADS = 2;
const prompts = [37, 5, 120];
const STEPS = 16;
const random = (n) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);

const mha = new MultiHeadAttention({ embedDim: E, numHeads: HEADS, numKvHeads: KV_HEADS, seed: 1 });
const cache = new KVCache({ batch: prompts.length, kvHeads: KV_HEADS, headDim: E / HEADS, maxLength: 256 });
const options = { cache, causal: true, positional: { type: 'rope' } };

// The prompts, right-padded into one [B, Lmax, E] block; counts says how many rows each sequence has.
const Lmax = Math.max(...prompts);
const tokens = prompts.map((n) => Array.from({ length: n }, () => random(E)));
const block = new Float32Array(prompts.length * Lmax * E);
tokens.forEach((rows, b) => rows.forEach((row, t) => block.set(row, (b * Lmax + t) * E)));
mha.forward({ data: block, shape: [prompts.length, Lmax, E] }, undefined, undefined, { ...options, counts: prompts });

let worst = 0;
const times = [];
for (let step = 0; step < STEPS; step++) {
  const next = random(prompts.length * E);
  const t0 = performance.now();
  const { output } = mha.forward({ data: next, shape: [prompts.length, 1, E] }, undefined, undefined, options);
  times.push(performance.now() - t0);
  for (let b = 0; b < prompts.length; b++) {
    tokens[b].push(next.slice(b * E, (b + 1) * E));
    const L = tokens[b].length;
    const whole = new Float32Array(L * E);
    tokens[b].forEach((row, t) => whole.set(row, t * E));
    const full = mha.forward({ data: whole, shape: [1, L, E] }, undefined, undefined, {
      causal: true,
      positional: { type: 'rope' },
    }).output.data;
    for (let d = 0; d < E; d++) worst = Math.max(worst, Math.abs(output.data[b * E + d] - full[(L - 1) * E + d]));
  }
}
times.sort((a, b) => a - b);
console.log(`cache lengths after ${STEPS} steps: [${Array.from(cache.lengths).join(', ')}]`);
console.log(`decode step (batch ${prompts.length}): median ${times[times.length >> 1].toFixed(2)} ms`);
console.log(`largest difference from recomputing from scratch: ${worst.toExponential(2)}`);
if (worst > 1e-5) process.exitCode = 1;
