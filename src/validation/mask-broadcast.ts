// Broadcasts a mask shape (NumPy rules, right-aligned) onto the [B, Hq, Lq, Lk] score grid.
import { formatShape, shapeError } from './error-factory';

export interface MaskStrides {
  strideB: number;
  strideH: number;
  strideQ: number;
  strideK: number;
}

/**
 * target: the score shape the user sees ([B, Hq, Lq, Lk], or [N, Lq, Lk] for 3-D inputs).
 * targetAxes: which of b/h/q/k each target axis is. Returns element strides, 0 where broadcast.
 */
export function maskStrides(
  op: string,
  maskShape: readonly number[],
  target: readonly number[],
  targetAxes: readonly ('b' | 'h' | 'q' | 'k')[],
): MaskStrides {
  const names = targetAxes.map((a) => ({ b: 'batch', h: 'heads', q: 'seqQ', k: 'seqK' })[a]);
  const expected = `broadcastable to [${names.join(', ')}] = ${formatShape(target)}`;
  if (maskShape.length > target.length) throw shapeError(op, 'options.mask', expected, formatShape(maskShape));
  const strides: MaskStrides = { strideB: 0, strideH: 0, strideQ: 0, strideK: 0 };
  const key = { b: 'strideB', h: 'strideH', q: 'strideQ', k: 'strideK' } as const;
  let stride = 1;
  for (let m = maskShape.length - 1, t = target.length - 1; m >= 0; m--, t--) {
    const dim = maskShape[m];
    if (dim !== target[t] && dim !== 1) throw shapeError(op, 'options.mask', expected, formatShape(maskShape));
    if (dim !== 1) strides[key[targetAxes[t]]] = stride;
    stride *= dim;
  }
  return strides;
}
