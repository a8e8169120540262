// Hostile changes to a valid scaledDotProductAttention call, each with what the call must then do.
import type { Rng } from '../../src/util/rng';
import {
  aliasExpect,
  chance,
  int,
  list,
  mark,
  options,
  pick,
  product,
  rebacked,
  spoilElem,
  spoilLength,
  spoilShape,
  spoof,
  tensorSpec,
  wrap,
} from './gen-values';
import { badContainer, badOption } from './gen-sdpa-options';
import {
  batch,
  diagonals,
  ensureOpts,
  foreign,
  hasWork,
  heads,
  outDims,
  scoreDims,
  shapeOf,
  tensors,
  type SdpaCtx,
} from './sdpa-model';
import { isTagged, type CallSpec, type SdpaModel, type TensorSpec } from './spec';

/** Zero-size tensors with a huge other dimension (finding 1): kernels must not loop over it. */
export function hugeDims(r: Rng, s: CallSpec, m: SdpaModel): void {
  const H = pick(r, [2 ** 31 - 1, 2 ** 31, 2 ** 36, 2 ** 40, 2 ** 53, 2 ** 60]);
  const where = pick(
    r,
    m.rank === 4
      ? ['batch', 'seqQ', 'seqK', 'heads', 'batch, empty seqs']
      : ['batch', 'seqQ', 'seqK', 'batch, empty seqs'],
  );
  if (where === 'batch') Object.assign(m, { B: H, D: 0, Dv: 0 });
  else if (where === 'seqQ') Object.assign(m, { Lq: H, D: 0, Dv: 0 });
  else if (where === 'seqK') Object.assign(m, { Lk: H, D: 0, Dv: 0 });
  else if (where === 'heads') Object.assign(m, { Hq: H, Hkv: H, D: 0, Dv: 0 });
  else Object.assign(m, { B: H, Lq: 0, Lk: 0 });
  // Every dimension must be at most 2^31 - 1 (SECURITY.md); within that these calls have an empty
  // output, so they return at once (or are refused by another bound).
  const size = H > 2 ** 53 ? '> 2^53' : H > 2 ** 31 - 1 ? '2^31 to 2^53' : '2^31-1';
  mark(s, H > 2 ** 31 - 1 ? 'error' : 'either', `huge ${where} with zero-size tensors (${size})`);
}

/** Shapes whose relation is wrong (each tensor alone is fine). */
function mismatch(r: Rng, c: SdpaCtx): void {
  const { m, s } = c;
  const o = ensureOpts(c);
  const reshape = (t: TensorSpec, dims: number[]) => {
    t.shape = dims.slice();
    t.dims = dims.slice();
    t.length = product(dims);
  };
  const bump = (d: number) => (d + 1 === 1 ? d + 2 : d + 1);
  const kind = pick(r, [
    'k dHead',
    'k batch',
    'v seqK',
    'kv heads',
    'q rank',
    'out shape',
    'weightsOut shape',
    'mask shape',
    'relativeBias shape',
    'per-head length',
  ]);
  const last = (t: TensorSpec) => t.dims.length - 1;
  switch (kind) {
    case 'k dHead':
      reshape(
        c.k,
        c.k.dims.map((d, i) => (i === last(c.k) ? d + 1 : d)),
      );
      break;
    case 'k batch':
      reshape(
        c.k,
        c.k.dims.map((d, i) => (i === 0 ? d + 1 : d)),
      );
      break;
    case 'v seqK':
      reshape(c.v, shapeOf(m, m.Hkv, m.Lk + 1, m.Dv));
      break;
    case 'kv heads': {
      if (m.rank === 3 || m.Hq === 0) return mismatch(r, c);
      const h = chance(r, 0.3) ? 0 : m.Hq + 1;
      reshape(c.k, shapeOf(m, h, m.Lk, m.D));
      reshape(c.v, shapeOf(m, h, m.Lk, m.Dv));
      break;
    }
    case 'q rank':
      reshape(c.q, chance(r, 0.5) ? [...c.q.dims, 1] : c.q.dims.slice(1));
      break;
    case 'out shape':
    case 'weightsOut shape': {
      const key = kind === 'out shape' ? 'out' : 'weightsOut';
      const dims = key === 'out' ? outDims(m) : scoreDims(m);
      const at = int(r, 0, dims.length - 1);
      o.own[key] = tensorSpec(
        key,
        chance(r, 0.2) ? dims.slice(1) : dims.map((d, i) => (i === at ? d + 1 : d)),
        'sentinel',
      );
      break;
    }
    case 'mask shape': {
      const target = scoreDims(m);
      const at = int(r, 0, target.length - 1);
      const dims = chance(r, 0.2) ? [1, ...target] : target.map((d, i) => (i === at ? bump(d) : d));
      o.own.mask = tensorSpec('mask', dims, 'bool', 'u8');
      break;
    }
    case 'relativeBias shape': {
      const dims = pick(r, [[m.Hq + 2, diagonals(m)], [1, diagonals(m) + 1], [diagonals(m)], [1, 1, diagonals(m)]]);
      o.own.relativeBias = tensorSpec('relativeBias', dims);
      break;
    }
    default:
      o.own[pick(r, ['alibiSlopes', 'sinks'])] = list(
        'array',
        Array.from({ length: heads(m) + 1 }, () => 0.5),
      );
  }
  mark(s, 'error', `shape mismatch: ${kind}`);
}

