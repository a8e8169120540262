// Pure-TypeScript attention with the native kernel's semantics: one query row at a time,
// two-pass softmax in float64, hidden keys (causal, window, mask) skipped before k or v is read.
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

function attendRow(p: Float32KvPlan, b: number, h: number, i: number, scores: Float64Array, acc: Float64Array): void {
  const group = p.headsQ / p.headsKv;
  const hk = Math.floor(h / group);
  const { dimQk, dimV, lenK } = p;
  const q = p.q.data;
  const k = p.k.data;
  const v = p.v.data;
  const qBase = b * p.q.strideB + h * p.q.strideH + i * p.q.strideL;
  const kBase = b * p.k.strideB + hk * p.k.strideH;
  const vBase = b * p.v.strideB + hk * p.v.strideH;
  const outBase = b * p.out.strideB + h * p.out.strideH + i * p.out.strideL;
  const wBase = ((b * p.headsQ + h) * p.lenQ + i) * lenK;
  const mask = p.mask;
  const maskBase = mask ? b * mask.strideB + h * mask.strideH + i * mask.strideQ : 0;
  // Keys outside [from, to) are padding (kvLengths) or hidden by causal or the window; the mask may hide more inside.
  const from = firstVisibleKey(p, b, i);
  const to = visibleKeyEnd(p, b, i);

  scores.fill(-Infinity, 0, lenK);
  for (let j = from; j < to; j++) {
    const kj = kBase + j * p.k.strideL;
    let add = 0; // the additive mask's value
    if (mask) {
      const m = mask.data[maskBase + j * mask.strideK];
      if (mask.kind === 'bool') {
        if (m === 0) continue;
      } else if (m === -Infinity) continue;
      else add = m;
    }
    let dot = 0;
    for (let d = 0; d < dimQk; d++) dot += q[qBase + d] * k[kj + d];
    scores[j] = dot * p.scale;
    overflowLikeFloat32(scores, j, 1, 1);
    if (p.softcap > 0) capScores(p.softcap, scores, j, 1, 1); // capped before the mask is added
    scores[j] += add;
  }
  if (hasPositionBias(p) && from < to) addPositionBias(p, b, h, i, from, to, scores, from, 1);

  let rowMax = -Infinity;
  // NaN sticks (a later score never replaces it): a NaN score makes the row NaN.
  for (let j = from; j < to; j++) if (!(scores[j] <= rowMax) && !Number.isNaN(rowMax)) rowMax = scores[j];

  const out = p.out.data;
  const w = p.weights;
  const sink = p.sinks ? p.sinks[h] : -Infinity;
  if (rowMax === -Infinity) {
    if (p.lse) p.lse[(b * p.headsQ + h) * p.lenQ + i] = sink;
    // No visible key: zeros, even when a sink would have taken the whole row.
    out.fill(0, outBase, outBase + dimV);
    if (w) w.fill(0, wBase, wBase + lenK);
    return;
  }
  let sum = 0;
  for (let j = from; j < to; j++) {
    if (scores[j] === -Infinity) continue;
    scores[j] = Math.exp(scores[j] - rowMax);
    sum += scores[j];
  }
  const factor = probabilityFactor(sink, rowMax, sum);
  if (p.lse) p.lse[(b * p.headsQ + h) * p.lenQ + i] = logSumExp(sink, rowMax, sum);
  acc.fill(0, 0, dimV);
  if (w) w.fill(0, wBase, wBase + lenK);
  for (let j = from; j < to; j++) {
    if (scores[j] === -Infinity) continue;
    const pj = scores[j] * factor;
    if (w) w[wBase + j] = pj;
    const vj = vBase + j * p.v.strideL;
    for (let d = 0; d < dimV; d++) acc[d] += pj * v[vj + d];
  }
  for (let d = 0; d < dimV; d++) out[outBase + d] = acc[d];
}

export function sdpaJs(p: Float32KvPlan): void {
  const scores = new Float64Array(Math.max(1, p.lenK));
  const acc = new Float64Array(Math.max(1, p.dimV));
  for (let b = 0; b < p.batch; b++)
    for (let h = 0; h < p.headsQ; h++) for (let i = 0; i < p.lenQ; i++) attendRow(p, b, h, i, scores, acc);
}
