// Positional encodings: absolute (sinusoidal, learned), rotary, and score biases (ALiBi, T5 relative).
export { sinusoidalTable, addPositional, type SinusoidalOptions, type AddPositionalOptions } from './sinusoidal';
export { LearnedPositionalEmbedding, type LearnedPositionalOptions } from './learned';
export { applyRope, type RopeOptions, type RopeStyle } from './rope';
export { alibiSlopes, alibiBias, type AlibiBiasOptions } from './alibi';
export {
  t5RelativeBucket,
  relativePositionBias,
  t5RelativeBias,
  type RelativeBucketOptions,
  type RelativePositionBiasOptions,
} from './relative';
export { clippedRelativeBias, type ClippedRelativeBiasOptions } from './clipped';
