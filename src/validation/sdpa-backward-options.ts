import type { Tensor } from '../tensor';
import type { SdpaOptions } from './sdpa-options';

/** The forward options the backward supports: the same call must be described to both. */
export type SdpaBackwardForwardOptions = Pick<
  SdpaOptions,
  | 'scale'
  | 'causal'
  | 'causalAlignment'
  | 'mask'
  | 'layout'
  | 'softcap'
  | 'window'
  | 'alibiSlopes'
  | 'relativeBias'
  | 'sinks'
  | 'compute'
>;

/**
 * Options of scaledDotProductAttentionBackward: the forward's options, as given to the forward, plus
 * one `…Out` buffer per gradient. The forward's own outputs (`out`, `weightsOut`, `lseOut`) are accepted and not
 * used, so the forward's options object can be passed as it is.
 */
export interface SdpaBackwardOptions extends SdpaBackwardForwardOptions {
  /** The forward's output buffer: ignored here (the forward's result is the `out` argument). */
  out?: Tensor;
  /** The forward's weights buffer: ignored here. */
  weightsOut?: Tensor;
  /** The forward's log-sum-exp buffer: ignored here (pass it as the `lse` argument). */
  lseOut?: Tensor;
  /** Receives dq (q's shape and layout); returned as is. */
  dqOut?: Tensor;
  /** Receives dk (k's shape and layout); with GQA, the sum over the query heads sharing each kv head. */
  dkOut?: Tensor;
  /** Receives dv (v's shape and layout). */
  dvOut?: Tensor;
  /** Receives dSinks [Hq]; only with `sinks`. */
  dSinksOut?: Tensor;
  /** Receives dRelativeBias, the shape of `relativeBias` ([Hq or 1, Lq + Lk − 1]); only with `relativeBias`. */
  dRelativeBiasOut?: Tensor;
}

/** The gradients of one backward call; each is the matching `…Out` option when one was given. */
export interface SdpaGradients {
  dq: Tensor;
  dk: Tensor;
  dv: Tensor;
  /** [Hq], when the forward had `sinks`. */
  dSinks?: Tensor;
  /** The shape of `relativeBias`, when the forward had one. */
  dRelativeBias?: Tensor;
}

export const SDPA_BACKWARD_FORWARD_OPTION_NAMES: readonly (keyof SdpaBackwardForwardOptions)[] = [
  'scale',
  'causal',
  'causalAlignment',
  'mask',
  'layout',
  'softcap',
  'window',
  'alibiSlopes',
  'relativeBias',
  'sinks',
  'compute',
];

export const SDPA_BACKWARD_OUTPUT_NAMES = ['dqOut', 'dkOut', 'dvOut', 'dSinksOut', 'dRelativeBiasOut'] as const;

export const SDPA_BACKWARD_OPTION_NAMES: readonly string[] = [
  ...SDPA_BACKWARD_FORWARD_OPTION_NAMES,
  'out',
  'weightsOut',
  'lseOut',
  ...SDPA_BACKWARD_OUTPUT_NAMES,
];
