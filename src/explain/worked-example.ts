// The worked example: one q·k by hand-sized numbers, then the softmax of a row of three scores
// with and without the 1/√d_k scale, the softmax computed by attnkit's kernel.
import { kernelSoftmaxOfScores } from './kernel-softmax';
import { entropyOf } from './row-stats';
import type { WorkedExample, WorkedSoftmaxRow } from './types';

const Q = [1.2, -0.5, 0.3, 0.8];
const K = [0.6, -0.1, -1.5, 0.7];
/** The two other scores of the example row, next to q·k. */
const OTHER_SCORES = [2.0, 0.5];

function softmaxRow(label: string, scores: number[], scale: number): WorkedSoftmaxRow {
  // The kernel applies the scale itself: softmax(scale · s).
  const probs = kernelSoftmaxOfScores(scores, scale);
  return { label, scores: scores.map((s) => s * scale), probs, maxProb: Math.max(...probs), entropy: entropyOf(probs) };
}

/**
 * q = [1.2, −0.5, 0.3, 0.8], k = [0.6, −0.1, −1.5, 0.7]: q·k = 0.88, ÷√4 = 0.44; then softmax of
 * [0.88, 2.0, 0.5] and of the scaled [0.44, 1.0, 0.25], so the scaled row is seen to be less peaked.
 */
export function workedExample(): WorkedExample {
  const dK = Q.length;
  let dot = 0;
  for (let i = 0; i < dK; i++) dot += Q[i] * K[i];
  const scale = 1 / Math.sqrt(dK);
  const row = [dot, ...OTHER_SCORES];
  return {
    q: Q.slice(),
    k: K.slice(),
    dK,
    dot,
    scale,
    scaledDot: dot * scale,
    rows: [softmaxRow('unscaled', row, 1), softmaxRow(`scaled by 1/√${dK}`, row, scale)],
    uniformEntropy: Math.log(row.length),
  };
}
