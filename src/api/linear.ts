import { withCodedErrors } from '../backends/coded-error';
import { currentSelection } from '../backends/select';
import type { Tensor } from '../tensor';
import { planLinear, type LinearOptions } from '../validation/linear-plan';

export type { LinearOptions };

/**
 * y = x · weightᵀ + bias, PyTorch `nn.Linear`'s layout: x [..., inFeatures], weight
 * [outFeatures, inFeatures] (one row per output feature, as `nn.Linear.weight` is stored),
 * bias [outFeatures] (optional). Returns [..., outFeatures] (options.out when given).
 * Native backend: an AVX2+FMA GEMM when the CPU has it, else scalar; JS backend: blocked loops.
 * @example
 * const y = linear(x, { data: w, shape: [512, 512] }, { data: b, shape: [512] });
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null, options?: LinearOptions): Tensor {
  const { plan, outShape, out } = planLinear('linear', x, weight, bias, options);
  if (plan.rows * plan.outFeatures > 0) withCodedErrors('linear', () => currentSelection().backend.linear(plan));
  return (out as Tensor | undefined) ?? { data: plan.out, shape: Object.freeze(outShape) };
}