/** Getters on options and tensors: throwing, changing between reads, detaching or shrinking buffers. */
function getter(r: Rng, c: SdpaCtx): void {
  const { s, m } = c;
  const o = ensureOpts(c);
  if (!('causal' in o.own)) o.own.causal = m.causal;
  const ts = tensors(c);
  const t = pick(r, ts);
  const tensorPaths = [
    `${t.role}.data`,
    `${t.role}.shape`,
    ...(t.shape.length ? [`${t.role}.shape[${int(r, 0, t.shape.length - 1)}]`] : []),
  ];
  const optionPaths = Object.keys(o.own).map((key) => `options.${key}`);
  const w = o.own.window;
  if (isTagged(w) && w.kind === 'options') {
    if (!('left' in w.own)) w.own.left = undefined; // an own key (undefined: unbounded) for the getter to sit on
    optionPaths.push('options.window.left');
  }
  const path = pick(r, [...optionPaths, ...tensorPaths]);
  const kind = pick(r, ['throws', 'changes', 'changes', 'first', 'detach', 'detach', 'resize']);
  if (kind === 'throws') {
    s.traps.push({ kind: 'getter-throws', path });
    return mark(s, 'error', 'getter throws');
  }
  if (kind === 'changes') {
    s.traps.push({ kind: 'getter-changes', path, later: laterValue(r, c, path, t) });
    return mark(s, 'value', 'getter changes after the first read');
  }
  if (kind === 'first') {
    s.traps.push({ kind: 'getter-first', path, first: firstValue(path) });
    return mark(s, 'error', 'getter invalid on the first read only');
  }
  const victim = pick(
    r,
    ts.filter((x) => !x.alias),
  );
  if (kind === 'detach') {
    if (victim.backing === 'sab' || victim.backing === 'gsab') victim.backing = 'plain';
    s.traps.push({ kind: 'getter-detach', path, victim: victim.role });
    return mark(s, 'either', 'getter detaches a buffer');
  }
  victim.backing = 'rab';
  s.traps.push({ kind: 'getter-resize', path, victim: victim.role });
  mark(s, 'either', 'getter shrinks a resizable buffer');
}

/** An invalid value for any getter path. */
function firstValue(path: string): unknown {
  if (path.includes('.shape[') || path === 'options.window.left') return NaN;
  const key = path.split('.')[1];
  return ({ scale: NaN, softcap: -5, causal: 'yes', mask: 5, out: 5 } as Record<string, unknown>)[key] ?? 'x';
}

