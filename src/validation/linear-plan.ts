// Checks linear()'s arguments and builds a LinearPlan the backends can trust.
import type { LinearPlan } from '../backends/types';
import { formatShape, shapeError } from './error-factory';
import { checkNoOverlap } from './overlap';
import { MAX_ELEMENTS, allocateF32, checkTensor, product } from './tensor-checks';
import { checkStillAttached, snapshotOptions } from './snapshot';

const F32 = [Float32Array] as const;

export interface LinearOptions {
  /** Written with the result and returned as is: [..., outFeatures], memory separate from the inputs. */
  out?: { data: Float32Array; shape: readonly number[] };
}

/** Validates linear(x, weight, bias?, options?) and builds the plan (with a fresh output unless options.out). */
export function planLinear(
  op: string,
  xIn: unknown,
  weightIn: unknown,
  biasIn: unknown,
  optionsIn: unknown,
): { plan: LinearPlan; outShape: number[]; out: unknown } {
  const options = snapshotOptions(op, optionsIn, ['out']);

  const x = checkTensor<Float32Array>(op, 'x', xIn, F32, 'Float32Array');
  const w = checkTensor<Float32Array>(op, 'weight', weightIn, F32, 'Float32Array');
  if (x.shape.length < 1) throw shapeError(op, 'x', '[..., inFeatures] (rank >= 1)', formatShape(x.shape));
  const inFeatures = x.shape[x.shape.length - 1];
  if (w.shape.length !== 2 || w.shape[1] !== inFeatures)
    throw shapeError(
      op,
      'weight',
      `[outFeatures, inFeatures] = [*, ${inFeatures}] (PyTorch nn.Linear layout)`,
      formatShape(w.shape),
    );
  const outFeatures = w.shape[0];
  let bias: Float32Array | null = null;
  if (biasIn !== undefined && biasIn !== null) {
    const b = checkTensor<Float32Array>(op, 'bias', biasIn, F32, 'Float32Array');
    if (b.shape.length !== 1 || b.shape[0] !== outFeatures)
      throw shapeError(op, 'bias', `[outFeatures] = [${outFeatures}]`, formatShape(b.shape));
    bias = b.data;
  }
  const rows = product(x.shape.slice(0, -1));
  const outShape = [...x.shape.slice(0, -1), outFeatures];
  if (rows * outFeatures > MAX_ELEMENTS)
    throw shapeError(op, 'out', 'at most 2^31 - 1 elements', formatShape(outShape));
  let out: Float32Array;
  if (options.out !== undefined) {
    const o = checkTensor<Float32Array>(op, 'options.out', options.out, F32, 'Float32Array');
    if (formatShape(o.shape) !== formatShape(outShape))
      throw shapeError(op, 'options.out', `[..., outFeatures] = ${formatShape(outShape)}`, formatShape(o.shape));
    out = o.data;
    checkNoOverlap(op, 'options.out', out, { x: x.data, weight: w.data, bias: bias ?? undefined });
  } else {
    out = allocateF32(op, 'the output', rows * outFeatures);
  }
  // Getters run up to the last tensor read above: a late one may have detached an earlier view.
  checkStillAttached(op, [
    ['x.data', x.data, product(x.shape)],
    ['weight.data', w.data, product(w.shape)],
    ['bias.data', bias, outFeatures],
    ['options.out.data', out, rows * outFeatures],
  ]);
  return { plan: { rows, inFeatures, outFeatures, x: x.data, weight: w.data, bias, out }, outShape, out: options.out };
}
