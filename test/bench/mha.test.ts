// bench/peers/mha.mjs's pure parts: the layer's flop count, its label, the agreement measure, and the
// attnkit side on a tiny layer (the onnxruntime side needs the peers installed: npm run bench:peers).
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { attnkitMha, mhaData, mhaFlops, mhaLabel, relativeError, SHAPE } from '../../bench/peers/mha.mjs';

describe('bench mha scenario', () => {
  it('counts the four projections and the attention', () => {
    // 4·2·B·S·E² + 2·B·H·S²·(2·Dh), Dh = E / H
    const { B, S, E, H } = SHAPE;
    expect(mhaFlops(SHAPE)).toBe(4 * 2 * B * S * E * E + 2 * B * H * S * S * 2 * (E / H));
    expect(mhaFlops({ B: 1, S: 2, E: 4, H: 2 })).toBe(8 * 2 * 16 + 4 * 4 * 4);
    expect(mhaLabel(SHAPE)).toBe('(8,12,512,512,64) MHA E=768');
  });

  it('measures agreement as max |diff| over max |reference|, and refuses NaN or a length mismatch', () => {
    expect(relativeError(Float32Array.of(1, -2.002, 0.5), Float32Array.of(1, -2, 0.5))).toBeCloseTo(0.001, 6);
    expect(relativeError(Float32Array.of(0, 0), Float32Array.of(0, 0))).toBe(0);
    expect(relativeError(Float32Array.of(Number.NaN), Float32Array.of(1))).toBe(Infinity);
    expect(relativeError(Float32Array.of(1), Float32Array.of(1, 2))).toBe(Infinity);
  });

  it("runs attnkit's layer with the given parameters, biases included", () => {
    const s = { B: 1, S: 3, E: 8, H: 2 };
    const data = mhaData(s, 3);
    const layer = attnkitMha(s, data);
    layer.run();
    const out: Float32Array = layer.result();
    expect(out.length).toBe(s.B * s.S * s.E);
    // Zero weights leave only the output bias bo in every row.
    const zero = { x: data.x, params: { ...data.params, wo: new Float32Array(s.E * s.E) } };
    const z = attnkitMha(s, zero);
    z.run();
    const bo = data.params.bo as Float32Array;
    for (let i = 0; i < out.length; i++) expect(z.result()[i]).toBeCloseTo(bo[i % s.E], 6);
  });
});
