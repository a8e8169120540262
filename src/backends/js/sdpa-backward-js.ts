// Attention backward pass in plain TypeScript, float64 inside, in the manner of FlashAttention-2's
// backward (Dao 2023, Algorithm 2). For query row i of head h and a visible key j:
//
//   P_ij  = exp(s_ij − lse_i)               recomputed from q, k and the forward's log-sum-exp
//   D_i   = Σ_d dOut_id · out_id            (= Σ_j P_ij dP_ij)
//   dP_ij = dOut_i · v_j
//   dS_ij = P_ij (dP_ij − D_i)              ∂L/∂s_ij (∂P_ik/∂s_ij = P_ik (δ_jk − P_ij))
//   dv_j += P_ij dOut_i
//   g_ij  = dS_ij · ∂s/∂x · scale           x = scale·q_i·k_j before the soft-cap
//   dq_i += g_ij k_j,   dk_j += g_ij q_i
//   dRelativeBias[h, j − i + Lq − 1] += dS_ij
//   dSinks[h] −= Σ_i P_sink,i · D_i,        P_sink,i = exp(σ_h − lse_i)   (∂P_ij/∂σ_h = −P_ij P_sink,i;
//                                           the sink has no value, so its own dP is 0)
//
// Key blocks outer: a block's dk, dv finish in float64 accumulators [KB, D] and [KB, Dv] and are
// stored; query rows inner, each with its visible keys of the block gathered and taken four at a
// time. dq accumulates over the blocks in a float64 [G·Lq, D] buffer per (batch, kv head). The G
// query heads sharing a kv head are rows of the same loop, so dk and dv sum over them without copying
// k or v. Nothing Lq × Lk is stored: one row's scores for one block at a time.
//
// A row with no visible key had a zero output whatever its inputs and adds nothing (nor does a row
// whose lse is −Infinity). Keys outside the causal and window range are never read, nor are the v
// rows of keys the mask hides (their k rows are, and their scores replaced), so NaN behind a mask
// cannot leak; a key no row sees gets dk = dv = 0.
import type { SdpaBackwardPlan } from '../backward-types';
import type { StridedView } from '../types';
import { rowLogSumExp } from './backward-lse';
import { rowScores } from './backward-scores';
import { firstVisibleKey, visibleKeyEnd } from './row-terms';

/** Keys per block: the block's dk and dv accumulators (KB × (D + Dv) float64) stay in L1/L2 for D ≤ 128. */
const KB = 64;

/** Scratch of one call, sized for one (batch, kv head) group of G·Lq rows. */
interface Scratch {
  dq: Float64Array; // [G·Lq, D]
  dk: Float64Array; // [KB, D] the current key block's
  dv: Float64Array; // [KB, Dv]
  rowD: Float64Array; // D_i per row
  rowLse: Float64Array;
  seen: Uint8Array; // the row had a visible key
  s: Float64Array; // [KB] one row's scores in the block
  dsdx: Float64Array; // [KB] ∂s/∂x
  keys: Int32Array; // [KB] the row's visible keys in the block, offsets from its first key
  P: Float64Array; // [KB] their probabilities, then dS
  dP: Float64Array; // [KB] dOut_i·v_j, then g
  qRow: Float64Array; // [D]
  gRow: Float64Array; // [Dv] dOut_i
}

function storeRows(
  acc: Float64Array,
  view: StridedView,
  base: number,
  first: number,
  count: number,
  dim: number,
): void {
  for (let r = 0; r < count; r++) {
    const o = base + (first + r) * view.strideL;
    for (let d = 0; d < dim; d++) view.data[o + d] = acc[r * dim + d];
  }
}

/** dP[x] = gRow·v_j for the n gathered keys j = j0 + keys[x]; four keys per pass share each gRow load. */
function dotValues(
  v: Float32Array,
  vBase: number,
  vs: number,
  j0: number,
  keys: Int32Array,
  n: number,
  gRow: Float64Array,
  Dv: number,
  dP: Float64Array,
): void {
  let x = 0;
  for (; x + 4 <= n; x += 4) {
    const v0 = vBase + (j0 + keys[x]) * vs;
    const v1 = vBase + (j0 + keys[x + 1]) * vs;
    const v2 = vBase + (j0 + keys[x + 2]) * vs;
    const v3 = vBase + (j0 + keys[x + 3]) * vs;
    let a0 = 0,
      a1 = 0,
      a2 = 0,
      a3 = 0; // prettier-ignore
    for (let d = 0; d < Dv; d++) {
      const g = gRow[d];
      a0 += g * v[v0 + d];
      a1 += g * v[v1 + d];
      a2 += g * v[v2 + d];
      a3 += g * v[v3 + d];
    }
    dP[x] = a0;
    dP[x + 1] = a1;
    dP[x + 2] = a2;
    dP[x + 3] = a3;
  }
  for (; x < n; x++) {
    const vj = vBase + (j0 + keys[x]) * vs;
    let a = 0;
    for (let d = 0; d < Dv; d++) a += gRow[d] * v[vj + d];
    dP[x] = a;
  }
}

