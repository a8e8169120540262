// The public shapes of the explain study: its options, one result row, the worked example.

/** The four scales the study compares. */
export type ScaleName = 'none' | '1/sqrt(d_k)' | '1/(2 sqrt(d_k))' | '1/(3 sqrt(d_k))';

export interface ScaleStudyOptions {
  /** Key/query dimensions to study. Default [4, 16, 64, 256, 1024]. */
  dims?: readonly number[];
  /** Query rows drawn per d_k (each with its own keys). Default 1000. */
  samples?: number;
  /** Keys per row, Lk. Default 64. */
  keys?: number;
  /** RNG seed (uint32). Default 1. Each d_k draws from its own stream, so a row does not depend on the other dims. */
  seed?: number;
}

/** A score interval mean ± sigmas·σ and the share of observed scores inside it. */
export interface SigmaRange {
  sigmas: 1 | 2 | 3;
  low: number;
  high: number;
  /** Share of the scores in [low, high] (a normal gives 0.683, 0.954, 0.997). */
  inside: number;
}

/** What the study measured for one d_k and one scale. */
export interface ScaleStudyRow {
  dK: number;
  scaleName: ScaleName;
  /** The factor the scores were multiplied by (1, 1/√d_k, ...). */
  scale: number;
  /** Rows drawn and keys per row. */
  samples: number;
  keys: number;
  /** Mean and variance (n - 1) of the scaled scores scale·q·k over all samples·keys scores. */
  mean: number;
  variance: number;
  /** The variance theory predicts for unit-variance q and k: scale²·d_k (d_k, 1, 1/4, 1/9). */
  expectedVariance: number;
  /** √variance. */
  std: number;
  /** mean ± 1σ, 2σ, 3σ and the share of scores observed in each. */
  ranges: SigmaRange[];
  /** Mean over rows of max_j p_j, p = softmax(scale·q·kᵀ) from attnkit's kernel. */
  meanMaxProb: number;
  /** Mean over rows of the entropy -Σ p_j ln p_j (nats). */
  meanEntropy: number;
  /** ln(keys): the entropy of a uniform softmax, the upper bound. */
  uniformEntropy: number;
  /** Share of rows whose max probability exceeds 0.99 (saturated, nearly one-hot). */
  saturatedShare: number;
  /** Mean over rows of ‖diag(p) − p·pᵀ‖_F, the softmax Jacobian: how much gradient flows back. */
  meanJacobianNorm: number;
}

/** One row of scores and its softmax, as the worked example shows it. */
export interface WorkedSoftmaxRow {
  label: string;
  /** The scores the softmax sees (already multiplied by the scale). */
  scores: number[];
  /** softmax(scores), computed by scaledDotProductAttention's weightsOut. */
  probs: number[];
  maxProb: number;
  /** Entropy in nats. */
  entropy: number;
}

export interface WorkedExample {
  q: number[];
  k: number[];
  dK: number;
  /** q·k (plain float64 dot product). */
  dot: number;
  /** 1/√d_k. */
  scale: number;
  /** q·k/√d_k. */
  scaledDot: number;
  /** The unscaled row [q·k, 2.0, 0.5] and the same row scaled by 1/√d_k. */
  rows: [WorkedSoftmaxRow, WorkedSoftmaxRow];
  /** ln(3): the entropy of a uniform row of three. */
  uniformEntropy: number;
}
