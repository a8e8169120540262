// Public exports only.
export { scaledDotProductAttention, scaledDotProductAttentionAsync } from './api/sdpa';
export { scaledDotProductAttentionBackward, scaledDotProductAttentionBackwardAsync } from './api/sdpa-backward';
export type { SdpaBackwardOptions, SdpaGradients } from './validation/sdpa-backward-options';
export { linear, type LinearOptions } from './api/linear';
export { linearBackward, type LinearBackwardOptions, type LinearGradients } from './api/linear-backward';
export { backendInfo, type BackendInfo } from './api/backend-info';
export { setNumThreads, getNumThreads } from './api/threads';
export { tensor, type Tensor, type HalfTensor, type MaskTensor } from './tensor';
export type { SdpaOptions, SdpaWindow } from './validation/sdpa-options';
export { AttnkitTypeError, AttnkitRangeError, AttnkitBackendError, ErrorCode, type ErrorCodeValue } from './errors';
export { VERSION } from './version';
export { scaleStudy, workedExample } from './explain';
export type {
  ScaleName,
  ScaleStudyOptions,
  ScaleStudyRow,
  SigmaRange,
  WorkedExample,
  WorkedSoftmaxRow,
} from './explain';
export * from './positional/index';
export * from './layers/index';
export { toFloat16, toBFloat16, toFloat32, type HalfDtype } from './dtypes/convert';
export { xavierUniform, xavierNormal, kaimingUniform, type InitOptions, type KaimingOptions } from './training/init';
export { Sgd, AdamW, clipGradNorm, type ParameterMap, type SgdOptions, type AdamWOptions } from './training/optimizers';
export { KVCache, type KVCacheOptions, type AppendOptions, type CacheTensor } from './cache/kv-cache';
