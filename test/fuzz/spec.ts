// The plain description of one fuzzed call: what generate.ts emits and build.ts turns into arguments.
// A spec holds primitives and tagged objects (`kind`) only, so the same (seed, index) always means the
// same call and a failure can be printed and replayed.

/** What the call must do. 'value': return the reference answer. 'error': throw a coded attnkit error.
 * 'either': one of the two. 'nocrash': return anything or throw a coded error (undefined semantics). */
export type Expect = 'value' | 'either' | 'nocrash' | 'error';
const RANK: Record<Expect, number> = { value: 0, either: 1, nocrash: 2, error: 3 };
/** The weaker promise of two: an invalid part makes the whole call invalid. */
export const weaker = (a: Expect, b: Expect): Expect => (RANK[a] >= RANK[b] ? a : b);

export type Op = 'sdpa' | 'sdpaAsync' | 'linear' | 'tensor' | 'mha' | 'selfAttention';
export const OPS: readonly Op[] = ['sdpa', 'sdpaAsync', 'linear', 'tensor', 'mha', 'selfAttention'];

export type Role =
  | 'q'
  | 'k'
  | 'v'
  | 'out'
  | 'weightsOut'
  | 'mask'
  | 'relativeBias'
  | 'x'
  | 'weight'
  | 'bias'
  | 'data'
  | 'keyPaddingMask'
  | 'attnMask'
  | 'key'
  | 'value';
export type Elem = 'f32' | 'u8' | 'f64' | 'i32' | 'u8c' | 'i8' | 'u16' | 'array' | 'dataview' | 'arraybuffer';
export type Backing = 'plain' | 'offset' | 'sab' | 'gsab' | 'rab';
/** normal: N(0,1)·mag. overflow: +1e20 (products overflow float32). bool/additive: mask contents. pad-rows: some rows all 0. */
export type Fill = 'normal' | 'overflow' | 'zero' | 'bool' | 'additive' | 'sentinel' | 'nan' | 'inf' | 'pad-rows';
export type Spoof = 'u8-as-f32' | 'f32-as-u8' | 'lying-length' | 'proxy-data' | 'null-proto' | 'subclass';
export type Wrap =
  | 'frozen'
  | 'extra-key'
  | 'class-instance'
  | 'null-proto-object'
  | 'proxy'
  | 'proto-data'
  | 'pair-array'
  | 'missing-data'
  | 'missing-shape'
  | 'revoked-proxy'
  | 'shape-proxy'
  | 'shape-int32'
  | 'shape-holey'
  | 'shape-extra-prop'
  | 'shape-frozen';

export interface TensorSpec {
  kind: 'tensor';
  role: Role;
  /** The shape as passed; entries may be hostile primitives or ObjSpecs. */
  shape: unknown[];
  /** Logical dims: the layout the oracle reads the data in (equal to shape on valid calls). */
  dims: number[];
  elem: Elem;
  /** Elements allocated. */
  length: number;
  backing: Backing;
  fill: Fill;
  mag?: number;
  /** Bool masks: the share of 1s. */
  density?: number;
  spoof?: Spoof;
  wrap?: Wrap;
  /** Not part of the call (a polluted or later getter value): must never be written or returned. */
  foreign?: boolean;
  /** data is a view into `of`'s buffer: the same view, overlapping it, just after it, or the same memory through a second SharedArrayBuffer. */
  alias?: { of: Role; mode: 'same' | 'overlap' | 'disjoint' | 'twin' };
}

/** Objects that are not tensors: the wrong kind of value for almost any argument. */
export interface ObjSpec {
  kind: 'obj';
  what:
    | 'empty'
    | 'array'
    | 'number-object'
    | 'string-object'
    | 'boolean-object'
    | 'fn'
    | 'symbol'
    | 'date'
    | 'revoked-proxy'
    | 'map';
}

/** A per-head vector (alibiSlopes, sinks) or a list (lengths): values may be hostile. */
export interface ListSpec {
  kind: 'list';
  as: 'f32' | 'f64' | 'array' | 'i32' | 'u8' | 'arraylike' | 'sparse' | 'proxy-array' | 'frozen-array';
  values: unknown[];
}

