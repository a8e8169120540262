// scaledDotProductAttention calls: a valid random call (small shapes with 0, 1 and odd sizes, 3-D and
// 4-D, both layouts, GQA, every option), then at most two hostile changes from gen-sdpa-hostile.ts,
// the second only where the first did not reach (gen-combine.ts).
import type { Rng } from '../../src/util/rng';
import {
  chance,
  int,
  list,
  mark,
  options,
  perHeadEdge,
  pick,
  scaleEdge,
  size,
  softcapEdge,
  tensorSpec,
} from './gen-values';
import { applyTwo } from './gen-combine';
import { applySdpaHostile, hugeDims } from './gen-sdpa-hostile';
import { diagonals, outDims, scoreDims, shapeOf, type SdpaCtx } from './sdpa-model';
import type { CallSpec, SdpaModel, TensorSpec } from './spec';

/** Largest B·Hq·Lq·Lk·(D+Dv) of a generated valid call: keeps every call (and the reference) tiny. */
const MAX_WORK = 40_000;

function baseModel(r: Rng): SdpaModel {
  const rank = chance(r, 0.25) ? 3 : 4;
  const Hkv = rank === 3 ? 1 : chance(r, 0.03) ? 0 : pick(r, [1, 1, 2, 3]);
  const Hq = rank === 3 ? 1 : Hkv * pick(r, [1, 1, 2, 3]);
  const m: SdpaModel = {
    rank,
    layout: chance(r, 0.4) ? 'bshd' : 'bhsd',
    B: chance(r, 0.04) ? 0 : pick(r, [1, 1, 2, 3]),
    Hq,
    Hkv,
    Lq: size(r),
    Lk: size(r),
    D: size(r, [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33]),
    Dv: size(r, [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33]),
    causal: false,
    topLeft: false,
    out: false,
    weightsOut: false,
    bf16: false,
    overflow: false,
  };
  while (m.B * m.Hq * m.Lq * m.Lk * (m.D + m.Dv) > MAX_WORK) {
    if (m.D > 4) m.D >>= 1;
    if (m.Dv > 4) m.Dv >>= 1;
    if (m.Lk > 4) m.Lk >>= 1;
    else if (m.Lq > 4) m.Lq >>= 1;
  }
  return m;
}

/** A mask shape broadcastable to the score grid: a suffix of it with some axes set to 1. */
function maskShape(r: Rng, target: number[]): number[] {
  const rank = chance(r, 0.05) ? 0 : int(r, 1, target.length);
  return target.slice(target.length - rank).map((d) => (chance(r, 0.4) ? 1 : d));
}

