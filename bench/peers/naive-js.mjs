// The straightforward JavaScript a user would write: for each query, a dot with every key, softmax,
// then the weighted sum of values. No blocking; one row of scores reused.
export const naiveJs = {
  name: 'naive-js',
  threads: [1],
  supports: (s) => (s.mask ? 'no masks here' : true),
  setup(s, x) {
    const out = new Float32Array(s.B * s.Hq * s.Lq * s.Dv);
    const scale = 1 / Math.sqrt(s.D);
    const group = s.Hq / s.Hkv;
    const run = () => {
      const scores = new Float32Array(s.Lk);
      for (let b = 0; b < s.B; b++)
        for (let h = 0; h < s.Hq; h++) {
          const hk = Math.floor(h / group);
          for (let i = 0; i < s.Lq; i++) {
            const qo = ((b * s.Hq + h) * s.Lq + i) * s.D;
            const last = s.causal ? i + s.Lk - s.Lq : s.Lk - 1;
            let max = -Infinity;
            for (let j = 0; j <= last; j++) {
              const ko = ((b * s.Hkv + hk) * s.Lk + j) * s.D;
              let dot = 0;
              for (let d = 0; d < s.D; d++) dot += x.q[qo + d] * x.k[ko + d];
              scores[j] = dot * scale;
              if (scores[j] > max) max = scores[j];
            }
            let sum = 0;
            for (let j = 0; j <= last; j++) {
              scores[j] = Math.exp(scores[j] - max);
              sum += scores[j];
            }
            const oo = ((b * s.Hq + h) * s.Lq + i) * s.Dv;
            for (let d = 0; d < s.Dv; d++) out[oo + d] = 0;
            for (let j = 0; j <= last; j++) {
              const p = scores[j] / sum;
              const vo = ((b * s.Hkv + hk) * s.Lk + j) * s.Dv;
              for (let d = 0; d < s.Dv; d++) out[oo + d] += p * x.v[vo + d];
            }
          }
        }
    };
    return { run, result: () => out };
  },
};
