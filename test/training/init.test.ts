// The initialisers against the distributions torch.nn.init documents: bounds, mean and variance on
// 65 536 samples (tolerances several standard errors wide), fans of 2-D and conv-style shapes, seeds.
import { describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  kaimingUniform,
  tensor,
  xavierNormal,
  xavierUniform,
} from '../../src/index';
import { expectError } from '../helpers/expect-error';

function moments(x: Float32Array): { mean: number; variance: number; maxAbs: number } {
  let s = 0,
    s2 = 0,
    m = 0; // prettier-ignore
  for (const v of x) {
    s += v;
    s2 += v * v;
    m = Math.max(m, Math.abs(v));
  }
  const mean = s / x.length;
  return { mean, variance: s2 / x.length - mean * mean, maxAbs: m };
}

const w = (out: number, inp: number, ...rest: number[]) =>
  tensor(new Float32Array(out * inp * rest.reduce((a, b) => a * b, 1)), [out, inp, ...rest]);

describe('xavierUniform', () => {
  it('U(-a, a) with a = √(6 / (fanIn + fanOut)), in place, returning the tensor', () => {
    const t = w(128, 512);
    expect(xavierUniform(t, { seed: 3 })).toBe(t);
    const a = Math.sqrt(6 / (512 + 128));
    const m = moments(t.data);
    expect(m.maxAbs).toBeLessThanOrEqual(a);
    expect(m.maxAbs).toBeGreaterThan(0.999 * a);
    expect(Math.abs(m.mean)).toBeLessThan(0.01 * a);
    expect(m.variance / ((a * a) / 3)).toBeCloseTo(1, 1);
  });
  it('gain scales the bound; fans of a [out, in, k] weight include the receptive field', () => {
    const t = w(16, 8, 32);
    xavierUniform(t, { gain: 2, seed: 1 });
    const a = 2 * Math.sqrt(6 / (8 * 32 + 16 * 32));
    expect(moments(t.data).maxAbs).toBeLessThanOrEqual(a);
    expect(moments(t.data).maxAbs).toBeGreaterThan(0.99 * a);
  });
  it('the same seed gives the same weights, another seed others', () => {
    const [a, b, c] = [w(64, 64), w(64, 64), w(64, 64)];
    xavierUniform(a, { seed: 9 });
    xavierUniform(b, { seed: 9 });
    xavierUniform(c, { seed: 10 });
    expect(a.data).toEqual(b.data);
    expect(a.data).not.toEqual(c.data);
  });
});

describe('xavierNormal', () => {
  it('N(0, 2 / (fanIn + fanOut))', () => {
    const t = w(256, 256);
    xavierNormal(t, { seed: 4 });
    const m = moments(t.data);
    const variance = 2 / 512;
    expect(Math.abs(m.mean)).toBeLessThan(0.02 * Math.sqrt(variance));
    expect(m.variance / variance).toBeCloseTo(1, 1);
  });
});

describe('kaimingUniform', () => {
  it("defaults are nn.Linear's: U(-1/√inFeatures, 1/√inFeatures)", () => {
    const t = w(256, 300);
    kaimingUniform(t, { seed: 5 });
    const b = 1 / Math.sqrt(300);
    const m = moments(t.data);
    expect(m.maxAbs).toBeLessThanOrEqual(b * (1 + 1e-6));
    expect(m.maxAbs).toBeGreaterThan(0.999 * b);
    expect(m.variance / ((b * b) / 3)).toBeCloseTo(1, 1);
  });
  it('relu with fanOut: b = √2 · √(3 / fanOut)', () => {
    const t = w(100, 400);
    kaimingUniform(t, { seed: 6, nonlinearity: 'relu', mode: 'fanOut' });
    const b = Math.SQRT2 * Math.sqrt(3 / 100);
    expect(moments(t.data).maxAbs).toBeLessThanOrEqual(b * (1 + 1e-6));
    expect(moments(t.data).maxAbs).toBeGreaterThan(0.99 * b);
  });
});

describe('argument errors', () => {
  it('a 1-D weight has no fans', () =>
    expectError(
      () => xavierUniform(tensor(new Float32Array(4), [4])),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /xavierUniform: weight must be at least 2-D/,
    ));
  it('a bad seed', () =>
    expectError(
      () => xavierNormal(w(2, 2), { seed: -1 }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      'xavierNormal: options.seed must be an integer in [0, 2^32), got -1',
    ));
  it('an unknown option', () =>
    expectError(
      () => kaimingUniform(w(2, 2), { fan: 'in' } as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /options\.fan must be one of the known options/,
    ));
  it('an unknown nonlinearity', () =>
    expectError(
      () => kaimingUniform(w(2, 2), { nonlinearity: 'tanh' as never }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /'leakyRelu', 'relu' or 'linear'/,
    ));
});