/** Valid options, each present with its own probability; edge values that stay valid included. */
function validOptions(r: Rng, s: CallSpec, m: SdpaModel): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (m.layout === 'bshd' || chance(r, 0.15)) o.layout = m.layout;
  if (chance(r, 0.25)) {
    if (chance(r, 0.3)) {
      const [v, e] = scaleEdge(r);
      if (e === 'value') {
        o.scale = m.scale = v;
        if (Math.abs(Math.fround(v)) > 1e3) mark(s, 'value', 'scale huge, q = 0', 2);
      }
    } else o.scale = m.scale = pick(r, [0.05, 0.1, 0.3, 0.5, 1, -0.5, 2]);
  }
  if (chance(r, 0.3)) {
    o.causal = m.causal = chance(r, 0.8);
    if (chance(r, 0.6)) {
      o.causalAlignment = pick(r, ['bottom-right', 'top-left']);
      m.topLeft = o.causalAlignment === 'top-left';
    }
  } else if (chance(r, 0.1)) {
    o.causalAlignment = 'top-left';
    m.topLeft = true; // the alignment also places window and ALiBi positions
  }
  if (chance(r, 0.25)) {
    const kind = chance(r, 0.5) ? 'bool' : 'additive';
    const t = tensorSpec('mask', maskShape(r, scoreDims(m)), kind, kind === 'bool' ? 'u8' : 'f32');
    if (kind === 'bool') t.density = pick(r, [0, 0.3, 0.7, 0.9, 1]);
    o.mask = t;
    m.mask = kind;
  }
  if (chance(r, 0.15)) {
    const w: Record<string, unknown> = {};
    for (const side of ['left', 'right'] as const)
      if (chance(r, 0.7)) w[side] = chance(r, 0.05) ? 2 ** 31 - 1 : int(r, 0, m.Lk + 2);
    o.window = options(w);
    m.window = w as SdpaModel['window'];
  }
  if (chance(r, 0.15)) {
    if (chance(r, 0.25)) {
      const [v, e] = softcapEdge(r);
      if (e === 'value') o.softcap = m.softcap = v;
    } else o.softcap = m.softcap = pick(r, [0.5, 1, 2.5, 5, 30]);
  }
  for (const name of ['alibiSlopes', 'sinks'] as const) {
    if (!chance(r, 0.12)) continue;
    const values = Array.from({ length: m.Hq }, () =>
      name === 'sinks' ? (r.uniform() - 0.5) * 6 : r.uniform() * 2 - 1,
    );
    if (m.Hq > 0 && chance(r, 0.2)) {
      const [v, e] = perHeadEdge(r);
      if (e === 'value') values[int(r, 0, m.Hq - 1)] = v;
    }
    o[name] = list(pick(r, ['f32', 'f64', 'array', 'array', 'frozen-array', 'proxy-array'] as const), values);
    if (name === 'sinks') m.sinks = values;
    else m.alibi = values;
  }
  if (chance(r, 0.15)) {
    // Per-sequence key lengths: 0, Lk and any count between.
    m.kvLengths = Array.from({ length: m.B }, () => pick(r, [0, m.Lk, int(r, 0, m.Lk), int(r, 0, m.Lk)]));
    o.kvLengths = list(pick(r, ['i32', 'i32', 'array', 'frozen-array', 'proxy-array'] as const), m.kvLengths);
  }
  if (chance(r, 0.1)) {
    const heads = m.Hq === 1 || chance(r, 0.5) ? 1 : m.Hq;
    o.relativeBias = tensorSpec('relativeBias', [heads, diagonals(m)]);
    m.relativeBias = true;
  }
  if (chance(r, 0.25)) {
    o.out = tensorSpec('out', outDims(m), 'sentinel');
    m.out = true;
  }
  if (chance(r, 0.25)) {
    o.weightsOut = tensorSpec('weightsOut', scoreDims(m), 'sentinel');
    m.weightsOut = true;
  }
  if (chance(r, 0.1)) {
    o.compute = pick(r, ['fp32', 'bf16']);
    m.bf16 = o.compute === 'bf16';
  }
  return o;
}

/** q, k and v of the model (q zero under a huge scale, q and k +1e20 under overflow). */
function sdpaArgs(m: SdpaModel): { q: TensorSpec; k: TensorSpec; v: TensorSpec } {
  const fillQ = m.overflow
    ? 'overflow'
    : m.scale !== undefined && Math.abs(Math.fround(m.scale)) > 1e3
      ? 'zero'
      : 'normal';
  return {
    q: tensorSpec('q', shapeOf(m, m.Hq, m.Lq, m.D), fillQ),
    k: tensorSpec('k', shapeOf(m, m.Hkv, m.Lk, m.D), m.overflow ? 'overflow' : 'normal'),
    v: tensorSpec('v', shapeOf(m, m.Hkv, m.Lk, m.Dv)),
  };
}

export function genSdpa(r: Rng, s: CallSpec, async: boolean): void {
  const m = baseModel(r);
  // Model-level hostility first: it changes the sizes every tensor is made from.
  const huge = chance(r, 0.07);
  if (huge) hugeDims(r, s, m);
  const o: Record<string, unknown> = huge ? (m.layout === 'bshd' ? { layout: m.layout } : {}) : validOptions(r, s, m);
  if (
    !huge &&
    chance(r, 0.03) &&
    m.D > 0 &&
    o.softcap === undefined &&
    m.mask !== 'additive' &&
    !m.bf16 &&
    (m.scale === undefined || (Math.fround(m.scale) > 0.01 && m.scale <= 10))
  ) {
    m.overflow = true;
    mark(s, 'value', 'overflow 1e20 (NaN rows)');
  }
  const { q, k, v } = sdpaArgs(m);
  const omit = Object.keys(o).length === 0 && chance(r, 0.5);
  const opts = omit ? undefined : options(o);
  s.args = [q, k, v, opts];
  s.sdpa = m;
  const ctx: SdpaCtx = { s, m, q, k, v, opts, async };
  applyTwo(ctx, chance(r, 0.6), chance(r, 0.1), () => applySdpaHostile(r, ctx));
}
