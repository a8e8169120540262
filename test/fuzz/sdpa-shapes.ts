// The shapes of a scaledDotProductAttention call, from its sizes.
import type { SdpaModel } from './spec';

export function shapeOf(m: SdpaModel, H: number, L: number, Dm: number): number[] {
  if (m.rank === 3) return [m.B, L, Dm];
  return m.layout === 'bhsd' ? [m.B, H, L, Dm] : [m.B, L, H, Dm];
}

export const outDims = (m: SdpaModel): number[] => shapeOf(m, m.Hq, m.Lq, m.Dv);
export const scoreDims = (m: SdpaModel): number[] => (m.rank === 3 ? [m.B, m.Lq, m.Lk] : [m.B, m.Hq, m.Lq, m.Lk]);
export const diagonals = (m: SdpaModel): number => Math.max(m.Lq + m.Lk - 1, 0);
