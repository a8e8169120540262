// The training loop of examples/train: the reverse task (target[i] = input[L − 1 − i]) on fresh random
// sequences every step, AdamW with gradient clipping, token accuracy on a fixed held-out set per epoch.
import { AdamW, clipGradNorm } from 'attnkit';
import { SequenceModel, crossEntropy } from './model.mjs';

export const DEFAULTS = {
  vocab: 16,
  seqLen: 12,
  embedDim: 64,
  numHeads: 4,
  layers: 1,
  batch: 64,
  stepsPerEpoch: 50,
  maxEpochs: 40,
  lr: 3e-3,
  weightDecay: 0.01,
  clip: 1,
  evalSequences: 512,
  /** Stop once the held-out token accuracy reaches this (1 = never stop early). */
  target: 0.99,
  seed: 1,
  /** The attention's score scale; undefined = 1/√headDim. */
  scale: undefined,
  /** Xavier gain of the attention's input projection (1: nn.MultiheadAttention's init). */
  gain: 1,
};

/** mulberry32: the data's own seeded stream. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** count sequences of random tokens and their reversals, flat [count·L]. */
export function reverseBatch(count, L, vocab, rand) {
  const tokens = new Int32Array(count * L);
  const targets = new Int32Array(count * L);
  for (let b = 0; b < count; b++) for (let i = 0; i < L; i++) tokens[b * L + i] = Math.floor(rand() * vocab);
  for (let b = 0; b < count; b++) for (let i = 0; i < L; i++) targets[b * L + i] = tokens[b * L + L - 1 - i];
  return { tokens, targets };
}

/** Token accuracy of the model on a batch (no training state kept). */
export function accuracy(model, data, count, vocab) {
  const logits = model.forward(data.tokens, count).data;
  return crossEntropy(logits, data.targets, vocab).correct / data.targets.length;
}

/**
 * Trains one model; returns { history: [{ epoch, loss, trainAccuracy, evalAccuracy, seconds }], model, config,
 * initialScoreStd } (the spread of the unscaled scores q·k at the start, on held-out sequences).
 * onStep(epoch, step, loss) and onEpoch(row) report progress.
 */
export function train(options = {}, { onStep, onEpoch } = {}) {
  const c = { ...DEFAULTS, ...options };
  const model = new SequenceModel({
    vocab: c.vocab,
    seqLen: c.seqLen,
    embedDim: c.embedDim,
    numHeads: c.numHeads,
    layers: c.layers,
    seed: c.seed,
    scale: c.scale,
    gain: c.gain,
  });
  const params = model.parameters();
  const opt = new AdamW(params, { lr: c.lr, weightDecay: c.weightDecay });
  const dataRand = rng(c.seed * 7919 + 13);
  const held = reverseBatch(c.evalSequences, c.seqLen, c.vocab, rng(c.seed * 104729 + 1));
  const history = [];
  const initialScoreStd = model.scoreStd(held.tokens.subarray(0, 64 * c.seqLen), 64);
  const start = performance.now();
  for (let epoch = 1; epoch <= c.maxEpochs; epoch++) {
    let lossSum = 0;
    let correct = 0;
    for (let step = 0; step < c.stepsPerEpoch; step++) {
      const { tokens, targets } = reverseBatch(c.batch, c.seqLen, c.vocab, dataRand);
      const logits = model.forward(tokens, c.batch, true);
      const ce = crossEntropy(logits.data, targets, c.vocab);
      const grads = model.backward({ data: ce.grad, shape: logits.shape });
      if (c.clip > 0) clipGradNorm(grads, c.clip);
      opt.step(grads);
      lossSum += ce.loss;
      correct += ce.correct;
      onStep?.(epoch, step + 1, ce.loss);
    }
    const row = {
      epoch,
      loss: lossSum / c.stepsPerEpoch,
      trainAccuracy: correct / (c.stepsPerEpoch * c.batch * c.seqLen),
      evalAccuracy: accuracy(model, held, c.evalSequences, c.vocab),
      seconds: (performance.now() - start) / 1000,
    };
    history.push(row);
    onEpoch?.(row);
    if (row.evalAccuracy >= c.target) break;
  }
  return { history, model, config: c, initialScoreStd };
}
