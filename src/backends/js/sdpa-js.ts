// Pure-TypeScript attention with the native kernel's semantics: one query row at a time,
// two-pass softmax in float64, masked keys skipped before k or v is read.
import type { SdpaPlan } from '../types';

function attendRow(p: SdpaPlan, b: number, h: number, i: number, scores: Float64Array, acc: Float64Array): void {
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
  const visible = p.causalOffset === null ? lenK : Math.max(0, Math.min(lenK, i + p.causalOffset + 1));

  let rowMax = -Infinity;
  for (let j = 0; j < lenK; j++) {
    let s = j < visible ? 0 : -Infinity;
    if (mask && s === 0) {
      const m = mask.data[maskBase + j * mask.strideK];
      s = mask.kind === 'bool' ? (m ? 0 : -Infinity) : m;
    }
    if (s !== -Infinity) {
      let dot = 0;
      const kj = kBase + j * p.k.strideL;
      for (let d = 0; d < dimQk; d++) dot += q[qBase + d] * k[kj + d];
      s += dot * p.scale;
    }
    scores[j] = s;
    if (!(s <= rowMax)) rowMax = s; // NaN sticks: a NaN score makes the row NaN
  }

  const out = p.out.data;
  const w = p.weights;
  if (rowMax === -Infinity) {
    out.fill(0, outBase, outBase + dimV);
    if (w) w.fill(0, wBase, wBase + lenK);
    return;
  }
  let sum = 0;
  for (let j = 0; j < lenK; j++) {
    if (scores[j] === -Infinity) continue;
    scores[j] = Math.exp(scores[j] - rowMax);
    sum += scores[j];
  }
  acc.fill(0, 0, dimV);
  for (let j = 0; j < lenK; j++) {
    if (scores[j] === -Infinity) {
      if (w) w[wBase + j] = 0;
      continue;
    }
    const pj = scores[j] / sum;
    if (w) w[wBase + j] = pj;
    const vj = vBase + j * p.v.strideL;
    for (let d = 0; d < dimV; d++) acc[d] += pj * v[vj + d];
  }
  for (let d = 0; d < dimV; d++) out[outBase + d] = acc[d];
}

export function sdpaJs(p: SdpaPlan): void {
  const scores = new Float64Array(Math.max(1, p.lenK));
  const acc = new Float64Array(Math.max(1, p.dimV));
  for (let b = 0; b < p.batch; b++)
    for (let h = 0; h < p.headsQ; h++) for (let i = 0; i < p.lenQ; i++) attendRow(p, b, h, i, scores, acc);
}
