// Layers built on the public api.
export {
  MultiHeadAttention,
  type MultiHeadAttentionOptions,
  type MhaForwardOptions,
  type MhaResult,
  type MhaGradients,
} from './multi-head-attention';
export type { AlibiPositional, MhaPositional, RopePositional, T5Positional } from './mha-positional';
export {
  SelfAttention,
  selfAttention,
  type PaddingOptions,
  type SelfAttentionFnOptions,
  type SelfAttentionForwardOptions,
  type SelfAttentionGradients,
} from './self-attention';
