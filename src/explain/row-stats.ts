// Per-row measures of a probability vector p (float64 arithmetic on the kernel's float32 output).

export function maxOf(p: ArrayLike<number>, start = 0, n = p.length): number {
  let m = -Infinity;
  for (let j = start; j < start + n; j++) if (p[j] > m) m = p[j];
  return m;
}

/** Shannon entropy -Σ p ln p in nats, with 0·ln 0 = 0. */
export function entropyOf(p: ArrayLike<number>, start = 0, n = p.length): number {
  let h = 0;
  for (let j = start; j < start + n; j++) if (p[j] > 0) h -= p[j] * Math.log(p[j]);
  return h;
}

/**
 * ‖J‖_F for the softmax Jacobian J = diag(p) − p·pᵀ without forming it: J_ii = p_i − p_i²,
 * J_ij = −p_i p_j, so ‖J‖_F² = Σ p_i² − 2 Σ p_i³ + (Σ p_i²)². O(n) instead of O(n²).
 */
export function jacobianFrobeniusOf(p: ArrayLike<number>, start = 0, n = p.length): number {
  let s2 = 0;
  let s3 = 0;
  for (let j = start; j < start + n; j++) {
    const x = p[j];
    s2 += x * x;
    s3 += x * x * x;
  }
  return Math.sqrt(Math.max(0, s2 - 2 * s3 + s2 * s2));
}
