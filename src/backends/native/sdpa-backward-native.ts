// Adapts a checked SdpaBackwardPlan to the addon's sdpaBackward: the forward's arguments, then the
// gradient buffers and one Float64Array of their strides (SDPA_BACKWARD_DESC, native/napi/abi.json).
import type { SdpaBackwardPlan } from '../backward-types';
import type { StridedView } from '../types';
import { SDPA_BACKWARD_DESC } from './abi-generated';
import type { SdpaArgs, SdpaBackwardArgs } from './addon-types';

/**
 * The options the native backward differentiates: scale, causal, masks, GQA/MQA, layouts, window,
 * softcap, ALiBi, sinks (dSinks) and kvLengths. A relative bias (its gradient dRelativeBias) and
 * calls with an empty dimension take the TypeScript pass.
 */
export function nativeBackwardCovers(bp: SdpaBackwardPlan): boolean {
  const p = bp.fwd;
  return p.relativeBias === null && p.batch > 0 && p.headsQ > 0 && p.headsKv > 0 && p.lenQ > 0 && p.lenK > 0;
}

function strides(v: StridedView): number[] {
  return [v.strideB, v.strideH, v.strideL];
}

export function backwardArgsOf(bp: SdpaBackwardPlan, forward: SdpaArgs): SdpaBackwardArgs {
  forward[11] = null; // the forward's lseOut slot: the backward reads its lse after dOut
  const desc = new Float64Array(SDPA_BACKWARD_DESC.length);
  desc.set(strides(bp.dOut), SDPA_BACKWARD_DESC.dOutStride);
  desc.set(strides(bp.dq), SDPA_BACKWARD_DESC.dqStride);
  desc.set(strides(bp.dk), SDPA_BACKWARD_DESC.dkStride);
  desc.set(strides(bp.dv), SDPA_BACKWARD_DESC.dvStride);
  return [...forward, bp.dOut.data, bp.lse, bp.dq.data, bp.dk.data, bp.dv.data, bp.dSinks, desc];
}
