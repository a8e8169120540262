import { describe, expect, it } from 'vitest';
import { createRng, mixSeed } from '../../src/util/rng';

describe('seeded RNG (mulberry32 + Box-Muller)', () => {
  it('is reproducible for a seed and differs across seeds and streams', () => {
    const a = createRng(42).fillNormal(new Float64Array(1000));
    const b = createRng(42).fillNormal(new Float64Array(1000));
    const c = createRng(43).fillNormal(new Float64Array(1000));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(mixSeed(1, 64)).not.toBe(mixSeed(1, 1024));
    expect(mixSeed(1, 64)).toBe(mixSeed(1, 64));
  });

  it('uniforms lie in [0, 1) with mean 1/2 and variance 1/12', () => {
    const rng = createRng(7);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      if (!(u >= 0 && u < 1)) outside++;
      s += u;
      s2 += u * u;
    }
    const mean = s / n;
    expect(outside).toBe(0);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });

  it('normals have mean 0, variance 1, kurtosis 3 and no infinities', () => {
    const x = createRng(8).fillNormal(new Float64Array(400_000));
    const n = x.length;
    let s = 0;
    let s2 = 0;
    let s4 = 0;
    let nonFinite = 0;
    for (const v of x) {
      if (!Number.isFinite(v)) nonFinite++;
      s += v;
      s2 += v * v;
      s4 += v ** 4;
    }
    expect(nonFinite).toBe(0);
    // Standard errors: mean 1/√n = 0.0016, variance √(2/n) = 0.0022, fourth moment √(96/n) = 0.015.
    expect(Math.abs(s / n)).toBeLessThan(0.008);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.011);
    expect(Math.abs(s4 / n - 3)).toBeLessThan(0.08);
  });
});
