// Float64 references for the explain tests, written independently of src/explain.

/** A tiny seeded generator (32-bit LCG + Box-Muller) for test inputs, unrelated to src/util/rng. */
export function lcgNormals(seed: number, n: number): Float32Array {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

export function softmax64(scores: readonly number[]): number[] {
  const m = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

export function entropy64(p: readonly number[]): number {
  return -p.reduce((h, x) => (x > 0 ? h + x * Math.log(x) : h), 0);
}

/** ‖diag(p) − p·pᵀ‖_F from the full matrix, element by element. */
export function jacobianNorm64(p: readonly number[]): number {
  let ss = 0;
  for (let i = 0; i < p.length; i++)
    for (let j = 0; j < p.length; j++) {
      const jij = (i === j ? p[i] : 0) - p[i] * p[j];
      ss += jij * jij;
    }
  return Math.sqrt(ss);
}

/** The study's statistics for one d_k and one scale, recomputed in float64 from q [rows, d] and k [rows, keys, d]. */
export function referenceStats(q: Float32Array, k: Float32Array, rows: number, keys: number, d: number, scale: number) {
  const all: number[] = [];
  let maxP = 0;
  let ent = 0;
  let jac = 0;
  let sat = 0;
  const nearThreshold: number[] = [];
  for (let r = 0; r < rows; r++) {
    const s: number[] = [];
    for (let j = 0; j < keys; j++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += q[r * d + i] * k[(r * keys + j) * d + i];
      s.push(scale * dot);
    }
    all.push(...s);
    const p = softmax64(s);
    const m = Math.max(...p);
    maxP += m;
    ent += entropy64(p);
    jac += jacobianNorm64(p);
    if (m > 0.99) sat++;
    if (Math.abs(m - 0.99) < 1e-5) nearThreshold.push(r);
  }
  const n = all.length;
  const mean = all.reduce((a, b) => a + b, 0) / n;
  const variance = all.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  const std = Math.sqrt(variance);
  const inside = [1, 2, 3].map((c) => all.filter((x) => Math.abs(x - mean) <= c * std).length / n);
  return {
    mean,
    variance,
    std,
    inside,
    meanMaxProb: maxP / rows,
    meanEntropy: ent / rows,
    meanJacobianNorm: jac / rows,
    saturatedShare: sat / rows,
    /** Rows whose saturation could flip with float32 rounding. */
    nearThreshold: nearThreshold.length,
  };
}