/** What a changing getter gives after its first read: invalid, or valid but different. */
function laterValue(r: Rng, c: SdpaCtx, path: string, t: TensorSpec): unknown {
  const { m } = c;
  if (path.endsWith('.data')) return foreign(tensorSpec(t.role, [t.length + 1], 'sentinel'));
  if (path.endsWith('.shape'))
    return pick(r, [[2 ** 40, ...t.dims.slice(1).map(() => 0)], t.dims.slice().reverse(), 'x']);
  if (path.includes('.shape[')) return pick(r, [2 ** 40, NaN, -1, 0]);
  const key = path.split('.')[1];
  if (path === 'options.window.left') return pick(r, [-1, 0, 2 ** 53]);
  switch (key) {
    case 'scale':
      return pick(r, [NaN, -5, 3.5e38, 'x']);
    case 'softcap':
      return pick(r, [-5, NaN, 1e-46]);
    case 'causal':
      return pick(r, [!m.causal, 'yes']);
    case 'causalAlignment':
      return pick(r, [m.topLeft ? 'bottom-right' : 'top-left', 'nope']);
    case 'layout':
      return pick(r, [m.layout === 'bhsd' ? 'bshd' : 'bhsd', 'nope']);
    case 'compute':
      return pick(r, ['fp16', m.bf16 ? 'fp32' : 'bf16']);
    case 'mask':
      return pick(r, [foreign(tensorSpec('mask', [1], 'zero', 'u8')), 5]);
    case 'out':
      return pick(r, [foreign(tensorSpec('out', outDims(m), 'sentinel')), undefined, 5]);
    case 'weightsOut':
      return pick(r, [foreign(tensorSpec('weightsOut', scoreDims(m), 'sentinel')), null]);
    case 'window':
      return pick(r, [options({ left: 0, right: 0 }), 'x']);
    case 'alibiSlopes':
    case 'sinks':
      return list(
        'array',
        Array.from({ length: heads(m) }, () => NaN),
      );
    case 'kvLengths':
      return pick(r, [
        list(
          'array',
          Array.from({ length: batch(m) }, () => -1),
        ),
        list(
          'i32',
          Array.from({ length: batch(m) }, () => 0),
        ),
        'x',
      ]);
    default:
      return pick(r, [foreign(tensorSpec('relativeBias', [1, diagonals(m)], 'sentinel')), 'x']);
  }
}

const OPTION_KEYS = [
  'causal',
  'scale',
  'softcap',
  'layout',
  'causalAlignment',
  'compute',
  'mask',
  'out',
  'weightsOut',
  'window',
  'alibiSlopes',
  'sinks',
  'relativeBias',
  'kvLengths',
];
/** Option keys, and the window's own. */
const POLLUTABLE = [...OPTION_KEYS, 'left', 'right'];

/** A value that changes the result if an inherited key is obeyed (prototype pollution, Object.create). */
export function pollutionValue(c: SdpaCtx, key: string): unknown {
  const { m } = c;
  switch (key) {
    case 'causal':
      return true;
    case 'scale':
      return 0;
    case 'softcap':
      return 0.01;
    case 'layout':
      return m.layout === 'bhsd' ? 'bshd' : 'bhsd';
    case 'causalAlignment':
      return 'top-left';
    case 'compute':
      return 'bf16';
    case 'mask':
      return foreign(tensorSpec('mask', [1], 'zero', 'u8'));
    case 'out':
      return foreign(tensorSpec('out', outDims(m), 'sentinel'));
    case 'weightsOut':
      return foreign(tensorSpec('weightsOut', scoreDims(m), 'sentinel'));
    case 'window':
      return options({ left: 0, right: 0 });
    case 'alibiSlopes':
      return list(
        'array',
        Array.from({ length: heads(m) }, () => 1),
      );
    case 'sinks':
      return list(
        'array',
        Array.from({ length: heads(m) }, () => 5),
      );
    case 'relativeBias':
      return foreign(tensorSpec('relativeBias', [1, diagonals(m)], 'sentinel'));
    case 'kvLengths':
      return list(
        'array',
        Array.from({ length: batch(m) }, () => 0),
      );
    default:
      return 0;
  }
}

function pollute(r: Rng, c: SdpaCtx): void {
  const n = int(r, 1, 3);
  const throwing = chance(r, 0.3);
  for (let i = 0; i < n; i++) {
    const key = pick(r, POLLUTABLE);
    if (c.s.traps.some((t) => t.kind === 'pollute' && t.key === key)) continue;
    c.s.traps.push({ kind: 'pollute', key, value: pollutionValue(c, key), throwing });
  }
  mark(c.s, 'value', throwing ? 'Object.prototype has throwing getters' : 'Object.prototype polluted');
}

function inherit(r: Rng, c: SdpaCtx): void {
  const o = ensureOpts(c);
  o.inherit = {};
  for (const key of [pick(r, OPTION_KEYS), pick(r, OPTION_KEYS)])
    if (!(key in o.own)) o.inherit[key] = pollutionValue(c, key);
  mark(c.s, 'either', 'options from Object.create(proto)');
}

