// Blocked pure-TypeScript attention: tiles of TILE query rows against blocks of KB keys with an
// online softmax (FlashAttention's running max m, sum l and rescaled accumulator), float64 throughout.
//
//   for each key block:  m' = max(m, max_j s_j);  c = exp(m - m');  l = c·l + Σ_j exp(s_j - m')
//                        acc = c·acc + Σ_j exp(s_j - m')·v_j;      m = m'
//   out = acc / (l + exp(sink - m))   (no sink: acc / l; a row whose m stays -Infinity saw no key: zeros)
//
// A tile's rows are (query head, query) pairs of one kv head, so the GQA heads that share a kv head
// read each k and v row once per tile. Four rows are register-blocked: one load of k[d] or v[d] feeds
// four accumulators. A key whose score is -Infinity (masked by any rule) is skipped in the p·v update,
// so NaN garbage in its v cannot leak; k rows outside every row's causal/window range, or past its batch
// entry's length (kvLengths), are never touched.
// Soft-cap, ALiBi and relative bias are applied to a block's visible scores (row-terms.ts).
import type { Float32KvPlan } from '../types';
import {
  addPositionBias,
  capScores,
  firstVisibleKey,
  hasPositionBias,
  logSumExp,
  overflowLikeFloat32,
  probabilityFactor,
  visibleKeyEnd,
} from './row-terms';

const TILE = 4;
/** Keys per block: the tile's scores (TILE × KB float64) stay in L1. */
const KB = 64;

/** Scratch reused across calls: grown, never shrunk, so a steady workload allocates nothing. */
interface Scratch {
  q: Float64Array; // D × TILE, the tile's query rows interleaved: q[d·TILE + r]
  acc: Float64Array; // TILE × Dv
  s: Float64Array; // KB × TILE scores of the current key block, interleaved: s[(j - j0)·TILE + r]
}
const scratch: Scratch = { q: new Float64Array(0), acc: new Float64Array(0), s: new Float64Array(TILE * KB) };

function scratchFor(dimQk: number, dimV: number): Scratch {
  if (scratch.q.length < TILE * dimQk) scratch.q = new Float64Array(TILE * dimQk);
  if (scratch.acc.length < TILE * dimV) scratch.acc = new Float64Array(TILE * dimV);
  return scratch;
}

// Per-row state of the current tile (TILE entries each).
const rowOut = new Float64Array(TILE); // element offset of the row's output
const rowMask = new Float64Array(TILE); // element offset of the row's mask row
const rowFrom = new Float64Array(TILE); // keys from <= j < to pass the causal and window rules
const rowTo = new Float64Array(TILE);
const rowHead = new Float64Array(TILE); // query head h and query index i, for biases and sinks
const rowQuery = new Float64Array(TILE);
const rowMax = new Float64Array(TILE);
const rowSum = new Float64Array(TILE);

// exp(x) for the softmax's x = s - max <= 0 (or NaN), inlined instead of Math.exp's call:
// x = n·ln2 + r with |r| <= ln2/2, e^r by its Taylor series to r^10 (relative error < 1e-11,
// far below float32 output rounding), 2^n from a table. x <= -708 underflows to 0; NaN stays NaN.
const LOG2E = Math.LOG2E;
const LN2_HI = 0.6931471803691238; // ln 2 split so n·LN2_HI is exact for |n| < 2^20
const LN2_LO = 1.9082149292705877e-10;
const POW2_NEG = Float64Array.from({ length: 1024 }, (_, i) => 2 ** -i);

function expNonPositive(x: number): number {
  if (!(x > -708)) return Number.isNaN(x) ? x : 0; // -Infinity and deep underflow give 0; NaN stays NaN
  const n = Math.floor(x * LOG2E + 0.5); // in [-1022, 0] here (x may be a hair above 0 only for NaN-free rounding)
  const r = x - n * LN2_HI - n * LN2_LO;
  const e =
    1 +
    r *
      (1 +
        r *
          (1 / 2 +
            r *
              (1 / 6 +
                r *
                  (1 / 24 +
                    r *
                      (1 / 120 + r * (1 / 720 + r * (1 / 5040 + r * (1 / 40320 + r * (1 / 362880 + r / 3628800)))))))));
  return n <= 0 ? e * POW2_NEG[-n] : e * 2 ** n;
}

