// Turns a call description into real arguments: typed arrays on plain, shared, resizable or aliased
// buffers, spoofed and wrapped tensors, getters, polluted prototypes. It never reads through a trapped
// object itself: the oracle gets copies made here, before the call.
import type { Rng } from '../../src/util/rng';
import { callRng } from './generate';
import {
  isTagged,
  type CallSpec,
  type Elem,
  type ListSpec,
  type ObjSpec,
  type OptionsSpec,
  type Role,
  type TensorSpec,
  type Trap,
} from './spec';

type Typed = Float32Array | Uint8Array | Float64Array | Int32Array | Uint8ClampedArray | Int8Array | Uint16Array;
type TypedCtor = {
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): Typed;
  BYTES_PER_ELEMENT: number;
};

const CTORS: Record<Elem, TypedCtor> = {
  f32: Float32Array,
  u8: Uint8Array,
  f64: Float64Array,
  i32: Int32Array,
  u8c: Uint8ClampedArray,
  i8: Int8Array,
  u16: Uint16Array,
  array: Float32Array,
  dataview: Float32Array,
  arraybuffer: Float32Array,
};

export interface ForeignRecord {
  obj: unknown;
  raw: Typed;
  copy: Typed;
}

export interface Built {
  args: unknown[];
  ctor?: unknown;
  /** Per role, the contents the call means (copied before the call): Float32Array or, for a bool mask, Uint8Array. */
  data: Partial<Record<Role, Float32Array | Uint8Array>>;
  /** Per role, the logical dims of that data. */
  dims: Partial<Record<Role, number[]>>;
  /** Per role, the real typed array (before any spoofing wrapper). */
  views: Partial<Record<Role, Typed>>;
  /** Per role, data and shape as built, before the tensor object's wrapper (tensor() takes them apart). */
  parts: Partial<Record<Role, { data: unknown; shape: unknown }>>;
  /** Views on an 'offset' backing: the bytes around them must keep their 0x7f fill. */
  guarded: Typed[];
  /** Per role, the tensor object as passed (for "returned as is" checks). */
  objects: Partial<Record<Role, unknown>>;
  /** Roles whose buffer a trap may detach or shrink, or that share memory with an output. */
  unstable: Set<Role>;
  /** Values that are not part of the call: never to be returned or written. */
  foreign: ForeignRecord[];
  /** Installs the polluted prototype; returns the function that removes it. */
  arm(): () => void;
  /** Async traps, run right after the call returned its promise. */
  afterCall(): void;
}

function fillValues(t: TensorSpec, r: Rng, n: number): Float64Array {
  const v = new Float64Array(n);
  const mag = t.mag ?? 1;
  const E = Math.max(1, t.dims[t.dims.length - 1] ?? 1);
  let padRow = false;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    switch (t.fill) {
      case 'normal':
        v[i] = r.normal() * mag;
        break;
      case 'overflow':
        v[i] = 1e20;
        break;
      case 'zero':
        v[i] = 0;
        break;
      case 'bool':
        v[i] = u < (t.density ?? 0.7) ? 1 : 0;
        break;
      case 'additive':
        v[i] = u < 0.15 ? -Infinity : (u - 0.5) * 4;
        break;
      case 'sentinel':
        v[i] = i % 2 ? NaN : 7.25;
        break;
      case 'nan':
        v[i] = u < 0.3 || i === 0 ? NaN : r.normal();
        break;
      case 'inf':
        v[i] = u < 0.15 || i === 0 ? Infinity : u < 0.3 ? -Infinity : r.normal();
        break;
      case 'pad-rows':
        if (i % E === 0) padRow = u < 0.3;
        v[i] = padRow ? 0 : r.normal();
        break;
    }
  }
  return v;
}

function buildObj(o: ObjSpec): unknown {
  switch (o.what) {
    case 'empty':
      return {};
    case 'array':
      return [1];
    case 'number-object':
      return new Number(2);
    case 'string-object':
      return new String('2');
    case 'boolean-object':
      return new Boolean(true);
    case 'fn':
      return () => 2;
    case 'symbol':
      return Symbol('fuzz');
    case 'date':
      return new Date(0);
    case 'map':
      return new Map();
    case 'revoked-proxy': {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    }
  }
}

