// Hostile changes any call with tensors and an options object can take (linear, tensor(), the layers):
// bad shapes, types, wrappers and backings, getters, polluted or inherited options, aliased outputs.
import type { Rng } from '../../src/util/rng';
import {
  aliasExpect,
  chance,
  int,
  mark,
  obj,
  pick,
  rebacked,
  spoilElem,
  spoilLength,
  spoilShape,
  spoof,
  tensorSpec,
  wrap,
} from './gen-values';
import { isTagged, type CallSpec, type OptionsSpec, type TensorSpec } from './spec';

export interface GenericCtx {
  s: CallSpec;
  /** The call's tensors (inputs and outputs). */
  tensors: () => TensorSpec[];
  /** The options object, created on demand (and put into the call). */
  opts: () => OptionsSpec;
  /** False for tensor(): no options object. */
  hasOptions: boolean;
  /** Where the options object sits: 'options' or 'ctor'. */
  optsPath: string;
  /** Known option keys with a value that changes the result if obeyed while inherited or polluted. */
  pollutable: Record<string, () => unknown>;
  /** A wrong-typed or out-of-range value for one known option: [value, expect, label]. */
  badValue: (key: string) => [unknown, CallSpec['expect'], string];
  /** A valid but different value for a changing getter. */
  laterValue?: (key: string) => unknown;
  /** Inputs accept masks (tensor() takes a Uint8Array). */
  maskLike?: (t: TensorSpec) => boolean;
  /** Tensors a spoof may replace (the oracle cannot model every spoofed mask). Default: all. */
  spoofable?: (t: TensorSpec) => boolean;
  /** An output that may alias the inputs. */
  output?: () => TensorSpec | undefined;
}

const foreign = (t: TensorSpec): TensorSpec => ({ ...t, foreign: true });

function tensorLater(r: Rng, path: string, t: TensorSpec): unknown {
  if (path.endsWith('.data')) return foreign(tensorSpec(t.role, [t.length + 1], 'sentinel'));
  if (path.endsWith('.shape'))
    return pick(r, [[2 ** 40, ...t.dims.slice(1).map(() => 0)], t.dims.slice().reverse(), 'x']);
  return pick(r, [2 ** 40, NaN, -1, 0]);
}

function getter(r: Rng, c: GenericCtx): void {
  const { s } = c;
  const ts = c.tensors().filter((t) => !t.foreign);
  const t = ts.length ? pick(r, ts) : undefined;
  const o = c.hasOptions ? c.opts() : { own: {} };
  const paths = [
    ...Object.keys(o.own).map((k) => `${c.optsPath}.${k}`),
    ...(t && s.op !== 'tensor' ? [`${t.role}.data`, `${t.role}.shape`] : []),
    ...(t?.shape.length ? [`${t.role}.shape[${int(r, 0, t.shape.length - 1)}]`] : []),
  ];
  if (!paths.length) return;
  const path = pick(r, paths);
  const kind = pick(r, ['throws', 'changes', 'changes', 'first', 'detach']);
  const key = path.startsWith(`${c.optsPath}.`) ? path.slice(c.optsPath.length + 1) : undefined;
  if (kind === 'throws') {
    s.traps.push({ kind: 'getter-throws', path });
    return mark(s, 'error', 'getter throws');
  }
  if (kind === 'changes') {
    const later = key ? (c.laterValue ? c.laterValue(key) : c.badValue(key)[0]) : tensorLater(r, path, t!);
    s.traps.push({ kind: 'getter-changes', path, later });
    return mark(s, 'value', 'getter changes after the first read');
  }
  if (kind === 'first') {
    const [first, e] = key ? c.badValue(key) : [path.includes('[') ? NaN : 'x', 'error' as const];
    if (e !== 'error') return;
    s.traps.push({ kind: 'getter-first', path, first });
    return mark(s, 'error', 'getter invalid on the first read only');
  }
  const victims = ts.filter((x) => !x.alias);
  if (!victims.length) return;
  const victim = pick(r, victims);
  if (victim.backing === 'sab' || victim.backing === 'gsab') victim.backing = 'plain';
  s.traps.push({ kind: 'getter-detach', path, victim: victim.role });
  mark(s, 'either', 'getter detaches a buffer');
}

