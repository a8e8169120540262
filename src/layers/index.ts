// Layers built on the public api.
export { MultiHeadAttention, type MultiHeadAttentionOptions, type MhaForwardOptions, type MhaResult, type RopePositional } from './multi-head-attention';