function buildList(l: ListSpec, build: (v: unknown) => unknown): unknown {
  const values = l.values.map(build);
  const nums = values.map((x) => (typeof x === 'number' ? x : NaN));
  switch (l.as) {
    case 'f32':
      return Float32Array.from(nums);
    case 'f64':
      return Float64Array.from(nums);
    case 'i32':
      return Int32Array.from(nums);
    case 'u8':
      return Uint8Array.from(nums);
    case 'arraylike':
      return Object.assign({ length: values.length }, values);
    case 'sparse': {
      const a = values.slice();
      if (a.length) delete a[0];
      return a;
    }
    case 'proxy-array':
      return new Proxy(values, {});
    case 'frozen-array':
      return Object.freeze(values);
    default:
      return values;
  }
}

/** Every tensor spec reachable from the call, in argument order. */
function collectTensors(v: unknown, out: TensorSpec[]): void {
  if (!isTagged(v)) {
    if (Array.isArray(v)) for (const x of v) collectTensors(x, out);
    return;
  }
  if (v.kind === 'tensor') {
    if (!out.includes(v)) out.push(v);
  } else if (v.kind === 'options') {
    for (const x of Object.values(v.own)) collectTensors(x, out);
    for (const x of Object.values(v.inherit ?? {})) collectTensors(x, out);
  } else if (v.kind === 'list') for (const x of v.values) collectTensors(x, out);
}

/** A copy of a value whose tensors are all marked foreign. */
function asForeign(v: unknown): unknown {
  if (!isTagged(v)) return v;
  if (v.kind === 'tensor') return { ...v, foreign: true, alias: undefined };
  if (v.kind === 'options')
    return { ...v, own: Object.fromEntries(Object.entries(v.own).map(([k, x]) => [k, asForeign(x)])) };
  return v;
}

interface Placement {
  buffer: ArrayBufferLike;
  byteOffset: number;
  same?: TensorSpec;
}

