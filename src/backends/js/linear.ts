// y = x · wᵀ + b in plain TypeScript. Both operands run along the reduction dim (nn.Linear's [out, in]),
// so each output is a contiguous dot product; four weight rows share every x load (4-way unrolled),
// and rows of x are taken in blocks so a block of weight rows is reused while it is still in cache.
import type { LinearPlan } from '../types';

// 64 weight rows of a 512-wide layer = 128 KiB: about what stays in L2 while a row block passes.
const OUT_BLOCK = 64;

export function linearJs(p: LinearPlan): void {
  const { rows, inFeatures: n, outFeatures: m, x, weight: w, bias, out } = p;
  for (let o0 = 0; o0 < m; o0 += OUT_BLOCK) {
    const o1 = Math.min(m, o0 + OUT_BLOCK);
    for (let r = 0; r < rows; r++) {
      const xo = r * n;
      const yo = r * m;
      let o = o0;
      for (; o + 4 <= o1; o += 4) {
        const w0 = o * n;
        const w1 = w0 + n;
        const w2 = w1 + n;
        const w3 = w2 + n;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let i = 0; i < n; i++) {
          const xi = x[xo + i];
          s0 += xi * w[w0 + i];
          s1 += xi * w[w1 + i];
          s2 += xi * w[w2 + i];
          s3 += xi * w[w3 + i];
        }
        out[yo + o] = s0 + (bias ? bias[o] : 0);
        out[yo + o + 1] = s1 + (bias ? bias[o + 1] : 0);
        out[yo + o + 2] = s2 + (bias ? bias[o + 2] : 0);
        out[yo + o + 3] = s3 + (bias ? bias[o + 3] : 0);
      }
      for (; o < o1; o++) {
        const wo = o * n;
        let s = 0;
        for (let i = 0; i < n; i++) s += x[xo + i] * w[wo + i];
        out[yo + o] = s + (bias ? bias[o] : 0);
      }
    }
  }
}