/** acc[keys[x]] += w[x]·row for the n gathered keys (rows of `dim` in acc); four keys share each row load. */
function addScaledRows(
  acc: Float64Array,
  dim: number,
  keys: Int32Array,
  n: number,
  w: Float64Array,
  row: Float64Array,
): void {
  let x = 0;
  for (; x + 4 <= n; x += 4) {
    const r0 = keys[x] * dim;
    const r1 = keys[x + 1] * dim;
    const r2 = keys[x + 2] * dim;
    const r3 = keys[x + 3] * dim;
    const w0 = w[x],
      w1 = w[x + 1],
      w2 = w[x + 2],
      w3 = w[x + 3]; // prettier-ignore
    for (let d = 0; d < dim; d++) {
      const o = row[d];
      acc[r0 + d] += w0 * o;
      acc[r1 + d] += w1 * o;
      acc[r2 + d] += w2 * o;
      acc[r3 + d] += w3 * o;
    }
  }
  for (; x < n; x++) {
    const r = keys[x] * dim;
    const wx = w[x];
    for (let d = 0; d < dim; d++) acc[r + d] += wx * row[d];
  }
}

/** dq[at..at+D) += Σ_x g[x]·k_j over the gathered keys; four keys per pass, one dq update each. */
function addKeys(
  dq: Float64Array,
  at: number,
  k: Float32Array,
  kBase: number,
  ks: number,
  j0: number,
  keys: Int32Array,
  n: number,
  g: Float64Array,
  D: number,
): void {
  let x = 0;
  for (; x + 4 <= n; x += 4) {
    const k0 = kBase + (j0 + keys[x]) * ks;
    const k1 = kBase + (j0 + keys[x + 1]) * ks;
    const k2 = kBase + (j0 + keys[x + 2]) * ks;
    const k3 = kBase + (j0 + keys[x + 3]) * ks;
    const g0 = g[x],
      g1 = g[x + 1],
      g2 = g[x + 2],
      g3 = g[x + 3]; // prettier-ignore
    for (let d = 0; d < D; d++) dq[at + d] += g0 * k[k0 + d] + g1 * k[k1 + d] + g2 * k[k2 + d] + g3 * k[k3 + d];
  }
  for (; x < n; x++) {
    const kj = kBase + (j0 + keys[x]) * ks;
    const gx = g[x];
    for (let d = 0; d < D; d++) dq[at + d] += gx * k[kj + d];
  }
}

