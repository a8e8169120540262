import type { SdpaPlan } from '../types';
import { sdpaJs } from './sdpa-js';
import { sdpaJsBlocked } from './sdpa-js-blocked';

// weightsOut needs every normalised probability: the row-at-a-time two-pass kernel writes them.
// Everything else takes the blocked online-softmax kernel.
export function sdpaJsAny(plan: SdpaPlan): void {
  if (plan.weights) sdpaJs(plan);
  else sdpaJsBlocked(plan);
}
