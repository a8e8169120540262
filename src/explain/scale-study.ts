// The scale study: for each d_k, draw unit-variance q and k, and for each scale measure the score
// spread and what softmax does with it. Scores q·k are plain float64 dot products of the float32
// inputs; every softmax is attnkit's kernel (scaledDotProductAttention with weightsOut).
import { drawChunks, rngForDimension, type DrawnChunk } from './draw';
import { kernelSoftmaxRows } from './kernel-softmax';
import { resolveStudyOptions } from './options';
import { entropyOf, jacobianFrobeniusOf, maxOf } from './row-stats';
import { SCALES } from './scales';
import type { ScaleStudyOptions, ScaleStudyRow, SigmaRange } from './types';

/** A max probability above this counts the row as saturated (nearly one-hot). */
export const SATURATION_THRESHOLD = 0.99;

interface SoftmaxTotals {
  maxProb: number;
  entropy: number;
  saturated: number;
  jacobian: number;
}

function scoreRows(chunk: DrawnChunk, keys: number, dK: number, into: Float64Array, offset: number): void {
  for (let r = 0; r < chunk.rows; r++) {
    const qo = r * dK;
    for (let j = 0; j < keys; j++) {
      const ko = (r * keys + j) * dK;
      let s = 0;
      for (let i = 0; i < dK; i++) s += chunk.q[qo + i] * chunk.k[ko + i];
      into[offset + r * keys + j] = s;
    }
  }
}

function addSoftmaxTotals(weights: Float32Array, rows: number, keys: number, t: SoftmaxTotals): void {
  for (let r = 0; r < rows; r++) {
    const m = maxOf(weights, r * keys, keys);
    t.maxProb += m;
    t.entropy += entropyOf(weights, r * keys, keys);
    t.jacobian += jacobianFrobeniusOf(weights, r * keys, keys);
    if (m > SATURATION_THRESHOLD) t.saturated += 1;
  }
}

function spreadOf(scores: Float64Array, scale: number): { mean: number; variance: number; ranges: SigmaRange[] } {
  const n = scores.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += scale * scores[i];
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (scale * scores[i] - mean) ** 2;
  const variance = ss / (n - 1);
  const std = Math.sqrt(variance);
  const ranges = ([1, 2, 3] as const).map((sigmas): SigmaRange => {
    let inside = 0;
    for (let i = 0; i < n; i++) if (Math.abs(scale * scores[i] - mean) <= sigmas * std) inside++;
    return { sigmas, low: mean - sigmas * std, high: mean + sigmas * std, inside: inside / n };
  });
  return { mean, variance, ranges };
}

/** The study for one d_k over the given chunks of inputs: one row per scale. */
export function studyDimension(
  chunks: Iterable<DrawnChunk>,
  samples: number,
  keys: number,
  dK: number,
): ScaleStudyRow[] {
  const scores = new Float64Array(samples * keys);
  const totals: SoftmaxTotals[] = SCALES.map(() => ({ maxProb: 0, entropy: 0, saturated: 0, jacobian: 0 }));
  let done = 0;
  for (const chunk of chunks) {
    scoreRows(chunk, keys, dK, scores, done * keys);
    SCALES.forEach((spec, s) => {
      const weights = kernelSoftmaxRows(chunk.q, chunk.k, chunk.rows, keys, dK, spec.factor(dK));
      addSoftmaxTotals(weights, chunk.rows, keys, totals[s]);
    });
    done += chunk.rows;
  }
  return SCALES.map((spec, s): ScaleStudyRow => {
    const scale = spec.factor(dK);
    const { mean, variance, ranges } = spreadOf(scores, scale);
    const t = totals[s];
    return {
      dK,
      scaleName: spec.name,
      scale,
      samples,
      keys,
      mean,
      variance,
      expectedVariance: scale * scale * dK,
      std: Math.sqrt(variance),
      ranges,
      meanMaxProb: t.maxProb / samples,
      meanEntropy: t.entropy / samples,
      uniformEntropy: Math.log(keys),
      saturatedShare: t.saturated / samples,
      meanJacobianNorm: t.jacobian / samples,
    };
  });
}

/**
 * Why 1/√d_k, measured: for each d_k in `dims`, draws `samples` query rows with `keys` keys each
 * (components N(0, 1), seeded) and, for the scales none, 1/√d_k, 1/(2√d_k), 1/(3√d_k), reports the
 * score variance and spread and the mean max probability, entropy, saturation and Jacobian norm of
 * the softmax computed by attnkit's kernel. Rows are ordered by d_k, then scale.
 * @example
 * const rows = scaleStudy({ dims: [64, 1024], samples: 500, seed: 7 });
 * rows.filter((r) => r.scaleName === 'none').map((r) => r.meanMaxProb);
 */
export function scaleStudy(options?: ScaleStudyOptions): ScaleStudyRow[] {
  const { dims, samples, keys, seed } = resolveStudyOptions(options);
  const rows: ScaleStudyRow[] = [];
  for (const dK of dims)
    rows.push(...studyDimension(drawChunks(rngForDimension(seed, dK), samples, keys, dK), samples, keys, dK));
  return rows;
}