/** Scores of batch entry b's rows r0..r0+nr-1 against keys j0..j1-1 into s[(j - j0)·TILE + r]; -Infinity when masked. */
function scoreBlock(
  p: Float32KvPlan,
  b: number,
  kBase: number,
  nr: number,
  j0: number,
  j1: number,
  q: Float64Array,
  s: Float64Array,
): void {
  const D = p.dimQk;
  const k = p.k.data;
  const ks = p.k.strideL;
  const scale = p.scale;
  const mask = p.mask;
  if (nr === TILE) {
    // Two keys at a time: 4 q values and 2 k values feed 8 accumulators (fewer loads per flop).
    let j = j0;
    for (; j + 1 < j1; j += 2) {
      const ka = kBase + j * ks;
      const kb = ka + ks;
      let a0 = 0,
        a1 = 0,
        a2 = 0,
        a3 = 0,
        b0 = 0,
        b1 = 0,
        b2 = 0,
        b3 = 0; // prettier-ignore
      for (let d = 0, qi = 0; d < D; d++, qi += 4) {
        const x = k[ka + d];
        const y = k[kb + d];
        const q0 = q[qi];
        const q1 = q[qi + 1];
        const q2 = q[qi + 2];
        const q3 = q[qi + 3];
        a0 += q0 * x;
        a1 += q1 * x;
        a2 += q2 * x;
        a3 += q3 * x;
        b0 += q0 * y;
        b1 += q1 * y;
        b2 += q2 * y;
        b3 += q3 * y;
      }
      const so = (j - j0) * TILE;
      s[so] = a0 * scale;
      s[so + 1] = a1 * scale;
      s[so + 2] = a2 * scale;
      s[so + 3] = a3 * scale;
      s[so + 4] = b0 * scale;
      s[so + 5] = b1 * scale;
      s[so + 6] = b2 * scale;
      s[so + 7] = b3 * scale;
    }
    for (; j < j1; j++) {
      const kj = kBase + j * ks;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let d = 0, qi = 0; d < D; d++, qi += 4) {
        const kd = k[kj + d];
        s0 += q[qi] * kd;
        s1 += q[qi + 1] * kd;
        s2 += q[qi + 2] * kd;
        s3 += q[qi + 3] * kd;
      }
      const so = (j - j0) * TILE;
      s[so] = s0 * scale;
      s[so + 1] = s1 * scale;
      s[so + 2] = s2 * scale;
      s[so + 3] = s3 * scale;
    }
  } else {
    for (let r = 0; r < nr; r++) {
      const end = Math.min(j1, rowTo[r]);
      for (let j = Math.max(j0, rowFrom[r]); j < end; j++) {
        const kj = kBase + j * ks;
        let dot = 0;
        for (let d = 0; d < D; d++) dot += q[d * TILE + r] * k[kj + d];
        s[(j - j0) * TILE + r] = dot * scale;
      }
    }
  }
  // Visibility, cap, mask and biases after the dots: a hidden score is replaced, whatever k held.
  const cap = p.softcap;
  const biased = hasPositionBias(p);
  for (let r = 0; r < nr; r++) {
    const a = Math.min(j1, Math.max(j0, rowFrom[r])); // visible keys of this row in the block: [a, e)
    const e = Math.max(a, Math.min(j1, rowTo[r]));
    for (let j = j0; j < a; j++) s[(j - j0) * TILE + r] = -Infinity;
    for (let j = e; j < j1; j++) s[(j - j0) * TILE + r] = -Infinity;
    if (a === e) continue;
    const at = (a - j0) * TILE + r;
    overflowLikeFloat32(s, at, TILE, e - a);
    if (cap > 0) capScores(cap, s, at, TILE, e - a); // before the mask and biases are added
    if (mask) {
      const md = mask.data;
      const mk = mask.strideK;
      const mb = rowMask[r];
      if (mask.kind === 'bool') {
        for (let j = a; j < e; j++) if (md[mb + j * mk] === 0) s[(j - j0) * TILE + r] = -Infinity;
      } else {
        for (let j = a; j < e; j++) {
          const m = md[mb + j * mk];
          s[(j - j0) * TILE + r] = m === -Infinity ? -Infinity : s[(j - j0) * TILE + r] + m;
        }
      }
    }
    if (biased) addPositionBias(p, b, rowHead[r], rowQuery[r], a, e, s, at, TILE);
  }
}

/**
 * Online-softmax step for the tile's rows over n scores in s: raises the running max, rescales sum
 * and acc, and turns each score into exp(s - max) in place (-Infinity stays, to be skipped).
 * Returns true when no score of the block was -Infinity (the p·v update may then skip its checks).
 */
