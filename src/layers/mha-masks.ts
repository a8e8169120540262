// Turns MultiHeadAttention's PyTorch-style masks into one scaledDotProductAttention mask.
//
// Meanings differ, on purpose, to match each API's origin:
//   keyPaddingMask [B, Lk] and a boolean attnMask follow nn.MultiheadAttention: 1 (true) = DO NOT attend
//   (a padding key / a forbidden pair). scaledDotProductAttention's boolean mask is the opposite: 1 = may attend.
//   Float32 masks are added to the scores in both (-Infinity forbids).
// A single boolean mask is passed on inverted with a broadcast shape; anything else is combined into one
// additive [B, Hm, Lq, Lk] Float32 mask (Hm = 1 unless attnMask is per head).
import type { MaskTensor } from '../tensor';
import { formatShape, shapeError } from '../validation/error-factory';
import { checkTensor } from '../validation/tensor-checks';

const MASK_TYPES = [Uint8Array, Float32Array] as const;
const MASK_TEXT = 'Uint8Array (1 = masked, as PyTorch) or Float32Array (additive)';

interface Grid {
  batch: number;
  heads: number;
  lenQ: number;
  lenK: number;
}

/** attnMask as [bm, hm, Lq, Lk] with bm ∈ {1, B}, hm ∈ {1, H}. Accepts PyTorch's [Lq, Lk] and [B·H, Lq, Lk], and 4-D. */
function attnMaskDims(op: string, shape: number[], g: Grid): [number, number] {
  const expected = `[seqQ, seqK] = [${g.lenQ}, ${g.lenK}], [batch·heads, seqQ, seqK] = [${g.batch * g.heads}, ${g.lenQ}, ${g.lenK}] or [1|${g.batch}, 1|${g.heads}, ${g.lenQ}, ${g.lenK}]`;
  const tail = shape.length >= 2 && shape[shape.length - 2] === g.lenQ && shape[shape.length - 1] === g.lenK;
  if (tail && shape.length === 2) return [1, 1];
  if (tail && shape.length === 3 && shape[0] === g.batch * g.heads) return [g.batch, g.heads];
  if (
    tail &&
    shape.length === 4 &&
    (shape[0] === 1 || shape[0] === g.batch) &&
    (shape[1] === 1 || shape[1] === g.heads)
  )
    return [shape[0], shape[1]];
  const keyPadding = shape.length === 2 && shape[0] === g.batch && shape[1] === g.lenK;
  const hint = keyPadding ? ' (a [batch, seqK] key-padding mask goes in options.keyPaddingMask, 1 = padding)' : '';
  throw shapeError(op, 'options.attnMask', expected, formatShape(shape) + hint);
}

export function buildMask(op: string, keyPaddingMask: unknown, attnMask: unknown, g: Grid): MaskTensor | undefined {
  const kpm =
    keyPaddingMask === undefined || keyPaddingMask === null
      ? null
      : checkTensor<Uint8Array | Float32Array>(op, 'options.keyPaddingMask', keyPaddingMask, MASK_TYPES, MASK_TEXT);
  if (kpm && formatShape(kpm.shape) !== formatShape([g.batch, g.lenK]))
    throw shapeError(
      op,
      'options.keyPaddingMask',
      `[batch, seqK] = ${formatShape([g.batch, g.lenK])}`,
      formatShape(kpm.shape),
    );
  const am =
    attnMask === undefined || attnMask === null
      ? null
      : checkTensor<Uint8Array | Float32Array>(op, 'options.attnMask', attnMask, MASK_TYPES, MASK_TEXT);
  const [bm, hm] = am ? attnMaskDims(op, am.shape, g) : [1, 1];

  const invert = (d: Uint8Array) => d.map((x) => (x ? 0 : 1));
  if (kpm && !am && kpm.data instanceof Uint8Array) return { data: invert(kpm.data), shape: [g.batch, 1, 1, g.lenK] };
  if (am && !kpm) {
    const shape = [bm, hm, g.lenQ, g.lenK];
    return am.data instanceof Uint8Array ? { data: invert(am.data), shape } : { data: am.data, shape };
  }
  if (!kpm && !am) return undefined;

  // Both, or a float key padding mask: one additive mask.
  const out = new Float32Array(g.batch * hm * g.lenQ * g.lenK);
  const lq = g.lenQ;
  const lk = g.lenK;
  for (let b = 0; b < g.batch; b++)
    for (let h = 0; h < hm; h++)
      for (let i = 0; i < lq; i++) {
        const o = ((b * hm + h) * lq + i) * lk;
        const a = am ? (((bm === 1 ? 0 : b) * hm + h) * lq + i) * lk : 0;
        for (let j = 0; j < lk; j++) {
          let s = 0;
          if (kpm) s += kpm.data instanceof Uint8Array ? (kpm.data[b * lk + j] ? -Infinity : 0) : kpm.data[b * lk + j];
          if (am) s += am.data instanceof Uint8Array ? (am.data[a + j] ? -Infinity : 0) : am.data[a + j];
          out[o + j] = s;
        }
      }
  return { data: out, shape: [g.batch, hm, lq, lk] };
}
