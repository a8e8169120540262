// Layers built on the public api.
export { MultiHeadAttention, type MultiHeadAttentionOptions, type MhaForwardOptions, type MhaResult } from './multi-head-attention';
export type { AlibiPositional, MhaPositional, RopePositional, T5Positional } from './mha-positional';
export { SelfAttention, selfAttention, type PaddingOptions, type SelfAttentionFnOptions, type SelfAttentionForwardOptions } from './self-attention';
