// Layers built on the public api.
export { MultiHeadAttention, type MultiHeadAttentionOptions, type MhaForwardOptions, type MhaResult, type RopePositional } from './multi-head-attention';
export { SelfAttention, selfAttention, type PaddingOptions, type SelfAttentionFnOptions, type SelfAttentionForwardOptions } from './self-attention';
