// Every softmax the explain command reports comes from attnkit's own attention kernel through
// weightsOut, never from a softmax written here: v is a dummy, only the weights are kept.
import { scaledDotProductAttention } from '../api/sdpa';
import { tensor } from '../tensor';

/**
 * softmax(scale · q·kᵀ) for `rows` independent rows: q [rows, 1, dK], k [rows, keys, dK] (3-D
 * [N, L, D] inputs, one query per batch entry so each row has its own keys). Returns [rows, keys].
 */
export function kernelSoftmaxRows(
  q: Float32Array,
  k: Float32Array,
  rows: number,
  keys: number,
  dK: number,
  scale: number,
): Float32Array {
  const weights = new Float32Array(rows * keys);
  scaledDotProductAttention(
    tensor(q, [rows, 1, dK]),
    tensor(k, [rows, keys, dK]),
    tensor(new Float32Array(rows * keys), [rows, keys, 1]),
    {
      scale,
      weightsOut: tensor(weights, [rows, 1, keys]),
    },
  );
  return weights;
}

/**
 * softmax(scale · s) of one row of given scores s: q = [[1]] and k = s as a [keys, 1] tensor,
 * so the kernel's score q·k_j is exactly s_j (in float32).
 */
export function kernelSoftmaxOfScores(scores: readonly number[], scale: number): number[] {
  const keys = scores.length;
  const weights = kernelSoftmaxRows(Float32Array.of(1), Float32Array.from(scores), 1, keys, 1, scale);
  return Array.from(weights);
}