function softmaxBlock(nr: number, n: number, Dv: number, s: Float64Array, acc: Float64Array): boolean {
  let dense = true; // no -Infinity score in the tile's block
  for (let r = 0; r < nr; r++) {
    let m = rowMax[r];
    for (let o = 0; o < n; o++) {
      const x = s[o * TILE + r];
      // NaN sticks: a NaN x becomes m, and once m is NaN nothing replaces it (not even -Infinity,
      // which would make the row look unseen). m is tested for NaN only on the rare new maximum.
      if (!(x <= m) && !Number.isNaN(m)) m = x;
    }
    if (m === -Infinity) {
      dense = false;
      continue; // nothing visible yet: acc and sum stay 0
    }
    const old = rowMax[r];
    if (old !== m) {
      // First visible key: old = -Infinity gives c = 0 on a zero accumulator.
      const c = Math.exp(old - m);
      rowSum[r] *= c;
      const ar = r * Dv;
      for (let d = 0; d < Dv; d++) acc[ar + d] *= c;
      rowMax[r] = m;
    }
    let sum = 0;
    for (let o = 0; o < n; o++) {
      const x = s[o * TILE + r];
      if (x === -Infinity) {
        dense = false;
        continue; // stays -Infinity: the p·v loop skips it
      }
      const e = expNonPositive(x - m);
      s[o * TILE + r] = e;
      sum += e;
    }
    rowSum[r] += sum;
  }
  return dense;
}

/** acc[r] += Σ_j s[r][j]·v_j over keys j0..j1-1, skipping -Infinity entries unless dense. */
function pvBlock(
  p: Float32KvPlan,
  vBase: number,
  nr: number,
  j0: number,
  j1: number,
  s: Float64Array,
  acc: Float64Array,
  dense: boolean,
): void {
  const Dv = p.dimV;
  const n = j1 - j0;
  const v = p.v.data;
  const vs = p.v.strideL;
  if (nr === TILE && dense) {
    // Every weight is usable: dims outer, keys inner, so the four sums live in registers and
    // acc is touched once per (row, dim) instead of once per key.
    let d = 0;
    for (; d + 1 < Dv; d += 2) {
      let a0 = 0,
        a1 = 0,
        a2 = 0,
        a3 = 0,
        b0 = 0,
        b1 = 0,
        b2 = 0,
        b3 = 0; // prettier-ignore
      let vj = vBase + j0 * vs + d;
      for (let o = 0; o < n; o++, vj += vs) {
        const x = v[vj];
        const y = v[vj + 1];
        const p0 = s[o * TILE];
        const p1 = s[o * TILE + 1];
        const p2 = s[o * TILE + 2];
        const p3 = s[o * TILE + 3];
        a0 += p0 * x;
        a1 += p1 * x;
        a2 += p2 * x;
        a3 += p3 * x;
        b0 += p0 * y;
        b1 += p1 * y;
        b2 += p2 * y;
        b3 += p3 * y;
      }
      acc[d] += a0;
      acc[Dv + d] += a1;
      acc[2 * Dv + d] += a2;
      acc[3 * Dv + d] += a3;
      acc[d + 1] += b0;
      acc[Dv + d + 1] += b1;
      acc[2 * Dv + d + 1] += b2;
      acc[3 * Dv + d + 1] += b3;
    }
    for (; d < Dv; d++) {
      let a0 = 0,
        a1 = 0,
        a2 = 0,
        a3 = 0; // prettier-ignore
      let vj = vBase + j0 * vs + d;
      for (let o = 0; o < n; o++, vj += vs) {
        const vd = v[vj];
        a0 += s[o * TILE] * vd;
        a1 += s[o * TILE + 1] * vd;
        a2 += s[o * TILE + 2] * vd;
        a3 += s[o * TILE + 3] * vd;
      }
      acc[d] += a0;
      acc[Dv + d] += a1;
      acc[2 * Dv + d] += a2;
      acc[3 * Dv + d] += a3;
    }
  } else if (nr === TILE) {
    const Dv2 = 2 * Dv;
    const Dv3 = 3 * Dv;
    for (let o = 0; o < n; o++) {
      const p0 = s[o * TILE];
      const p1 = s[o * TILE + 1];
      const p2 = s[o * TILE + 2];
      const p3 = s[o * TILE + 3];
      const vj = vBase + (j0 + o) * vs;
      if (p0 !== -Infinity && p1 !== -Infinity && p2 !== -Infinity && p3 !== -Infinity) {
        for (let d = 0; d < Dv; d++) {
          const vd = v[vj + d];
          acc[d] += p0 * vd;
          acc[Dv + d] += p1 * vd;
          acc[Dv2 + d] += p2 * vd;
          acc[Dv3 + d] += p3 * vd;
        }
        continue;
      }
      for (let r = 0; r < TILE; r++) {
        const pr = s[o * TILE + r];
        if (pr === -Infinity) continue;
        const ar = r * Dv;
        for (let d = 0; d < Dv; d++) acc[ar + d] += pr * v[vj + d];
      }
    }
  } else {
    for (let r = 0; r < nr; r++) {
      const ar = r * Dv;
      for (let o = 0; o < n; o++) {
        const pr = s[o * TILE + r];
        if (pr === -Infinity) continue;
        const vj = vBase + (j0 + o) * vs;
        for (let d = 0; d < Dv; d++) acc[ar + d] += pr * v[vj + d];
      }
    }
  }
}

