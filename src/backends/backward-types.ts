// What a backward kernel receives: the forward's checked plan plus the gradient views. Backends
// import nothing above this file.
import type { Float32KvPlan, StridedView } from './types';

/**
 * Gradients of softmax(q·kᵀ·scale + mask + biases)·v for the upstream gradient dOut, every size and
 * stride validated. Outputs share no memory with the inputs or with each other.
 */
export interface SdpaBackwardPlan {
  /** The forward's plan: q, k, v, its result `out` (read, for D_i = rowsum(dOut ∘ out)), mask and score options; weights is null. */
  fwd: Float32KvPlan;
  /** The upstream gradient, laid out as fwd.out (same strides). */
  dOut: StridedView;
  /** Contiguous [batch, headsQ, lenQ] log-sum-exp of each forward row, or null: recomputed from q, k. */
  lse: Float32Array | null;
  /** Laid out as fwd.q, fwd.k, fwd.v. */
  dq: StridedView;
  dk: StridedView;
  dv: StridedView;
  /** [headsQ] when fwd.sinks, else null. */
  dSinks: Float32Array | null;
  /** Laid out as fwd.relativeBias.data (its strideH, 0 = one row shared by every head) when given, else null. */
  dRelativeBias: Float32Array | null;
}