function badOption(r: Rng, c: GenericCtx): void {
  const keys = Object.keys(c.pollutable);
  const o = c.opts();
  if (chance(r, 0.15) || !keys.length) {
    o.own[pick(r, ['foo', 'Out', 'constructor', 'dtype'])] = 1;
    return mark(c.s, 'error', 'unknown option');
  }
  const key = pick(r, keys);
  const [v, e, label] = c.badValue(key);
  o.own[key] = v;
  mark(c.s, e, label);
}

function pollute(r: Rng, c: GenericCtx): void {
  const keys = Object.keys(c.pollutable);
  if (!keys.length) return;
  const throwing = chance(r, 0.3);
  for (const key of new Set([pick(r, keys), pick(r, keys)]))
    c.s.traps.push({ kind: 'pollute', key, value: c.pollutable[key](), throwing });
  mark(c.s, 'value', throwing ? 'Object.prototype has throwing getters' : 'Object.prototype polluted');
}

function inherit(r: Rng, c: GenericCtx): void {
  const keys = Object.keys(c.pollutable);
  const o = c.opts();
  const key = keys.length ? pick(r, keys) : undefined;
  if (!key || key in o.own) return;
  o.inherit = { [key]: c.pollutable[key]() };
  mark(c.s, 'either', 'options from Object.create(proto)');
}

function container(r: Rng, c: GenericCtx): void {
  const at = c.optsPath === 'ctor' ? -1 : c.s.args.indexOf(c.opts());
  if (chance(r, 0.5)) {
    const v = pick(r, [null, 5, 'x', true, obj('array'), obj('fn'), obj('revoked-proxy')]);
    if (at < 0) c.s.ctor = v;
    else c.s.args[at] = v;
    return mark(c.s, 'error', 'options not an object');
  }
  const o = c.opts();
  o.container = pick(r, ['null-proto', 'frozen', 'proxy', 'class-instance'] as const);
  mark(c.s, 'value', `options container ${o.container}`, 2);
}

function alias(r: Rng, c: GenericCtx): void {
  const out = c.output?.();
  if (out?.elem !== 'f32') return;
  const victims = c.tensors().filter((t) => t !== out && !t.foreign && !t.alias && t.elem === 'f32');
  if (!victims.length) return;
  const victim = pick(r, victims);
  const mode = pick(r, ['same', 'overlap', 'overlap', 'disjoint', 'twin'] as const);
  out.alias = { of: victim.role, mode };
  if (mode === 'twin') victim.backing = 'sab';
  const e = aliasExpect(out, victim);
  mark(
    c.s,
    e,
    `out ${mode === 'twin' ? 'overlaps through a second SharedArrayBuffer' : mode === 'disjoint' ? 'next to' : 'overlaps'} an input`,
    e === 'value' ? 2 : 0,
  );
}

export function applyHostile(r: Rng, c: GenericCtx): void {
  const { s } = c;
  const ts = () => c.tensors().filter((t) => !t.foreign);
  const any = (f: (t: TensorSpec) => void) => () => {
    const xs = ts();
    if (xs.length) f(pick(r, xs));
  };
  const isMask = (t: TensorSpec) => c.maskLike?.(t) ?? false;
  const ops: [number, () => void][] = [
    [8, any((t) => spoilShape(r, s, t))],
    [4, any((t) => spoilLength(r, s, t))],
    [5, any((t) => spoilElem(r, s, t, isMask(t)))],
    [
      6,
      () => {
        const xs = ts().filter((t) => c.spoofable?.(t) ?? true);
        if (xs.length) {
          const t = pick(r, xs);
          spoof(r, s, t, isMask(t));
        }
      },
    ],
    [5, any((t) => wrap(r, s, t, !c.hasOptions))],
    [5, any((t) => rebacked(r, s, t))],
    [c.hasOptions ? 12 : 0, () => badOption(r, c)],
    [c.hasOptions ? 4 : 0, () => container(r, c)],
    [12, () => getter(r, c)],
    [c.hasOptions ? 8 : 0, () => pollute(r, c)],
    [c.hasOptions ? 3 : 0, () => inherit(r, c)],
    [c.output ? 5 : 0, () => alias(r, c)],
    [
      2,
      any((t) => {
        t.fill = pick(r, ['nan', 'inf']);
        mark(s, 'nocrash', 'NaN or Infinity in the data');
      }),
    ],
  ];
  const total = ops.reduce((a, [w]) => a + w, 0);
  let u = r.uniform() * total;
  for (const [w, f] of ops) {
    u -= w;
    if (u < 0) return f();
  }
}

export const isTensor = (v: unknown): v is TensorSpec => isTagged(v) && v.kind === 'tensor';
