import type { SdpaPlan } from '../types';
import { sdpaJs } from './sdpa-js';
import { sdpaJsBlocked } from './sdpa-js-blocked';
import { widenKv } from './widen-kv';

// weightsOut needs every normalised probability: the row-at-a-time two-pass kernel writes them.
// Everything else takes the blocked online-softmax kernel. float16 / bfloat16 K and V are widened first.
export function sdpaJsAny(plan: SdpaPlan): void {
  const p = widenKv(plan);
  if (p.weights) sdpaJs(p);
  else sdpaJsBlocked(p);
}
