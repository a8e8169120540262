// A small seeded RNG, so every number the explain study prints can be reproduced from --seed.
// mulberry32 (Tommy Ettinger's 32-bit generator): fast, full 2^32 period, good enough for sampling
// Gaussian test data; not for cryptography. Normals come from the Box-Muller transform.

/** A reproducible source of uniform and standard-normal numbers. */
export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** Fills `out` with N(0, 1) samples and returns it. */
  fillNormal<T extends Float32Array | Float64Array>(out: T): T;
}

/** splitmix32-style mixing: turns (seed, stream) into a well-spread 32-bit state. */
export function mixSeed(seed: number, stream = 0): number {
  let z = (seed >>> 0) ^ Math.imul(stream >>> 0, 0x9e3779b9);
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A mulberry32 generator seeded with `seed` (any uint32; other numbers are truncated to uint32). */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  let spare = NaN; // Box-Muller yields normals in pairs; the second waits here.

  const uniform = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  const normal = (): number => {
    if (!Number.isNaN(spare)) {
      const s = spare;
      spare = NaN;
      return s;
    }
    // 1 - u lies in (0, 1], so the log is finite.
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const theta = 2 * Math.PI * uniform();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };

  const fillNormal = <T extends Float32Array | Float64Array>(out: T): T => {
    for (let i = 0; i < out.length; i++) out[i] = normal();
    return out;
  };

  return { uniform, normal, fillNormal };
}
