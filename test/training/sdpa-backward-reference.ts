// A float64 attention backward written from the forward's definition (test/helpers/reference.ts) and
// the chain rule, independent of the kernel: full rows, the softmax Jacobian written out
// (∂P_k/∂s_j = P_k(δ_kj − P_j), ∂P_k/∂σ = −P_k·P_σ) instead of FlashAttention's D_i shortcut, and no lse.
//
// Loss L = Σ dOut ∘ out. For a visible key j of row i (head h, kv head hk, position pos):
//   x_j = scale·q_i·k_j,  c_j = softcap·tanh(x_j / softcap) (x_j without a cap)
//   s_j = c_j + mask + ALiBi + relative bias,  P_j = exp(s_j) / (exp(σ_h) + Σ_k exp(s_k)),  out_i = Σ_j P_j v_j
//   ∂L/∂P_j = dOut_i·v_j,  ∂L/∂s_j = Σ_k ∂L/∂P_k · ∂P_k/∂s_j,  ∂L/∂x_j = ∂L/∂s_j · ∂c_j/∂x_j
//   dq_i += scale·∂L/∂x_j·k_j,  dk_j += scale·∂L/∂x_j·q_i,  dv_j += P_j·dOut_i
//   dRelativeBias[h or 0, j − i + Lq − 1] += ∂L/∂s_j,  dSinks[h] += Σ_k ∂L/∂P_k · ∂P_k/∂σ_h
// A row with no visible key has out = 0 whatever the inputs: it contributes nothing.
import type { RefInput } from '../helpers/reference';

export interface RefGradients {
  dq: Float64Array;
  dk: Float64Array;
  dv: Float64Array;
  dSinks: Float64Array | null;
  dRelativeBias: Float64Array | null;
  /** [B, Hq, Lq]: log(exp(σ_h) + Σ_visible exp(s_j)); −Infinity (no sink) or σ_h for a row with no visible key. */
  lse: Float64Array;
}

function at(
  layout: 'bhsd' | 'bshd',
  H: number,
  L: number,
  Dm: number,
  b: number,
  h: number,
  l: number,
  d: number,
): number {
  return layout === 'bhsd' ? ((b * H + h) * L + l) * Dm + d : ((b * L + l) * H + h) * Dm + d;
}

/** dOut is laid out as the forward's result ([B, Hq, Lq, Dv] in x.layout). */
export function referenceSdpaBackward(x: RefInput, dOut: ArrayLike<number>): RefGradients {
  const layout = x.layout ?? 'bhsd';
  const { B, Hq, Hkv, Lq, Lk, D, Dv } = x;
  const scale = x.scale ?? (D > 0 ? 1 / Math.sqrt(D) : 1);
  const group = Hq / Hkv;
  const diagonals = Lq + Lk - 1;
  const g: RefGradients = {
    dq: new Float64Array(B * Hq * Lq * D),
    dk: new Float64Array(B * Hkv * Lk * D),
    dv: new Float64Array(B * Hkv * Lk * Dv),
    dSinks: x.sinks ? new Float64Array(Hq) : null,
    dRelativeBias: x.relativeBias ? new Float64Array(x.relativeBias.heads * diagonals) : null,
    lse: new Float64Array(B * Hq * Lq),
  };
  const qAt = (b: number, h: number, i: number, d: number) => at(layout, Hq, Lq, D, b, h, i, d);
  const kAt = (b: number, h: number, j: number, d: number) => at(layout, Hkv, Lk, D, b, h, j, d);
  const vAt = (b: number, h: number, j: number, d: number) => at(layout, Hkv, Lk, Dv, b, h, j, d);
  const oAt = (b: number, h: number, i: number, d: number) => at(layout, Hq, Lq, Dv, b, h, i, d);

  for (let b = 0; b < B; b++)
    for (let h = 0; h < Hq; h++) {
      const hk = Math.floor(h / group);
      const sink = x.sinks ? x.sinks[h] : -Infinity;
      for (let i = 0; i < Lq; i++) {
        const pos = x.topLeft ? i : i + Lk - Lq;
        const visible: boolean[] = [];
        const s: number[] = [];
        const capSlope: number[] = [];
        for (let j = 0; j < Lk; j++) {
          let ok = !(x.causal && j > pos);
          if (x.window?.left !== undefined && j < pos - x.window.left) ok = false;
          if (x.window?.right !== undefined && j > pos + x.window.right) ok = false;
          let add = 0;
          if (ok && x.mask) {
            const m = x.mask(b, h, i, j);
            if (typeof m === 'boolean') ok = m;
            else if (m === -Infinity) ok = false;
            else add = m;
          }
          visible.push(ok);
          if (!ok) {
            s.push(-Infinity);
            capSlope.push(0);
            continue;
          }
          let dot = 0;
          for (let d = 0; d < D; d++) dot += x.q[qAt(b, h, i, d)] * x.k[kAt(b, hk, j, d)];
          const xs = scale * dot;
          let c = xs;
          let dc = 1;
          if (x.softcap) {
            const t = Math.tanh(xs / x.softcap);
            c = x.softcap * t;
            dc = 1 - t * t;
          }
          let sj = c + add;
          if (x.alibiSlopes) sj -= x.alibiSlopes[h] * Math.abs(pos - j);
          if (x.relativeBias)
            sj += x.relativeBias.data[(x.relativeBias.heads === 1 ? 0 : h) * diagonals + (j - i) + Lq - 1];
          s.push(sj);
          capSlope.push(dc);
        }
        const row = (b * Hq + h) * Lq + i;
        if (!visible.some(Boolean)) {
          g.lse[row] = sink;
          continue;
        }
        const max = Math.max(sink, ...s);
        let z = Math.exp(sink - max);
        for (let j = 0; j < Lk; j++) if (visible[j]) z += Math.exp(s[j] - max);
        g.lse[row] = max + Math.log(z);
        const P = s.map((sj, j) => (visible[j] ? Math.exp(sj - max) / z : 0));
        const pSink = Math.exp(sink - max) / z;
        // ∂L/∂P_j
        const dP = P.map((_, j) => {
          if (!visible[j]) return 0;
          let acc = 0;
          for (let d = 0; d < Dv; d++) acc += dOut[oAt(b, h, i, d)] * x.v[vAt(b, hk, j, d)];
          return acc;
        });
        for (let j = 0; j < Lk; j++) {
          if (!visible[j]) continue;
          let ds = 0;
          for (let kk = 0; kk < Lk; kk++) if (visible[kk]) ds += dP[kk] * P[kk] * ((kk === j ? 1 : 0) - P[j]);
          const dx = ds * capSlope[j];
          for (let d = 0; d < D; d++) {
            g.dq[qAt(b, h, i, d)] += scale * dx * x.k[kAt(b, hk, j, d)];
            g.dk[kAt(b, hk, j, d)] += scale * dx * x.q[qAt(b, h, i, d)];
          }
          for (let d = 0; d < Dv; d++) g.dv[vAt(b, hk, j, d)] += P[j] * dOut[oAt(b, h, i, d)];
          if (g.dRelativeBias)
            g.dRelativeBias[(x.relativeBias!.heads === 1 ? 0 : h) * diagonals + (j - i) + Lq - 1] += ds;
        }
        if (g.dSinks) for (let kk = 0; kk < Lk; kk++) if (visible[kk]) g.dSinks[h] += dP[kk] * -P[kk] * pSink;
      }
    }
  return g;
}
