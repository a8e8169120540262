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
  const refuse = () =>
    shapeError(op, 'options.mask', expected, formatShape(maskShape) + keyPaddingHint(maskShape, target, targetAxes));
  if (maskShape.length > target.length) throw refuse();
  const strides: MaskStrides = { strideB: 0, strideH: 0, strideQ: 0, strideK: 0 };
  const key = { b: 'strideB', h: 'strideH', q: 'strideQ', k: 'strideK' } as const;
  let stride = 1;
  for (let m = maskShape.length - 1, t = target.length - 1; m >= 0; m--, t--) {
    const dim = maskShape[m];
    if (dim !== target[t] && dim !== 1) throw refuse();
    if (dim !== 1) strides[key[targetAxes[t]]] = stride;
    stride *= dim;
  }
  return strides;
}

/** For a [batch, seqK] mask that does not broadcast (a key-padding mask, as PyTorch passes one): the shape that does. */
function keyPaddingHint(
  maskShape: readonly number[],
  target: readonly number[],
  targetAxes: readonly string[],
): string {
  const isKeyPadding =
    maskShape.length === 2 &&
    targetAxes[0] === 'b' &&
    maskShape[0] === target[0] &&
    maskShape[1] === target[target.length - 1];
  if (!isKeyPadding) return '';
  const asKeyPadding = target.map((n, i) => (i === 0 || i === target.length - 1 ? n : 1));
  return ` (a [batch, seqK] key-padding mask broadcasts when shaped ${formatShape(asKeyPadding)}: same data, 1 = may attend)`;
}