/** One (batch, kv head) group: its G·Lq query rows against every key block. */
function backwardGroup(
  bp: SdpaBackwardPlan,
  b: number,
  hk: number,
  sc: Scratch,
  sinkAcc: Float64Array | null,
  relAcc: Float64Array | null,
): void {
  const p = bp.fwd;
  const { dimQk: D, dimV: Dv, lenQ: Lq, lenK: Lk, scale } = p;
  const G = p.headsQ / p.headsKv;
  const rows = G * Lq;
  const h0 = hk * G;
  const out = p.out.data;
  const dO = bp.dOut.data;
  const { dq, dk, dv, rowD, rowLse, seen, s, dsdx, keys, P, dP, qRow, gRow } = sc;

  // Per row: D_i, lse_i and the union of the rows' visible key ranges (blocks outside it are skipped).
  let groupFrom = Lk;
  let groupTo = 0;
  for (let t = 0; t < rows; t++) {
    const h = h0 + Math.floor(t / Lq);
    const i = t % Lq;
    const o = b * p.out.strideB + h * p.out.strideH + i * p.out.strideL;
    const g = b * bp.dOut.strideB + h * bp.dOut.strideH + i * bp.dOut.strideL;
    let sum = 0;
    for (let d = 0; d < Dv; d++) sum += dO[g + d] * out[o + d];
    rowD[t] = sum;
    rowLse[t] = bp.lse ? bp.lse[(b * p.headsQ + h) * Lq + i] : rowLogSumExp(p, b, h, i, hk, KB, s, dsdx);
    seen[t] = 0;
    const from = firstVisibleKey(p, b, i);
    const to = visibleKeyEnd(p, b, i);
    if (from < to) {
      groupFrom = Math.min(groupFrom, from);
      groupTo = Math.max(groupTo, to);
    }
  }
  dq.fill(0, 0, rows * D);

  const kBase = b * p.k.strideB + hk * p.k.strideH;
  const vBase = b * p.v.strideB + hk * p.v.strideH;
  for (let j0 = groupFrom; j0 < groupTo; j0 += KB) {
    const j1 = Math.min(j0 + KB, groupTo);
    dk.fill(0, 0, (j1 - j0) * D);
    dv.fill(0, 0, (j1 - j0) * Dv);
    for (let t = 0; t < rows; t++) {
      const lse = rowLse[t];
      if (lse === -Infinity) continue;
      const h = h0 + Math.floor(t / Lq);
      const i = t % Lq;
      const a = Math.max(j0, firstVisibleKey(p, b, i));
      const e = Math.min(j1, visibleKeyEnd(p, b, i));
      if (a >= e) continue;
      rowScores(p, b, h, i, hk, a, e, s, dsdx);
      // The row's visible keys in the block (offsets from j0) and their probabilities.
      let n = 0;
      for (let j = a; j < e; j++) {
        const sj = s[j - a];
        if (sj === -Infinity) continue;
        keys[n] = j - j0;
        P[n] = Math.exp(sj - lse);
        n++;
      }
      if (n === 0) continue;
      seen[t] = 1;
      const qBase = b * p.q.strideB + h * p.q.strideH + i * p.q.strideL;
      for (let d = 0; d < D; d++) qRow[d] = p.q.data[qBase + d];
      const gBase = b * bp.dOut.strideB + h * bp.dOut.strideH + i * bp.dOut.strideL;
      for (let d = 0; d < Dv; d++) gRow[d] = dO[gBase + d];

      dotValues(p.v.data, vBase, p.v.strideL, j0, keys, n, gRow, Dv, dP);
      addScaledRows(dv, Dv, keys, n, P, gRow); // dv_j += P_ij dOut_i
      const Dt = rowD[t];
      const rel = p.relativeBias ? h * p.relativeBias.strideH + Lq - 1 - i + j0 : 0; // relAcc[rel + keys[x]]: diagonal j − i
      for (let x = 0; x < n; x++) {
        const dS = P[x] * (dP[x] - Dt);
        if (relAcc) relAcc[rel + keys[x]] += dS;
        dP[x] = dS * dsdx[keys[x] + j0 - a] * scale; // g_ij
      }
      addScaledRows(dk, D, keys, n, dP, qRow); // dk_j += g_ij q_i
      addKeys(dq, t * D, p.k.data, kBase, p.k.strideL, j0, keys, n, dP, D); // dq_i += g_ij k_j
    }
    storeRows(dk, bp.dk, b * bp.dk.strideB + hk * bp.dk.strideH, j0, j1 - j0, D);
    storeRows(dv, bp.dv, b * bp.dv.strideB + hk * bp.dv.strideH, j0, j1 - j0, Dv);
  }

  for (let t = 0; t < rows; t++) {
    const h = h0 + Math.floor(t / Lq);
    const i = t % Lq;
    // Rows that saw no key keep the zeros written at the start.
    if (!seen[t]) continue;
    const o = b * bp.dq.strideB + h * bp.dq.strideH + i * bp.dq.strideL;
    for (let d = 0; d < D; d++) bp.dq.data[o + d] = dq[t * D + d];
    if (sinkAcc) sinkAcc[h] -= Math.exp(p.sinks![h] - rowLse[t]) * rowD[t];
  }
}

/** Writes dq, dk, dv (and dSinks, dRelativeBias when asked) for the plan; every output is overwritten. */
export function sdpaBackwardJs(bp: SdpaBackwardPlan): void {
  const p = bp.fwd;
  for (const view of [bp.dq, bp.dk, bp.dv]) view.data.fill(0);
  bp.dSinks?.fill(0);
  bp.dRelativeBias?.fill(0);
  const G = p.headsKv > 0 ? p.headsQ / p.headsKv : 0;
  const rows = G * p.lenQ;
  if (p.batch * rows === 0 || p.lenK === 0) return;
  const sc: Scratch = {
    dq: new Float64Array(rows * p.dimQk),
    dk: new Float64Array(KB * p.dimQk),
    dv: new Float64Array(KB * p.dimV),
    rowD: new Float64Array(rows),
    rowLse: new Float64Array(rows),
    seen: new Uint8Array(rows),
    s: new Float64Array(KB),
    dsdx: new Float64Array(KB),
    keys: new Int32Array(KB),
    P: new Float64Array(KB),
    dP: new Float64Array(KB),
    qRow: new Float64Array(p.dimQk),
    gRow: new Float64Array(p.dimV),
  };
  const sinkAcc = bp.dSinks ? new Float64Array(p.headsQ) : null;
  const relAcc = bp.dRelativeBias ? new Float64Array(bp.dRelativeBias.length) : null;
  for (let b = 0; b < p.batch; b++)
    for (let hk = 0; hk < p.headsKv; hk++) backwardGroup(bp, b, hk, sc, sinkAcc, relAcc);
  if (sinkAcc) bp.dSinks!.set(sinkAcc);
  if (relAcc) bp.dRelativeBias!.set(relAcc);
}
