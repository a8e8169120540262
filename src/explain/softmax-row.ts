// One row's softmax per scale, for the histogram plot: the first row the study draws at that d_k.
import { drawChunks, rngForDimension } from './draw';
import { kernelSoftmaxRows } from './kernel-softmax';
import { SCALES } from './scales';
import type { ScaleName } from './types';

export interface SoftmaxRowSample {
  scaleName: ScaleName;
  scale: number;
  /** softmax(scale · q·kᵀ) of one query over `keys` keys, from attnkit's kernel. */
  probs: number[];
}

export function sampleSoftmaxRow(dK: number, keys: number, seed: number): SoftmaxRowSample[] {
  const first = drawChunks(rngForDimension(seed, dK), 1, keys, dK).next().value!;
  return SCALES.map((spec) => {
    const scale = spec.factor(dK);
    return { scaleName: spec.name, scale, probs: Array.from(kernelSoftmaxRows(first.q, first.k, 1, keys, dK, scale)) };
  });
}