/** out or weightsOut sharing memory with another argument. */
function alias(r: Rng, c: SdpaCtx): void {
  const { m, s } = c;
  const o = ensureOpts(c);
  if (chance(r, 0.25) && c.k.length === c.q.length) {
    c.k.alias = { of: 'q', mode: 'same' };
    return mark(s, 'value', 'k is q', 2);
  }
  const which = pick(r, ['out', 'weightsOut'] as const);
  const t =
    (o.own[which] as TensorSpec | undefined) ??
    tensorSpec(which, which === 'out' ? outDims(m) : scoreDims(m), 'sentinel');
  if (!isTagged(t) || t.kind !== 'tensor' || t.elem !== 'f32') return;
  o.own[which] = t;
  if (which === 'out') m.out = true;
  else m.weightsOut = true;
  const victims = tensors(c).filter((x) => x !== t && !x.alias && x.elem !== 'f64');
  const victim = pick(r, victims);
  const mode = pick(r, ['same', 'overlap', 'overlap', 'disjoint', 'twin'] as const);
  t.alias = { of: victim.role, mode };
  if (mode === 'twin') victim.backing = 'sab';
  const e = aliasExpect(t, victim);
  mark(
    s,
    e,
    `${which} ${mode === 'twin' ? 'overlaps through a second SharedArrayBuffer' : mode === 'disjoint' ? 'next to' : 'overlaps'} ${victim.role === 'q' || victim.role === 'k' || victim.role === 'v' ? 'an input' : victim.role}`,
    e === 'value' ? 2 : 0,
  );
}

function afterCall(r: Rng, c: SdpaCtx): void {
  const victim = pick(
    r,
    tensors(c).filter((x) => !x.alias),
  );
  const isOutput = victim.role === 'out' || victim.role === 'weightsOut';
  if (chance(r, 0.7)) {
    if (victim.backing === 'sab' || victim.backing === 'gsab') victim.backing = 'plain';
    c.s.traps.push({ kind: 'after-call-detach', victim: victim.role, gc: chance(r, 0.5) });
  } else {
    victim.backing = 'rab';
    c.s.traps.push({ kind: 'after-call-resize', victim: victim.role });
  }
  mark(
    c.s,
    isOutput ? 'nocrash' : 'either',
    `async: ${isOutput ? 'an output' : 'an input'} detached or shrunk while running`,
  );
}

export function applySdpaHostile(r: Rng, c: SdpaCtx): void {
  const { s } = c;
  if (c.sealed) return;
  c.changes = (c.changes ?? 0) + 1;
  const first = c.changes === 1;
  const roles = (): TensorSpec[] => tensors(c);
  const ops: [number, () => void][] = [
    [7, () => spoilShape(r, s, pick(r, roles()))],
    [3, () => spoilLength(r, s, pick(r, roles()))],
    [6, () => mismatch(r, c)],
    [
      5,
      () => {
        const t = pick(r, roles());
        spoilElem(r, s, t, t.role === 'mask');
      },
    ],
    [
      6,
      () => {
        const t = pick(r, roles());
        spoof(r, s, t, t.role === 'mask');
      },
    ],
    [5, () => wrap(r, s, pick(r, roles()))],
    [
      6,
      () => {
        for (const t of chance(r, 0.5) ? roles() : [pick(r, roles())]) {
          rebacked(r, s, t);
          // Async calls refuse resizable buffers: they could shrink under the kernel (README); a call with
          // no work may return before looking.
          if (c.async && t.backing === 'rab')
            mark(s, hasWork(c.m) ? 'error' : 'either', 'async: a resizable ArrayBuffer');
        }
      },
    ],
    [12, () => badOption(r, c)],
    [first ? 4 : 0, () => badContainer(r, c)],
    [12, () => getter(r, c)],
    [7, () => pollute(r, c)],
    [3, () => inherit(r, c)],
    [6, () => alias(r, c)],
    [
      2,
      () => {
        pick(r, [c.q, c.k, c.v]).fill = pick(r, ['nan', 'inf']);
        mark(s, 'nocrash', 'NaN or Infinity in q, k or v');
      },
    ],
    [c.async ? 14 : 0, () => afterCall(r, c)],
  ];
  const total = ops.reduce((a, [w]) => a + w, 0);
  let u = r.uniform() * total;
  for (const [w, f] of ops) {
    u -= w;
    if (u < 0) return f();
  }
}
