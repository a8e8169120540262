// Adapts a checked SdpaBackwardPlan to the addon's sdpaBackward: the forward's arguments, then the
// gradient buffers and one Float64Array of their strides (native/napi/sdpa_backward_args.h).
import type { SdpaBackwardPlan } from '../backward-types';
import type { StridedView } from '../types';
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
  const desc = Float64Array.from([...strides(bp.dOut), ...strides(bp.dq), ...strides(bp.dk), ...strides(bp.dv)]);
  return [...forward, bp.dOut.data, bp.lse, bp.dq.data, bp.dk.data, bp.dv.data, bp.dSinks, desc];
}
