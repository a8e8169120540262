// Gradients of linear(): the two products run on linear() itself (the live backend's GEMM), each
// operand laid out by a transposed copy where linear()'s reduction over the last dimension needs it.
import { withCodedErrors } from '../backends/coded-error';
import type { Tensor } from '../tensor';
import { transposed } from '../util/transpose';
import { planLinearBackward, type LinearBackwardOptions } from '../validation/linear-backward-plan';
import { linear } from './linear';

export type { LinearBackwardOptions };

/** The gradients of one linear() call; each is the matching `…Out` option when one was given. */
export interface LinearGradients {
  /** x's shape [..., inFeatures]. */
  dx: Tensor;
  /** [outFeatures, inFeatures], as weight. */
  dWeight: Tensor;
  /** [outFeatures], with `bias: true` or `dBiasOut`. */
  dBias?: Tensor;
}

/**
 * Gradients of `y = linear(x, weight, bias)` for the upstream gradient dY ([..., outFeatures]):
 * dx = dY·weight, dWeight = dYᵀ·x (summed over every leading dim), dBias = Σ dY over the rows.
 * weight is [outFeatures, inFeatures] (nn.Linear's layout). `bias: true` (or a `dBiasOut`) asks for
 * dBias; `dxOut`, `dWeightOut`, `dBiasOut` are written (overwritten, not accumulated) and returned.
 * The products run on linear(), so on the native GEMM when the addon is loaded, with transposed
 * copies of weight (for dx) and of dY and x (for dWeight).
 * @example
 * const y = linear(x, w, b);
 * const { dx, dWeight, dBias } = linearBackward(dY, x, w, { bias: true });
 */
export function linearBackward(
  dY: Tensor,
  x: Tensor,
  weight: Tensor,
  options?: LinearBackwardOptions,
): LinearGradients {
  const op = 'linearBackward';
  const { plan: p, outputs } = planLinearBackward(op, dY, x, weight, options);
  const { rows, inFeatures: n, outFeatures: m } = p;
  withCodedErrors(op, () => {
    // dx [rows, n] = dY [rows, m] · weight [m, n] = linear(dY, weightᵀ)
    linear({ data: p.dY, shape: [rows, m] }, { data: transposed(p.weight, m, n), shape: [n, m] }, null, {
      out: { data: p.dx, shape: [rows, n] },
    });
    // dWeight [m, n] = dYᵀ [m, rows] · x [rows, n] = linear(dYᵀ, xᵀ)
    const dYt = transposed(p.dY, rows, m);
    linear({ data: dYt, shape: [m, rows] }, { data: transposed(p.x, rows, n), shape: [n, rows] }, null, {
      out: { data: p.dWeight, shape: [m, n] },
    });
    if (p.dBias) {
      // Each row of dYᵀ is one output's gradients over the rows: a contiguous float64 sum.
      for (let o = 0; o < m; o++) {
        let s = 0;
        for (let r = 0; r < rows; r++) s += dYt[o * rows + r];
        p.dBias[o] = s;
      }
    }
  });
  const result = {} as LinearGradients;
  for (const o of outputs)
    result[o.name] = (o.given as Tensor | undefined) ?? { data: o.data, shape: Object.freeze(o.shape.slice()) };
  return result;
}
