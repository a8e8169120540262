// A scaledDotProductAttention call under construction: its shapes from its sizes, and the context the
// hostile changes (gen-sdpa-hostile.ts, gen-sdpa-options.ts) share.
import { options } from './gen-values';
import { isTagged, type CallSpec, type OptionsSpec, type SdpaModel, type TensorSpec } from './spec';

export function shapeOf(m: SdpaModel, H: number, L: number, Dm: number): number[] {
  if (m.rank === 3) return [m.B, L, Dm];
  return m.layout === 'bhsd' ? [m.B, H, L, Dm] : [m.B, L, H, Dm];
}

export const outDims = (m: SdpaModel): number[] => shapeOf(m, m.Hq, m.Lq, m.Dv);
export const scoreDims = (m: SdpaModel): number[] => (m.rank === 3 ? [m.B, m.Lq, m.Lk] : [m.B, m.Hq, m.Lq, m.Lk]);
export const diagonals = (m: SdpaModel): number => Math.max(m.Lq + m.Lk - 1, 0);
/** Whether a kernel runs: query rows, and values to write (Dv > 0) or weights with a key (README, "Zero sizes"). */
export const hasWork = (m: SdpaModel): boolean => m.B * m.Hq * m.Lq > 0 && (m.Dv > 0 || (m.weightsOut && m.Lk > 0));

export interface SdpaCtx {
  s: CallSpec;
  m: SdpaModel;
  q: TensorSpec;
  k: TensorSpec;
  v: TensorSpec;
  opts: OptionsSpec | undefined;
  async: boolean;
  /** Changes applied so far; the options argument can only be replaced by the first one, which seals the call. */
  changes?: number;
  sealed?: boolean;
}

/** q, k, v, out, weightsOut, mask, relativeBias as far as the call has them. */
export function tensors(c: SdpaCtx): TensorSpec[] {
  const own = Object.values(c.opts?.own ?? {}).filter(
    (x): x is TensorSpec => isTagged(x) && x.kind === 'tensor' && !x.foreign,
  );
  return [c.q, c.k, c.v, ...own];
}

export function ensureOpts(c: SdpaCtx): OptionsSpec {
  if (!c.opts) {
    c.opts = options(c.m.layout === 'bshd' ? { layout: 'bshd' } : {});
    c.s.args[3] = c.opts;
  }
  return c.opts;
}

export const foreign = (t: TensorSpec): TensorSpec => ({ ...t, foreign: true });
/** Per-head list lengths: huge head counts (hugeDims) get a short list, refused either way. */
export const heads = (m: SdpaModel): number => Math.min(m.Hq, 64);
/** Per-batch list lengths (kvLengths), likewise. */
export const batch = (m: SdpaModel): number => Math.min(m.B, 64);