/** An options object (also window and positional objects): own entries plus how it is wrapped. */
export interface OptionsSpec {
  kind: 'options';
  own: Record<string, unknown>;
  /** Entries put on its prototype instead (Object.create): own-property readers must ignore them. */
  inherit?: Record<string, unknown>;
  container?: 'plain' | 'null-proto' | 'frozen' | 'proxy' | 'class-instance' | 'json-proto';
}

/** Where a getter sits: 'options.scale', 'options.window.left', 'q.data', 'q.shape', 'q.shape[2]', 'ctor.numHeads'. */
export type Path = string;

export type Trap =
  /** Reading `path` throws a plain Error. */
  | { kind: 'getter-throws'; path: Path }
  /** The first read gives the spec's value, later reads `later`. */
  | { kind: 'getter-changes'; path: Path; later: unknown }
  /** The first read gives `first` (invalid), later reads the spec's value. */
  | { kind: 'getter-first'; path: Path; first: unknown }
  /** The first read detaches `victim`'s buffer (structuredClone transfer), then gives the spec's value. */
  | { kind: 'getter-detach'; path: Path; victim: Role }
  /** The first read shrinks `victim`'s resizable buffer to 0 bytes. */
  | { kind: 'getter-resize'; path: Path; victim: Role }
  /** Object.prototype[key] = value (or a throwing getter) during the call; always removed after. */
  | { kind: 'pollute'; key: string; value: unknown; throwing?: boolean }
  /** Async calls: after the call returned its promise, detach (and collect) or shrink `victim`'s buffer. */
  | { kind: 'after-call-detach'; victim: Role; gc: boolean }
  | { kind: 'after-call-resize'; victim: Role };

/** The attention call the oracle computes (first-read values; only read when expect is not 'error'). */
export interface SdpaModel {
  rank: 3 | 4;
  layout: 'bhsd' | 'bshd';
  B: number;
  Hq: number;
  Hkv: number;
  Lq: number;
  Lk: number;
  D: number;
  Dv: number;
  scale?: number;
  causal: boolean;
  topLeft: boolean;
  softcap?: number;
  window?: { left?: number; right?: number };
  alibi?: number[];
  sinks?: number[];
  mask?: 'bool' | 'additive';
  relativeBias?: boolean;
  /** [B] valid key counts per batch entry (keys past them are padding). */
  kvLengths?: number[];
  out: boolean;
  weightsOut: boolean;
  bf16: boolean;
  /** q and k hold +1e20: every score overflows float32, so rows that see a key are NaN (the numeric contract). */
  overflow: boolean;
}

export interface LinearModel {
  rows: number;
  inF: number;
  outF: number;
  bias: boolean;
  out: boolean;
  outShape: number[];
}

export interface TensorModel {
  shape: number[];
}

export interface MhaModel {
  config: {
    embedDim: number;
    numHeads: number;
    numKvHeads: number;
    headDim: number;
    kdim: number;
    vdim: number;
    bias: boolean;
    seed: number;
  };
  /** Skip forward: only the constructor is checked. */
  ctorOnly: boolean;
  B: number;
  Lq: number;
  Lk: number;
  self: boolean;
  causal: boolean;
  padding: boolean;
  needWeights: boolean;
  averageWeights: boolean;
  out: boolean;
  /** Options the float64 reference does not model (positional, window, softcap, sinks): check shape and finiteness only. */
  shapeOnly: boolean;
}

export interface SelfAttnModel {
  B: number;
  L: number;
  E: number;
  scale?: number;
  causal: boolean;
  lengths?: number[];
  paddingValue?: number;
}

