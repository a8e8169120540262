// Pieces every generator shares: random picks, tensor specs, and the catalogues of hostile values
// with what each must give under the validation contract (issue 24).
import type { Rng } from '../../src/util/rng';
import {
  weaker,
  type CallSpec,
  type Elem,
  type Expect,
  type ListSpec,
  type ObjSpec,
  type OptionsSpec,
  type Role,
  type TensorSpec,
  type Wrap,
} from './spec';

export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r.uniform() * xs.length)];
export const chance = (r: Rng, p: number): boolean => r.uniform() < p;
export const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r.uniform() * (hi - lo + 1));
export const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);
export const obj = (what: ObjSpec['what']): ObjSpec => ({ kind: 'obj', what });
export const list = (as: ListSpec['as'], values: unknown[]): ListSpec => ({ kind: 'list', as, values });
export const options = (own: Record<string, unknown>): OptionsSpec => ({ kind: 'options', own });

/** Small sizes, odd ones and 0 included; 0 is rare so most calls do work. */
export function size(r: Rng, xs: readonly number[] = [1, 1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17]): number {
  return chance(r, 0.05) ? 0 : pick(r, xs);
}

export function tensorSpec(
  role: Role,
  dims: number[],
  fill: TensorSpec['fill'] = 'normal',
  elem: Elem = 'f32',
): TensorSpec {
  return {
    kind: 'tensor',
    role,
    shape: dims.slice(),
    dims: dims.slice(),
    elem,
    length: product(dims),
    backing: 'plain',
    fill,
  };
}

/** Marks the call: the weaker expectation wins, and the label joins the call's labels, the first of which
 * names the failure group. tier 0: hostile; 1: a promise of its own but rarely the cause (shared memory);
 * 2: context (a benign backing or wrapper). generateCall orders them by tier. */
export function mark(s: CallSpec, expect: Expect, label: string, tier: 0 | 1 | 2 = 0): void {
  s.expect = weaker(s.expect, expect);
  let to = s.labels;
  if (tier !== 0) {
    s.later ??= [[], []];
    to = s.later[tier - 1];
  }
  if (!to.includes(label)) to.push(label);
}

// --- dimensions -------------------------------------------------------------------------------------

/** A shape entry that must be refused, with its label. Dims are safe integers in [0, 2^31 - 1]. */
export function badDim(r: Rng): { value: unknown; label: string } {
  switch (int(r, 0, 5)) {
    case 0:
      return { value: pick(r, [2 ** 31, 2 ** 32, 2 ** 36, 2 ** 40, 2 ** 52, 2 ** 53 - 1]), label: 'dim > 2^31-1' };
    case 1:
      return { value: pick(r, [2 ** 53, 2 ** 53 + 2, 2 ** 60, 2 ** 64, 1e300, Number.MAX_VALUE]), label: 'dim > 2^53' };
    case 2:
      return { value: pick(r, [0.5, 1.5, 2.0000001, 1e-300, 7.25]), label: 'dim non-integer' };
    case 3:
      return { value: pick(r, [-1, -2, -(2 ** 31), -(2 ** 53), -Infinity]), label: 'dim negative' };
    case 4:
      return { value: pick(r, [NaN, Infinity]), label: 'dim NaN/Infinity' };
    default:
      return {
        value: pick(r, [
          '2',
          '',
          null,
          undefined,
          true,
          2n,
          obj('number-object'),
          obj('array'),
          obj('symbol'),
          obj('empty'),
        ]),
        label: 'dim not a number',
      };
  }
}

/** Puts a bad entry into one tensor's shape; the data keeps its logical length. */
export function spoilShape(r: Rng, s: CallSpec, t: TensorSpec): void {
  if (t.shape.length === 0) {
    t.shape = [badDim(r).value];
    mark(s, 'error', 'dim bad');
    return;
  }
  const { value, label } = badDim(r);
  const at = int(r, 0, t.shape.length - 1);
  // A huge or unsafe entry next to a 0 makes the product 0: the length check alone cannot see it (finding 1).
  if (typeof value === 'number' && value > 2 ** 31 && t.shape.length > 1 && chance(r, 0.6)) {
    const zero = (at + 1 + int(r, 0, t.shape.length - 2)) % t.shape.length;
    t.shape[zero] = 0;
    t.dims[zero] = 0;
    t.length = 0;
    t.shape[at] = value;
    mark(s, 'error', `${label} with a 0 (${t.role})`);
    return;
  }
  t.shape[at] = value;
  mark(s, 'error', `${label} (${t.role})`);
}

