// Rotary position embedding (Su et al. 2021, "RoFormer"). For position p and pair index
// i in [0, R/2), with R = rotaryDim (<= headDim, even):
//   θ_i = base^(-2i/R),   (a, b) -> (a·cos(p·θ_i) - b·sin(p·θ_i),  b·cos(p·θ_i) + a·sin(p·θ_i))
// The pair (a, b) is (x[i], x[i + R/2]) in the half-split style (GPT-NeoX, LLaMA in HF) and
// (x[2i], x[2i+1]) in the interleaved style (GPT-J, the RoFormer paper). Dims >= R pass through.
// p = offset + l, so decoding with a KV cache passes the number of cached tokens as offset.
import type { Tensor } from '../tensor';
import { formatShape, shapeError, typeError, valueError } from '../validation/error-factory';
import { checkTensor } from '../validation/tensor-checks';
import { checkInt, checkOptionsBag, checkPositive } from './checks';

export type RopeStyle = 'half' | 'interleaved';

export interface RopeOptions {
  /** 'half' (GPT-NeoX, default) or 'interleaved' (GPT-J). */
  style?: RopeStyle;
  /** Frequency base; default 10000. */
  base?: number;
  /** Position of the first row (cached tokens before it); default 0. */
  offset?: number;
  /** How many leading dims of each head rotate (even, <= headDim); default headDim. */
  rotaryDim?: number;
  /** Axis order of x: 'bshd' [B, L, H, D] (default) or 'bhsd' [B, H, L, D]. */
  layout?: 'bshd' | 'bhsd';
  /** Rotate x's own data instead of returning a copy. */
  inPlace?: boolean;
}

export const ROPE_OPTION_NAMES = ['style', 'base', 'offset', 'rotaryDim', 'layout', 'inPlace'] as const;

/** Resolved RoPE settings for a head size (checked once, reused per call). */
export interface RopeSettings {
  style: RopeStyle;
  base: number;
  offset: number;
  rotaryDim: number;
}

export function resolveRope(
  op: string,
  options: unknown,
  headDim: number,
  argPrefix = 'options',
): RopeSettings & { layout: 'bshd' | 'bhsd'; inPlace: boolean } {
  const o = checkOptionsBag<RopeOptions>(op, options, ROPE_OPTION_NAMES as unknown as string[]);
  const style = o.style ?? 'half';
  if (style !== 'half' && style !== 'interleaved')
    throw valueError(op, `${argPrefix}.style`, "'half' or 'interleaved'", `'${String(style)}'`);
  const layout = o.layout ?? 'bshd';
  if (layout !== 'bshd' && layout !== 'bhsd')
    throw valueError(op, `${argPrefix}.layout`, "'bshd' or 'bhsd'", `'${String(layout)}'`);
  const base = o.base === undefined ? 10000 : checkPositive(op, `${argPrefix}.base`, o.base);
  const offset = o.offset === undefined ? 0 : checkInt(op, `${argPrefix}.offset`, o.offset);
  const rotaryDim = o.rotaryDim === undefined ? headDim : checkInt(op, `${argPrefix}.rotaryDim`, o.rotaryDim);
  if (o.rotaryDim === undefined && headDim % 2 !== 0)
    throw valueError(
      op,
      'headDim',
      `even for RoPE (or pass ${argPrefix}.rotaryDim, even and < headDim)`,
      String(headDim),
    );
  if (rotaryDim % 2 !== 0 || rotaryDim > headDim)
    throw valueError(op, `${argPrefix}.rotaryDim`, `an even number <= headDim = ${headDim}`, String(rotaryDim));
  if (o.inPlace !== undefined && typeof o.inPlace !== 'boolean')
    throw typeError(op, `${argPrefix}.inPlace`, 'a boolean', o.inPlace);
  return { style, base, offset, rotaryDim, layout, inPlace: o.inPlace ?? false };
}

/**
 * Rotates data laid out as [B, L, H, D] (strides given) in place: the kernel shared by applyRope and
 * MultiHeadAttention. cos/sin come from float64 angles, one table per call. `inverse` rotates by the
 * opposite angles: the transpose of the rotation, which takes a gradient back through it.
 */
export function rotateInPlace(
  data: Float32Array,
  dims: { b: number; l: number; h: number; d: number },
  strides: { b: number; l: number; h: number },
  s: RopeSettings,
  inverse = false,
): void {
  const half = s.rotaryDim / 2;
  if (half === 0) return;
  const cos = new Float64Array(dims.l * half);
  const sin = new Float64Array(dims.l * half);
  for (let l = 0; l < dims.l; l++)
    for (let i = 0; i < half; i++) {
      const a = (s.offset + l) * s.base ** ((-2 * i) / s.rotaryDim);
      cos[l * half + i] = Math.cos(a);
      sin[l * half + i] = inverse ? -Math.sin(a) : Math.sin(a);
    }
  // Pair i is (x[lo + i·step], x[lo + i·step + gap]).
  const step = s.style === 'half' ? 1 : 2;
  const gap = s.style === 'half' ? half : 1;
  for (let b = 0; b < dims.b; b++)
    for (let l = 0; l < dims.l; l++)
      for (let h = 0; h < dims.h; h++) {
        const row = b * strides.b + l * strides.l + h * strides.h;
        const t = l * half;
        for (let i = 0; i < half; i++) {
          const ia = row + i * step;
          const ib = ia + gap;
          const a = data[ia];
          const c = data[ib];
          data[ia] = a * cos[t + i] - c * sin[t + i];
          data[ib] = c * cos[t + i] + a * sin[t + i];
        }
      }
}

/**
 * Applies RoPE to a q or k tensor [B, L, H, D] ('bshd', default) or [B, H, L, D] ('bhsd').
 * Returns a new tensor unless options.inPlace.
 * @example const qr = applyRope(q, { style: 'half', offset: cachedTokens });
 */
export function applyRope(x: Tensor, options?: RopeOptions): Tensor {
  const op = 'applyRope';
  const t = checkTensor<Float32Array>(op, 'x', x, [Float32Array], 'Float32Array');
  const layoutGuess = (options as RopeOptions | undefined)?.layout === 'bhsd' ? 'bhsd' : 'bshd';
  if (t.shape.length !== 4)
    throw shapeError(
      op,
      'x',
      layoutGuess === 'bshd' ? '[batch, seq, heads, headDim]' : '[batch, heads, seq, headDim]',
      formatShape(t.shape),
    );
  const s = resolveRope(op, options, t.shape[3]);
  const [B, A1, A2, D] = t.shape;
  const dims = s.layout === 'bshd' ? { b: B, l: A1, h: A2, d: D } : { b: B, h: A1, l: A2, d: D };
  const strides = s.layout === 'bshd' ? { b: A1 * A2 * D, l: A2 * D, h: D } : { b: A1 * A2 * D, h: A2 * D, l: D };
  const data = s.inPlace ? t.data : t.data.slice();
  rotateInPlace(data, dims, strides, s);
  return s.inPlace ? (x as Tensor) : { data, shape: Object.freeze(t.shape.slice()) };
}