export interface CallSpec {
  seed: number;
  index: number;
  op: Op;
  expect: Expect;
  /** Coarse tags of what is hostile (no numbers); the first names the failure group. */
  labels: string[];
  /** Labels of tier 1 and 2 (see mark() in gen-values.ts); generateCall appends them to labels. */
  later?: [string[], string[]];
  /** Positional arguments (for 'mha', forward's). */
  args: unknown[];
  /** 'mha': the constructor's options. */
  ctor?: unknown;
  traps: Trap[];
  sdpa?: SdpaModel;
  linear?: LinearModel;
  tensor?: TensorModel;
  mha?: MhaModel;
  selfAttention?: SelfAttnModel;
}

export const isTagged = (v: unknown): v is TensorSpec | ObjSpec | ListSpec | OptionsSpec =>
  typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string';

/** 2^k, 2^k-1 or 2^k+2 for the huge sizes the generator uses, else undefined. */
function bigPower(v: number): string | undefined {
  const a = Math.abs(v);
  if (a < 2 ** 30 || !Number.isFinite(a)) return undefined;
  const sign = v < 0 ? '-' : '';
  for (const [d, suffix] of [
    [0, ''],
    [1, '-1'],
    [-2, '+2'],
  ] as const) {
    const k = Math.log2(a + d);
    if (Number.isInteger(k) && a + d === 2 ** k) return `${sign}2^${k}${suffix}`;
  }
  return undefined;
}

/** One line per value, for failure reports. */
export function fmt(v: unknown, depth = 0): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : (bigPower(v) ?? String(v));
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined || v === null || typeof v === 'boolean') return String(v);
  if (!isTagged(v) || depth > 4) return '?';
  switch (v.kind) {
    case 'tensor': {
      const extra = [
        v.elem !== 'f32' ? v.elem : '',
        v.backing !== 'plain' ? v.backing : '',
        v.fill !== 'normal' ? v.fill : '',
        v.spoof ?? '',
        v.wrap ?? '',
        v.alias ? `alias ${v.alias.mode} ${v.alias.of}` : '',
      ].filter(Boolean);
      const len = v.length !== v.dims.reduce((a, b) => a * b, 1) ? ` len ${v.length}` : '';
      return `T[${v.shape.map((x) => fmt(x, depth + 1)).join(',')}]${len}${extra.length ? `{${extra.join(' ')}}` : ''}`;
    }
    case 'obj':
      return `<${v.what}>`;
    case 'list':
      return `${v.as}(${v.values.map((x) => fmt(x, depth + 1)).join(',')})`;
    case 'options': {
      const own = Object.entries(v.own).map(([k, x]) => `${k}: ${fmt(x, depth + 1)}`);
      const inh = Object.entries(v.inherit ?? {}).map(([k, x]) => `^${k}: ${fmt(x, depth + 1)}`);
      return `${v.container && v.container !== 'plain' ? v.container : ''}{${[...own, ...inh].join(', ')}}`;
    }
  }
}

/** One trap, as describeCall prints it (the switch covers every Trap kind). */
function describeTrap(t: Trap): string {
  switch (t.kind) {
    case 'getter-throws':
      return `${t.path} throws`;
    case 'getter-changes':
      return `${t.path} then ${fmt(t.later)}`;
    case 'getter-first':
      return `${t.path} first ${fmt(t.first)}`;
    case 'getter-detach':
    case 'getter-resize':
      return `${t.path} ${t.kind === 'getter-detach' ? 'detaches' : 'shrinks'} ${t.victim}`;
    case 'pollute':
      return `Object.prototype.${t.key} = ${t.throwing ? '<throwing getter>' : fmt(t.value)}`;
    case 'after-call-detach':
      return `after the call: detach ${t.victim}${t.gc ? ' + gc' : ''}`;
    case 'after-call-resize':
      return `after the call: shrink ${t.victim}`;
  }
}

export function describeCall(s: CallSpec): string {
  const traps = s.traps.map(describeTrap);
  const ctor = s.ctor !== undefined ? ` ctor ${fmt(s.ctor)}` : '';
  return `${s.op}(${s.args.map((a) => fmt(a)).join(', ')})${ctor}${traps.length ? ` traps [${traps.join('; ')}]` : ''} expect ${s.expect}`;
}