/** Runs one tile: rows (h, i) listed by flat index t = (h - h0)·Lq + i, t in [t0, t0 + nr). */
function runTile(p: Float32KvPlan, b: number, h0: number, hk: number, t0: number, nr: number, sc: Scratch): void {
  const { dimQk: D, dimV: Dv, lenQ, lenK } = p;
  const qd = p.q.data;
  const q = sc.q;
  const acc = sc.acc;
  const s = sc.s;
  // The tile's keys: the union of its rows' visible ranges (rows that see nothing don't widen it).
  let tileFrom = lenK;
  let tileTo = 0;
  for (let r = 0; r < nr; r++) {
    const t = t0 + r;
    const h = h0 + Math.floor(t / lenQ);
    const i = t % lenQ;
    rowHead[r] = h;
    rowQuery[r] = i;
    const qBase = b * p.q.strideB + h * p.q.strideH + i * p.q.strideL;
    for (let d = 0; d < D; d++) q[d * TILE + r] = qd[qBase + d];
    rowOut[r] = b * p.out.strideB + h * p.out.strideH + i * p.out.strideL;
    rowMask[r] = p.mask ? b * p.mask.strideB + h * p.mask.strideH + i * p.mask.strideQ : 0;
    const from = firstVisibleKey(p, b, i);
    const to = visibleKeyEnd(p, b, i);
    rowFrom[r] = from;
    rowTo[r] = to;
    if (from < to) {
      if (from < tileFrom) tileFrom = from;
      if (to > tileTo) tileTo = to;
    }
    rowMax[r] = -Infinity;
    rowSum[r] = 0;
  }
  acc.fill(0, 0, nr * Dv);
  const kBase = b * p.k.strideB + hk * p.k.strideH;
  const vBase = b * p.v.strideB + hk * p.v.strideH;
  // Keys outside every row's causal/window range or past the entry's length are skipped whole (half the
  // work at Lq = Lk causal, all but the window's width under sliding-window attention).
  for (let j0 = tileFrom; j0 < tileTo; j0 += KB) {
    const j1 = Math.min(j0 + KB, tileTo);
    scoreBlock(p, b, kBase, nr, j0, j1, q, s);
    const dense = softmaxBlock(nr, j1 - j0, Dv, s, acc);
    pvBlock(p, vBase, nr, j0, j1, s, acc, dense);
  }
  const out = p.out.data;
  for (let r = 0; r < nr; r++) {
    const o = rowOut[r];
    const sink = p.sinks ? p.sinks[rowHead[r]] : -Infinity;
    if (p.lse) p.lse[(b * p.headsQ + rowHead[r]) * lenQ + rowQuery[r]] = logSumExp(sink, rowMax[r], rowSum[r]);
    if (rowMax[r] === -Infinity) {
      out.fill(0, o, o + Dv);
      continue;
    }
    // The sink joins the denominator only; without one this is 1 / sum.
    const inv = probabilityFactor(sink, rowMax[r], rowSum[r]);
    const ar = r * Dv;
    for (let d = 0; d < Dv; d++) out[o + d] = acc[ar + d] * inv;
  }
}

/** The fast JS path (no weightsOut): every (batch, kv head) group walked in tiles of TILE rows. */
export function sdpaJsBlocked(p: Float32KvPlan): void {
  const group = p.headsQ / p.headsKv;
  const rows = group * p.lenQ;
  if (rows === 0) return;
  const sc = scratchFor(p.dimQk, p.dimV);
  for (let b = 0; b < p.batch; b++)
    for (let hk = 0; hk < p.headsKv; hk++)
      for (let t0 = 0; t0 < rows; t0 += TILE) runTile(p, b, hk * group, hk, t0, Math.min(TILE, rows - t0), sc);
}
