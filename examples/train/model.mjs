// A small attention model for a toy sequence task, built from attnkit's pieces and trained by hand:
//
//   e = Embed[tokens] + PE                      sinusoidal positions (fixed), token table learned
//   h_l = h_{l−1} + MultiHeadAttention_l(h_{l−1})   one or two self-attention layers, residual, no causal mask
//   logits = h·Woutᵀ + bout                      one linear read-out per position
//   loss = mean cross-entropy over every position
//
// Every parameter starts from Xavier-uniform (biases at zero). backward() returns the gradients under
// the same names as parameters(), ready for an optimiser's step().
import { MultiHeadAttention, linear, linearBackward, sinusoidalTable, xavierUniform } from 'attnkit';

export class SequenceModel {
  /**
   * @param {{ vocab: number, seqLen: number, embedDim: number, numHeads: number, layers?: number, seed?: number, scale?: number, gain?: number }} c
   * scale: the attention's score scale (default 1/√headDim); gain: Xavier gain of the attention's input
   * projection (default 1, nn.MultiheadAttention's), which sets the variance of q and k at the start.
   */
  constructor(c) {
    this.c = { layers: 1, seed: 1, gain: 1, ...c };
    const { vocab, seqLen, embedDim: E, numHeads, layers, seed } = this.c;
    this.headDim = E / numHeads;
    this.embed = new Float32Array(vocab * E);
    xavierUniform({ data: this.embed, shape: [vocab, E] }, { seed });
    this.pe = sinusoidalTable(seqLen, E).data;
    this.mhas = Array.from(
      { length: layers },
      (_, l) => new MultiHeadAttention({ embedDim: E, numHeads, seed: seed + 1 + l }),
    );
    for (const m of this.mhas)
      for (const [name, a] of Object.entries(m.parameters()))
        if (name === 'in_proj_weight') a.forEach((v, i) => (a[i] = v * this.c.gain));
    this.wOut = new Float32Array(vocab * E);
    xavierUniform({ data: this.wOut, shape: [vocab, E] }, { seed: seed + 100 });
    this.bOut = new Float32Array(vocab);
  }

  /** The live parameter arrays by name. */
  parameters() {
    const p = { 'embed.weight': this.embed, 'head.weight': this.wOut, 'head.bias': this.bOut };
    this.mhas.forEach((m, l) => {
      for (const [name, a] of Object.entries(m.parameters())) p[`layers.${l}.${name}`] = a;
    });
    return p;
  }

  /** Embed[tokens] + PE, [B, L, E]. */
  embedTokens(tokens, batch) {
    const { seqLen: L, embedDim: E } = this.c;
    const h = new Float32Array(batch * L * E);
    for (let r = 0; r < batch * L; r++) {
      const t = tokens[r];
      const pos = r % L;
      for (let e = 0; e < E; e++) h[r * E + e] = this.embed[t * E + e] + this.pe[pos * E + e];
    }
    return { data: h, shape: [batch, L, E] };
  }

  /** Standard deviation of the first layer's unscaled scores q·k over every (head, query, key) of a batch. */
  scoreStd(tokens, batch) {
    const { seqLen: L, numHeads: H } = this.c;
    const D = this.headDim;
    const x = this.embedTokens(tokens, batch);
    const w = this.mhas[0].weights();
    const q = linear(x, w.wq, w.bq).data;
    const k = linear(x, w.wk, w.bk).data;
    let sum = 0;
    let sq = 0;
    let n = 0;
    for (let b = 0; b < batch; b++)
      for (let h = 0; h < H; h++)
        for (let i = 0; i < L; i++)
          for (let j = 0; j < L; j++) {
            let dot = 0;
            for (let d = 0; d < D; d++) dot += q[(b * L + i) * H * D + h * D + d] * k[(b * L + j) * H * D + h * D + d];
            sum += dot;
            sq += dot * dot;
            n++;
          }
    return Math.sqrt(sq / n - (sum / n) ** 2);
  }

  /** logits [B, L, vocab] for tokens (Int32Array [B·L]); train keeps what backward() needs. */
  forward(tokens, batch, train = false) {
    const { seqLen: L, embedDim: E, vocab } = this.c;
    let x = this.embedTokens(tokens, batch);
    const scale = this.c.scale;
    for (const m of this.mhas) {
      const { output } = m.forward(x, undefined, undefined, { train, ...(scale !== undefined ? { scale } : {}) });
      const next = output.data; // h_l = h_{l−1} + attention(h_{l−1})
      for (let i = 0; i < next.length; i++) next[i] += x.data[i];
      x = { data: next, shape: [batch, L, E] };
    }
    if (train) this.saved = { tokens, batch, h: x };
    return linear(x, { data: this.wOut, shape: [vocab, E] }, { data: this.bOut, shape: [vocab] });
  }

  /** Gradients of the last train forward for dLogits [B, L, vocab], by parameter name. */
  backward(dLogits) {
    const { embedDim: E, vocab, seqLen: L } = this.c;
    const { tokens, batch, h } = this.saved;
    this.saved = null;
    const grads = {};
    const head = linearBackward(dLogits, h, { data: this.wOut, shape: [vocab, E] }, { bias: true });
    grads['head.weight'] = head.dWeight.data;
    grads['head.bias'] = head.dBias.data;
    let dh = head.dx.data;
    for (let l = this.mhas.length - 1; l >= 0; l--) {
      const g = this.mhas[l].backward({ data: dh, shape: [batch, L, E] });
      for (const [name, a] of Object.entries(g.grads)) grads[`layers.${l}.${name}`] = a;
      const d = g.dQuery.data; // the residual adds dh itself
      for (let i = 0; i < d.length; i++) d[i] += dh[i];
      dh = d;
    }
    const dEmbed = new Float32Array(vocab * E);
    for (let r = 0; r < batch * L; r++) {
      const t = tokens[r];
      for (let e = 0; e < E; e++) dEmbed[t * E + e] += dh[r * E + e];
    }
    grads['embed.weight'] = dEmbed;
    return grads;
  }
}

/** Mean cross-entropy of logits [N, V] against targets, its gradient (softmax − onehot) / N, and the correct count. */
export function crossEntropy(logits, targets, vocab) {
  const n = targets.length;
  const grad = new Float32Array(logits.length);
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < n; r++) {
    const o = r * vocab;
    let max = -Infinity;
    let arg = 0;
    for (let v = 0; v < vocab; v++)
      if (logits[o + v] > max) {
        max = logits[o + v];
        arg = v;
      }
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(logits[o + v] - max);
    loss += Math.log(sum) + max - logits[o + targets[r]];
    if (arg === targets[r]) correct++;
    for (let v = 0; v < vocab; v++)
      grad[o + v] = (Math.exp(logits[o + v] - max) / sum - (v === targets[r] ? 1 : 0)) / n;
  }
  return { loss: loss / n, grad, correct };
}
