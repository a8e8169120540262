// The scales the study compares: none, the standard 1/√d_k, and two "too small" ones.
import type { ScaleName } from './types';

export interface ScaleSpec {
  name: ScaleName;
  /** Short label for tables and legends. */
  label: string;
  /** The factor applied to q·k for a given d_k. */
  factor(dK: number): number;
}

export const SCALES: readonly ScaleSpec[] = [
  { name: 'none', label: 'none', factor: () => 1 },
  { name: '1/sqrt(d_k)', label: '1/√dₖ', factor: (d) => 1 / Math.sqrt(d) },
  { name: '1/(2 sqrt(d_k))', label: '1/(2√dₖ)', factor: (d) => 1 / (2 * Math.sqrt(d)) },
  { name: '1/(3 sqrt(d_k))', label: '1/(3√dₖ)', factor: (d) => 1 / (3 * Math.sqrt(d)) },
];

export function scaleLabel(name: ScaleName): string {
  return SCALES.find((s) => s.name === name)?.label ?? name;
}