/** Makes a tensor's data length disagree with its shape. */
export function spoilLength(r: Rng, s: CallSpec, t: TensorSpec): void {
  t.length = t.length === 0 ? int(r, 1, 3) : pick(r, [t.length - 1, t.length + 1, t.length * 2]);
  mark(s, 'error', `length != product(shape) (${t.role})`);
}

// --- data types, spoofs and wrappers -----------------------------------------------------------------

/** A wrong element type for a Float32Array argument (masks: for a Uint8Array/Float32Array one). */
export function spoilElem(r: Rng, s: CallSpec, t: TensorSpec, isMask = false): void {
  t.elem = pick(
    r,
    isMask
      ? (['f64', 'i8', 'u8c', 'u16', 'i32', 'array', 'dataview'] as const)
      : (['f64', 'u8', 'i32', 'u8c', 'array', 'dataview', 'arraybuffer'] as const),
  );
  mark(s, 'error', `dtype ${t.elem} (${isMask ? 'mask' : 'float'})`);
}

/** Objects that claim to be a Float32Array (or are one in disguise). */
export function spoof(r: Rng, s: CallSpec, t: TensorSpec, isMask = false): void {
  const kinds = isMask
    ? (['u8-as-f32', 'f32-as-u8', 'lying-length', 'proxy-data', 'null-proto', 'subclass'] as const)
    : (['u8-as-f32', 'lying-length', 'proxy-data', 'null-proto', 'subclass'] as const);
  const k = pick(r, kinds);
  t.spoof = k;
  if (k === 'u8-as-f32' && isMask) {
    // A real Uint8Array: a bool mask by its intrinsic type, or refused for its prototype.
    t.elem = 'u8';
    mark(s, 'either', 'spoof u8-as-f32 (mask)');
  } else if (k === 'f32-as-u8') {
    t.elem = 'f32';
    mark(s, 'either', 'spoof f32-as-u8 (mask)');
  } else if (k === 'u8-as-f32') {
    t.elem = 'u8';
    mark(s, 'error', 'spoof u8-as-f32');
  } else if (k === 'lying-length') {
    // The real length differs from the shape; the subclass's length getter claims the shape's product.
    t.length = t.length === 0 ? 2 : pick(r, [t.length - 1, Math.max(0, t.length - 4), t.length + 1]);
    mark(s, 'error', 'spoof lying length getter');
  } else if (k === 'proxy-data') {
    mark(s, 'error', 'spoof Proxy around data');
  } else if (k === 'null-proto') {
    mark(s, 'either', 'spoof Float32Array with prototype removed');
  } else {
    mark(s, 'value', 'honest Float32Array subclass', 2);
  }
}

const WRAP_EXPECT: Record<Wrap, Expect> = {
  frozen: 'value',
  'extra-key': 'value',
  'class-instance': 'value',
  'null-proto-object': 'value',
  proxy: 'value',
  'proto-data': 'either',
  'pair-array': 'error',
  'missing-data': 'error',
  'missing-shape': 'error',
  'revoked-proxy': 'error',
  'shape-proxy': 'value',
  'shape-int32': 'either',
  'shape-holey': 'error',
  'shape-extra-prop': 'value',
  'shape-frozen': 'value',
};

/** shapeOnly: tensor(data, shape) takes no tensor object, so only the shape (and missing parts) can be wrapped. */
export function wrap(r: Rng, s: CallSpec, t: TensorSpec, shapeOnly = false): void {
  const all = Object.keys(WRAP_EXPECT) as Wrap[];
  let w = pick(r, shapeOnly ? all.filter((x) => x.startsWith('shape') || x.startsWith('missing')) : all);
  if (w === 'shape-holey' && t.shape.length === 0) w = 'frozen';
  t.wrap = w;
  mark(s, WRAP_EXPECT[w], `wrap ${w}`, WRAP_EXPECT[w] === 'value' ? 2 : 0);
}

/** What an output aliasing `victim` must give: sharing bytes with an input is refused ('same' passes the
 * victim's own array, so a length other than the output's is a shape error); bytes next to it are fine. */
