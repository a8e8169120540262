// Checks linearBackward's arguments: dY, x and weight of one linear() call, the gradient buffers.
import { formatShape, shapeError, typeError } from './error-factory';
import { checkNoOverlap } from './overlap';
import { checkStillAttached, snapshotOptions } from './snapshot';
import { checkF32, product, resultBuffer } from './tensor-checks';

export interface LinearBackwardOptions {
  /** The forward had a bias: return dBias (also implied by dBiasOut). Default false. */
  bias?: boolean;
  /** Receives dx, x's shape [..., inFeatures]; returned as is. */
  dxOut?: { data: Float32Array; shape: readonly number[] };
  /** Receives dWeight [outFeatures, inFeatures]. */
  dWeightOut?: { data: Float32Array; shape: readonly number[] };
  /** Receives dBias [outFeatures]. */
  dBiasOut?: { data: Float32Array; shape: readonly number[] };
}

export interface LinearBackwardPlan {
  rows: number;
  inFeatures: number;
  outFeatures: number;
  dY: Float32Array; // [rows, outFeatures]
  x: Float32Array; // [rows, inFeatures]
  weight: Float32Array; // [outFeatures, inFeatures]
  dx: Float32Array;
  dWeight: Float32Array;
  dBias: Float32Array | null;
}

interface Output {
  name: 'dx' | 'dWeight' | 'dBias';
  shape: number[];
  given: unknown;
  data: Float32Array;
}

/** Validates linearBackward(dY, x, weight, options?) and allocates the gradients not given. Nothing is written. */
export function planLinearBackward(
  op: string,
  dYIn: unknown,
  xIn: unknown,
  weightIn: unknown,
  optionsIn: unknown,
): { plan: LinearBackwardPlan; outputs: Output[] } {
  const options = snapshotOptions(op, optionsIn, ['bias', 'dxOut', 'dWeightOut', 'dBiasOut']);
  const dY = checkF32(op, 'dY', dYIn);
  const x = checkF32(op, 'x', xIn);
  const w = checkF32(op, 'weight', weightIn);
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
  const yShape = [...x.shape.slice(0, -1), outFeatures];
  if (formatShape(dY.shape) !== formatShape(yShape))
    throw shapeError(
      op,
      'dY',
      `[..., outFeatures] = ${formatShape(yShape)} (linear's output shape)`,
      formatShape(dY.shape),
    );
  if (options.bias !== undefined && typeof options.bias !== 'boolean')
    throw typeError(op, 'options.bias', 'a boolean', options.bias);
  const withBias = options.bias === true || options.dBiasOut !== undefined;
  if (options.bias === false && options.dBiasOut !== undefined)
    throw typeError(op, 'options.dBiasOut', 'undefined with options.bias false', options.dBiasOut);

  const wanted: [Output['name'], number[], string][] = [
    ['dx', x.shape, "x's shape"],
    ['dWeight', w.shape, "weight's shape"],
  ];
  if (withBias) wanted.push(['dBias', [outFeatures], '[outFeatures]']);
  const outputs: Output[] = [];
  for (const [name, shape, what] of wanted) {
    const arg = `options.${name}Out`;
    const given = options[`${name}Out`];
    const data = resultBuffer(op, arg, name, given, shape, what);
    const earlier = Object.fromEntries(outputs.map((o) => [`options.${o.name}Out`, o.data]));
    checkNoOverlap(op, arg, data, { dY: dY.data, x: x.data, weight: w.data, ...earlier });
    outputs.push({ name, shape, given, data });
  }
  // Getters run up to the last tensor read above: a late one may have detached an earlier view.
  checkStillAttached(op, [
    ['dY.data', dY.data, product(dY.shape)],
    ['x.data', x.data, product(x.shape)],
    ['weight.data', w.data, product(w.shape)],
    ...outputs.map((o): [string, Float32Array, number] => [`options.${o.name}Out.data`, o.data, product(o.shape)]),
  ]);
  const rows = product(x.shape.slice(0, -1));
  const plan: LinearBackwardPlan = {
    rows,
    inFeatures,
    outFeatures,
    dY: dY.data,
    x: x.data,
    weight: w.data,
    dx: outputs[0].data,
    dWeight: outputs[1].data,
    dBias: outputs[2]?.data ?? null,
  };
  return { plan, outputs };
}
