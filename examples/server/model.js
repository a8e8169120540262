// A small attention model with seeded weights: token embeddings, a few pre-norm residual layers of
// MultiHeadAttention with RoPE, and an output head. Untrained (its answers are deterministic noise); it
// stands in for a real model so the server's plumbing does real attention work.
//   h = emb[tokens];  h = h + MHA_l(rms(h)) for each layer l;  logits = rms(h) · headᵀ
// embed() runs the whole sequences at once, non-causal, and mean-pools h over each sequence's tokens;
// step() feeds new tokens of one session through its per-layer KVCaches (causal) and returns the
// greedy next token.
import { KVCache, MultiHeadAttention, linear, tensor, xavierUniform } from './attnkit.js';

export const MODEL_DEFAULTS = Object.freeze({
  vocab: 512,
  dim: 64,
  heads: 4,
  kvHeads: 2,
  layers: 2,
  context: 256,
  seed: 7,
});

const ROPE = { type: 'rope' };

/** Each row of x [rows, dim] divided by its root mean square (RMSNorm without a gain), into a new array. */
function rmsNorm(x, dim) {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length; r += dim) {
    let s = 0;
    for (let i = r; i < r + dim; i++) s += x[i] * x[i];
    const k = 1 / Math.sqrt(s / dim + 1e-6);
    for (let i = r; i < r + dim; i++) out[i] = x[i] * k;
  }
  return out;
}

/** Index of the largest value (the first one on a tie). */
export function argmax(x) {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

export class TinyModel {
  constructor(options = {}) {
    const c = Object.freeze({ ...MODEL_DEFAULTS, ...options });
    this.config = c;
    this.headDim = c.dim / c.heads;
    const weight = (rows, seed) => xavierUniform(tensor(new Float32Array(rows * c.dim), [rows, c.dim]), { seed }).data;
    this.embedding = weight(c.vocab, c.seed);
    this.layers = Array.from(
      { length: c.layers },
      (_, l) =>
        new MultiHeadAttention({ embedDim: c.dim, numHeads: c.heads, numKvHeads: c.kvHeads, seed: c.seed + 1 + l }),
    );
    this.head = { data: weight(c.vocab, c.seed + 1 + c.layers), shape: [c.vocab, c.dim] };
  }

  /** Bytes of one session's caches (keys and values of every layer, the whole context). */
  get sessionBytes() {
    const c = this.config;
    return c.layers * 2 * c.context * c.kvHeads * this.headDim * Float32Array.BYTES_PER_ELEMENT;
  }

  /** One empty KVCache per layer, for one session. */
  newCaches() {
    const c = this.config;
    return this.layers.map(
      () => new KVCache({ batch: 1, kvHeads: c.kvHeads, headDim: this.headDim, maxLength: c.context }),
    );
  }

  /** Embedding rows of `sequences` (arrays of token ids), right-padded with zero rows to `length`. */
  lookup(sequences, length) {
    const E = this.config.dim;
    const x = new Float32Array(sequences.length * length * E);
    sequences.forEach((seq, b) =>
      seq.forEach((id, t) => x.set(this.embedding.subarray(id * E, (id + 1) * E), (b * length + t) * E)),
    );
    return x;
  }

  /** Mean-pooled final hidden state of each sequence (non-causal, padding keys masked): Float32Array(dim) each. */
  embed(sequences) {
    const E = this.config.dim;
    const B = sequences.length;
    const L = Math.max(...sequences.map((s) => s.length));
    const h = this.lookup(sequences, L);
    const keyPaddingMask = tensor(new Uint8Array(B * L), [B, L]);
    sequences.forEach((s, b) => keyPaddingMask.data.fill(1, b * L + s.length, (b + 1) * L));
    for (const layer of this.layers) {
      const { output } = layer.forward(tensor(rmsNorm(h, E), [B, L, E]), undefined, undefined, {
        keyPaddingMask,
        positional: ROPE,
      });
      for (let i = 0; i < h.length; i++) h[i] += output.data[i];
    }
    return sequences.map((s, b) => {
      const pooled = new Float32Array(E);
      for (let t = 0; t < s.length; t++) for (let d = 0; d < E; d++) pooled[d] += h[(b * L + t) * E + d];
      for (let d = 0; d < E; d++) pooled[d] /= s.length;
      return pooled;
    });
  }

  /**
   * Appends `tokens` to a session's caches (causal attention over all it holds, RoPE at the cache's
   * positions) and returns the greedy next token after the last of them.
   */
  step(caches, tokens) {
    const E = this.config.dim;
    const n = tokens.length;
    const h = this.lookup([tokens], n);
    this.layers.forEach((layer, l) => {
      const { output } = layer.forward(tensor(rmsNorm(h, E), [1, n, E]), undefined, undefined, {
        cache: caches[l],
        causal: true,
        positional: ROPE,
      });
      for (let i = 0; i < h.length; i++) h[i] += output.data[i];
    });
    const last = rmsNorm(h.subarray((n - 1) * E), E);
    return argmax(linear(tensor(last, [1, E]), this.head).data);
  }

  /**
   * Greedy decoding without a server: `maxTokens` tokens after `prompt` in fresh caches (what a
   * /v1/generate request without a session streams).
   */
  generate(prompt, maxTokens) {
    const caches = this.newCaches();
    const out = [this.step(caches, prompt)];
    while (out.length < maxTokens) out.push(this.step(caches, [out[out.length - 1]]));
    return out;
  }
}