export function aliasExpect(out: TensorSpec, victim: TensorSpec): Expect {
  const mode = out.alias!.mode;
  if (mode === 'same')
    return out.elem !== victim.elem || out.length !== victim.length || out.length > 0 ? 'error' : 'value';
  if (mode === 'disjoint' || out.length === 0 || victim.length === 0) return 'value';
  // Two SharedArrayBuffer objects over one memory: the overlap check cannot see it (SECURITY.md), so the
  // values are unspecified; the call must still neither crash nor throw anything uncoded.
  return mode === 'twin' ? 'nocrash' : 'error';
}

/** SharedArrayBuffer, growable SAB, resizable ArrayBuffer or an offset view: all valid Float32Array views.
 * Shared memory is a promise of its own (issue 24): tier 1; the others are context. */
export function rebacked(r: Rng, s: CallSpec, t: TensorSpec): void {
  t.backing = pick(r, ['sab', 'gsab', 'rab', 'offset'] as const);
  const shared = t.backing === 'sab' || t.backing === 'gsab';
  mark(s, 'value', shared ? 'SharedArrayBuffer backing' : `backing ${t.backing}`, shared ? 1 : 2);
}

// --- option values -----------------------------------------------------------------------------------

/** Values of the wrong type for any option: strings, bigint, null, boxed primitives, objects, functions. */
export function wrongType(r: Rng, not: 'number' | 'boolean' | 'string' | 'object'): unknown {
  const all: unknown[] = [
    '1',
    'true',
    '',
    1,
    0,
    1n,
    null,
    true,
    false,
    obj('number-object'),
    obj('boolean-object'),
    obj('string-object'),
    obj('empty'),
    obj('array'),
    obj('fn'),
    obj('symbol'),
    obj('date'),
    obj('map'),
  ];
  for (;;) {
    const v = pick(r, all);
    if (not === 'number' && typeof v === 'number') continue;
    if (not === 'boolean' && typeof v === 'boolean') continue;
    if (
      not === 'object' &&
      (v === null || (typeof v === 'object' && v !== null && ['empty', 'date', 'map'].includes((v as ObjSpec).what)))
    )
      continue;
    return v;
  }
}

/** An unsafe-integer-or-worse entry for option integers (window sides, lengths). */
export const BAD_INTEGERS: readonly unknown[] = [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 60, '2', 2n, null];

/** scale: rounded to float32; a value that rounds to ±Infinity is refused. Returns [value, expect]. */
export function scaleEdge(r: Rng): [number, Expect] {
  return pick(r, [
    [0, 'value'],
    [-0, 'value'],
    [1e-46, 'value'],
    [1e-40, 'value'],
    [1e-30, 'value'],
    [-2.5, 'value'],
    [3.4e38, 'value'],
    [-3.4e38, 'value'],
    [3.4028234663852886e38, 'value'],
    [3.5e38, 'error'],
    [-3.5e38, 'error'],
    [1e39, 'error'],
    [Number.MAX_VALUE, 'error'],
    [Infinity, 'error'],
    [-Infinity, 'error'],
    [NaN, 'error'],
  ] as [number, Expect][]);
}

/** softcap: 0 is off; positive values round to float32 and must stay normal and finite. */
export function softcapEdge(r: Rng): [number, Expect] {
  return pick(r, [
    [0, 'value'],
    [-0, 'either'],
    [2e-38, 'value'],
    [1.1754943508222875e-38, 'either'],
    [1e-30, 'value'],
    [3.4e38, 'value'],
    [1e30, 'value'],
    [1e-39, 'error'],
    [1e-45, 'error'],
    [1e-46, 'error'],
    [3.5e38, 'error'],
    [1e39, 'error'],
    [Infinity, 'error'],
    [NaN, 'error'],
    [-1, 'error'],
    [-1e-46, 'error'],
  ] as [number, Expect][]);
}

/** Per-head entries (alibiSlopes, sinks): finite after rounding to float32. */
export function perHeadEdge(r: Rng): [number, Expect] {
  return pick(r, [
    [0, 'value'],
    [-0, 'value'],
    [1e-46, 'value'],
    [1e-40, 'value'],
    [3.5e38, 'error'],
    [-3.5e38, 'error'],
    [Infinity, 'error'],
    [-Infinity, 'error'],
    [NaN, 'error'],
  ] as [number, Expect][]);
}