export function build(spec: CallSpec): Built {
  const r = callRng(spec.seed, spec.index, 1);
  const built: Built = {
    args: [],
    data: {},
    dims: {},
    views: {},
    parts: {},
    guarded: [],
    objects: {},
    unstable: new Set(),
    foreign: [],
    arm: () => () => {},
    afterCall: () => {},
  };
  const raws = new Map<TensorSpec, Typed>();
  const memo = new Map<object, unknown>();
  const getters = spec.traps.filter((t) => t.kind.startsWith('getter'));

  // Aliased outputs: the victim and its alias live in one host buffer.
  const specs: TensorSpec[] = [];
  collectTensors([spec.args, spec.ctor], specs);
  const placements = new Map<TensorSpec, Placement>();
  const bytesOf = (t: TensorSpec) => allocLength(t) * CTORS[t.elem].BYTES_PER_ELEMENT;
  for (const a of specs) {
    const victim = a.alias && specs.find((t) => t.role === a.alias!.of && t !== a && !t.foreign);
    if (!a.alias || !victim) continue;
    if (a.alias.mode !== 'disjoint') built.unstable.add(victim.role).add(a.role);
    const vb = bytesOf(victim);
    const size = vb + bytesOf(a) + 16;
    const host = a.alias.mode === 'twin' ? new SharedArrayBuffer(size) : new ArrayBuffer(size);
    placements.set(victim, { buffer: host, byteOffset: 0 });
    const overlapAt = 4 * Math.floor(r.uniform() * Math.ceil(vb / 4));
    if (a.alias.mode === 'same') placements.set(a, { buffer: host, byteOffset: 0, same: victim });
    else if (a.alias.mode === 'overlap') placements.set(a, { buffer: host, byteOffset: overlapAt });
    else if (a.alias.mode === 'disjoint') placements.set(a, { buffer: host, byteOffset: Math.ceil(vb / 4) * 4 });
    else placements.set(a, { buffer: structuredClone(host as SharedArrayBuffer), byteOffset: overlapAt });
  }
  const ordered = [...specs.filter((t) => !t.alias), ...specs.filter((t) => t.alias)];
  for (const t of ordered) raws.set(t, makeRaw(t, r, placements.get(t), raws));

  const build1 = (v: unknown, path: string): unknown => {
    if (!isTagged(v)) return v;
    if (memo.has(v)) return memo.get(v);
    let out: unknown;
    if (v.kind === 'obj') out = buildObj(v);
    else if (v.kind === 'list') out = buildList(v, (x) => build1(x, 'list'));
    else if (v.kind === 'options') out = buildOptions(v, path);
    else out = buildTensor(v);
    memo.set(v, out);
    return out;
  };

  const detach = (role: Role) => {
    const view = built.views[role];
    const buf = view && bufferOf(view);
    if (!buf || buf instanceof SharedArrayBuffer) return undefined;
    try {
      return structuredClone(buf, { transfer: [buf] });
    } catch {
      return undefined; // already detached
    }
  };
  const shrink = (role: Role) => {
    const view = built.views[role];
    const buf = view && (bufferOf(view) as ArrayBuffer & { resizable?: boolean; resize?: (n: number) => void });
    if (buf?.resizable && buf.byteLength > 0) buf.resize!(0);
  };

  /** Values outside the call (getters' other values, polluted or inherited keys) are built as foreign. */
  const valueFor = (v: unknown, path = ''): unknown => {
    const f = asForeign(v);
    const built1 = build1(f, 'foreign');
    return path.endsWith('.data') && isTagged(f) && f.kind === 'tensor' ? raws.get(f) : built1;
  };

  /** Defines obj[key] (plain or through the getter trap at `path`). */
  const put = (obj: object, key: string | number, value: unknown, path: string): void => {
    const trap = getters.find((t) => 'path' in t && t.path === path) as
      | Exclude<Trap, { kind: 'pollute' | 'after-call-detach' | 'after-call-resize' }>
      | undefined;
    if (!trap) {
      Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      return;
    }
    if (trap.kind === 'getter-detach' || trap.kind === 'getter-resize') built.unstable.add(trap.victim);
    const other =
      trap.kind === 'getter-changes'
        ? valueFor(trap.later, path)
        : trap.kind === 'getter-first'
          ? valueFor(trap.first, path)
          : undefined;
    let reads = 0;
    Object.defineProperty(obj, key, {
      enumerable: true,
      configurable: true,
      get() {
        reads++;
        switch (trap.kind) {
          case 'getter-throws':
            throw new Error(`fuzz: reading ${path} throws`);
          case 'getter-changes':
            return reads === 1 ? value : other;
          case 'getter-first':
            return reads === 1 ? other : value;
          case 'getter-detach':
            if (reads === 1) detach(trap.victim);
            return value;
          case 'getter-resize':
            if (reads === 1) shrink(trap.victim);
            return value;
        }
      },
    });
  };

  function buildTensor(t: TensorSpec): unknown {
    let raw = raws.get(t);
    if (!raw) {
      raw = makeRaw(t, r, undefined, raws);
      raws.set(t, raw);
    }
    const logical = t.elem === 'u8' ? Uint8Array.from(raw as Uint8Array) : Float32Array.from(raw as ArrayLike<number>);
    let data: unknown = raw;
    if (t.spoof === 'u8-as-f32') Object.setPrototypeOf(raw, Float32Array.prototype);
    else if (t.spoof === 'f32-as-u8') Object.setPrototypeOf(raw, Uint8Array.prototype);
    else if (t.spoof === 'null-proto') Object.setPrototypeOf(raw, null);
    else if (t.spoof === 'proxy-data') data = new Proxy(raw, {});
    if (t.elem === 'array') data = Array.from(logical);
    else if (t.elem === 'dataview') data = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    else if (t.elem === 'arraybuffer') data = raw.buffer;

    const role = t.role;
    const path = t.foreign ? 'foreign' : role;
    let shape: unknown = [];
    const dims = t.shape.map((d) => build1(d, 'dim'));
    for (let i = 0; i < dims.length; i++) put(shape as unknown[], i, dims[i], `${path}.shape[${i}]`);
    if (t.wrap === 'shape-proxy') shape = new Proxy(shape as unknown[], {});
    else if (
      t.wrap === 'shape-int32' &&
      dims.every((d) => d === ((d as number) | 0)) &&
      !getters.some((g) => 'path' in g && g.path.startsWith(`${path}.shape[`))
    )
      shape = Int32Array.from(dims as number[]);
    else if (t.wrap === 'shape-holey' && dims.length)
      delete (shape as unknown[])[Math.floor(r.uniform() * dims.length)];
    else if (t.wrap === 'shape-extra-prop') Object.assign(shape as object, { name: role });
    else if (t.wrap === 'shape-frozen') Object.freeze(shape);

    if (!t.foreign)
      built.parts[role] = {
        data: t.wrap === 'missing-data' ? undefined : data,
        shape: t.wrap === 'missing-shape' ? undefined : shape,
      };
    if (t.backing === 'offset' && !placements.has(t)) built.guarded.push(raw);
    let obj: object = {};
    if (t.wrap === 'pair-array') obj = [data, shape];
    else {
      if (t.wrap !== 'missing-data') put(obj, 'data', data, `${path}.data`);
      if (t.wrap !== 'missing-shape') put(obj, 'shape', shape, `${path}.shape`);
      if (t.wrap === 'frozen') obj = Object.freeze(obj);
      else if (t.wrap === 'extra-key') Object.assign(obj, { dtype: 'float32', name: role });
      else if (t.wrap === 'class-instance') Object.setPrototypeOf(obj, class TensorLike {}.prototype);
      else if (t.wrap === 'null-proto-object') Object.setPrototypeOf(obj, null);
      else if (t.wrap === 'proxy') obj = new Proxy(obj, {});
      else if (t.wrap === 'proto-data') obj = Object.create(obj);
      else if (t.wrap === 'revoked-proxy') {
        const p = Proxy.revocable(obj, {});
        p.revoke();
        obj = p.proxy;
      }
    }
    if (t.foreign) {
      built.foreign.push({ obj, raw, copy: raw.slice() });
    } else {
      built.data[role] = logical;
      built.dims[role] = t.dims;
      built.views[role] = raw;
      built.objects[role] = obj;
    }
    return obj;
  }

  function buildOptions(o: OptionsSpec, path: string): unknown {
    const proto = o.inherit
      ? (valueFor({ kind: 'options', own: o.inherit } as OptionsSpec) as object)
      : o.container === 'null-proto'
        ? null
        : Object.prototype;
    const obj: Record<string, unknown> = Object.create(proto);
    for (const [key, v] of Object.entries(o.own)) {
      const child = isTagged(v) && v.kind === 'tensor' ? v.role : `${path}.${key}`;
      put(obj, key, build1(v, isTagged(v) && v.kind === 'options' ? `${path}.${key}` : child), `${path}.${key}`);
    }
    if (o.container === 'json-proto')
      Object.defineProperty(obj, '__proto__', {
        value: { causal: true },
        enumerable: true,
        writable: true,
        configurable: true,
      });
    if (o.container === 'class-instance') Object.setPrototypeOf(obj, class Options {}.prototype);
    if (o.container === 'frozen') return Object.freeze(obj);
    if (o.container === 'proxy') return new Proxy(obj, {});
    return obj;
  }

  built.args = spec.args.map((a, i) =>
    build1(a, spec.op === 'selfAttention' && i === 1 ? 'options' : i === 3 ? 'options' : `arg${i}`),
  );
  if (spec.ctor !== undefined) built.ctor = build1(spec.ctor, 'ctor');
  const pollution = spec.traps.filter((t): t is Extract<Trap, { kind: 'pollute' }> => t.kind === 'pollute');
  const pollutionValues = pollution.map((t) => (t.throwing ? undefined : valueFor(t.value)));
  built.arm = () => {
    const installed: string[] = [];
    pollution.forEach((t, i) => {
      if (Object.hasOwn(Object.prototype, t.key)) return;
      const desc: PropertyDescriptor = t.throwing
        ? {
            get: () => {
              throw new Error(`fuzz: polluted Object.prototype.${t.key} was read`);
            },
            enumerable: true,
            configurable: true,
          }
        : { value: pollutionValues[i], enumerable: true, writable: true, configurable: true };
      Object.defineProperty(Object.prototype, t.key, desc);
      installed.push(t.key);
    });
    return () => {
      for (const key of installed) delete (Object.prototype as Record<string, unknown>)[key];
    };
  };
  built.afterCall = () => {
    for (const t of spec.traps) {
      if (t.kind === 'after-call-detach') {
        built.unstable.add(t.victim);
        detach(t.victim); // the copy is dropped at once: with gc it is freed while the call may still run
        // A scavenge is enough to free the detached copy's backing store, and far cheaper than a full gc.
        if (t.gc) (globalThis as { gc?: (o: object) => void }).gc?.({ type: 'minor', execution: 'sync' });
      } else if (t.kind === 'after-call-resize') {
        built.unstable.add(t.victim);
        shrink(t.victim);
      }
    }
  };
  return built;
}

// The intrinsic accessors: they work on views whose prototype was changed or removed.
const TA_PROTO = Object.getPrototypeOf(Uint8Array.prototype) as object;
const TA_BUFFER = Object.getOwnPropertyDescriptor(TA_PROTO, 'buffer')!.get!;
const TA_LENGTH = Object.getOwnPropertyDescriptor(TA_PROTO, 'length')!.get!;
export const bufferOf = (view: ArrayBufferView): ArrayBufferLike => TA_BUFFER.call(view) as ArrayBufferLike;
/** The real element count (0 once detached or shrunk away). */
export const lengthOf = (view: ArrayBufferView): number => TA_LENGTH.call(view) as number;

const MAX_ALLOC = 1 << 16;
/** Tensors of huge hostile shapes get a token length: those calls must be refused anyway. */
const allocLength = (t: TensorSpec): number => (t.length > MAX_ALLOC ? 8 : t.length);
const placementIsDisjoint = (t: TensorSpec): boolean => !t.alias || t.alias.mode === 'disjoint';

/** The typed array of one tensor: its backing, its placement when aliased, its contents. */
function makeRaw(t: TensorSpec, r: Rng, at: Placement | undefined, raws: Map<TensorSpec, Typed>): Typed {
  if (at?.same) return raws.get(at.same)!;
  const Base = CTORS[t.elem];
  let Ctor: TypedCtor = Base;
  if (t.spoof === 'lying-length') {
    const claimed = t.dims.reduce((a, b) => a * b, 1);
    Ctor = class extends (Base as unknown as Float32ArrayConstructor) {
      get length() {
        return claimed;
      }
    } as unknown as TypedCtor;
  } else if (t.spoof === 'subclass')
    Ctor = class extends (Base as unknown as Float32ArrayConstructor) {} as unknown as TypedCtor;
  const n = allocLength(t);
  const bytes = n * Base.BYTES_PER_ELEMENT;
  let raw: Typed;
  if (at) raw = new Ctor(at.buffer, at.byteOffset, n);
  else if (t.backing === 'sab') raw = new Ctor(new SharedArrayBuffer(bytes));
  else if (t.backing === 'gsab')
    raw = new Ctor(
      new (SharedArrayBuffer as unknown as new (n: number, o: object) => SharedArrayBuffer)(bytes, {
        maxByteLength: bytes + 64,
      }),
    );
  else if (t.backing === 'rab')
    raw = new Ctor(
      new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer)(bytes, { maxByteLength: bytes + 64 }),
    );
  else if (t.backing === 'offset') {
    // Bytes around the view hold 0x7f7f7f7f (3.4e38): a read outside the view shows in the result.
    const buf = new ArrayBuffer(bytes + 4 * Base.BYTES_PER_ELEMENT + 8);
    new Uint8Array(buf).fill(0x7f);
    raw = new Ctor(buf, 2 * Base.BYTES_PER_ELEMENT, n);
  } else raw = new Ctor(new ArrayBuffer(bytes));
  // An output placed over its victim starts with the victim's contents (filling it would change the input).
  if (at && !placementIsDisjoint(t)) return raw;
  const v = fillValues(t, r, n);
  for (let i = 0; i < n; i++) (raw as Float32Array)[i] = v[i];
  return raw;
}
