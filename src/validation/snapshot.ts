// Reads what a caller passes exactly once, before any check: option bags by their own properties only
// (a polluted Object.prototype or an options prototype is never obeyed), tensor fields once each,
// shapes copied element by element, and typed arrays through the engine's own getters, so a subclass,
// a swapped prototype or a Proxy cannot lie about a buffer's kind or length. Every later check and the
// kernels see only the copies, so a getter that changes its answer, or one that throws, cannot reach them.
import { AttnkitRangeError, AttnkitTypeError, ErrorCode } from '../errors';
import { shapeError, typeError, unknownKeyError } from './error-factory';
import { clip } from './quote';

type Getter = (this: unknown) => unknown;

const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
function intrinsicGetter(key: PropertyKey): Getter {
  return Object.getOwnPropertyDescriptor(typedArrayPrototype, key)!.get as Getter;
}
const kindOf = intrinsicGetter(Symbol.toStringTag);
const lengthOf = intrinsicGetter('length');
const byteOffsetOf = intrinsicGetter('byteOffset');
const bufferOf = intrinsicGetter('buffer');

/** The longest shape accepted anywhere: bounds the copy of a Proxy that claims a huge length. */
export const MAX_RANK = 32;
/** How far a tensor's prototype chain is followed for `data` and `shape` (class instances, not Proxy loops). */
const MAX_PROTOTYPE_DEPTH = 16;

/** What a caller's getter threw, for a message: its text, clipped. */
function errorText(e: unknown): string {
  try {
    return clip(e instanceof Error ? e.message : String(e));
  } catch {
    return 'an unreadable error';
  }
}

/** A caller's getter or Proxy trap threw while its value was read. */
function unreadable(op: string, arg: string, e: unknown): AttnkitTypeError {
  const err = new AttnkitTypeError(`${op}: ${clip(arg)} could not be read: ${errorText(e)}`);
  (err as { cause?: unknown }).cause = e;
  return err;
}

/** The internal kind of a typed array ('Float32Array', 'Uint8Array', ...), or undefined for anything else. */
export function typedArrayKind(value: unknown): string | undefined {
  return kindOf.call(value) as string | undefined;
}

/** The element count a typed array really has (0 once its buffer is detached), whatever `length` says. */
export function typedArrayLength(value: ArrayBufferView): number {
  return lengthOf.call(value) as number;
}

const VIEW_TYPES = { Float32Array, Float64Array, Uint8Array, Uint16Array };

/**
 * A plain typed array of the same kind over the same memory as `value` (zero-copy), built from the
 * engine's getters. Kernels only ever see such views: no user-defined method or getter runs inside them.
 */
export function plainView<T extends Float32Array | Float64Array | Uint8Array | Uint16Array>(
  op: string,
  arg: string,
  value: T,
): T {
  const buffer = bufferOf.call(value) as ArrayBufferLike;
  const length = lengthOf.call(value) as number;
  const byteOffset = byteOffsetOf.call(value) as number;
  const Ctor = VIEW_TYPES[typedArrayKind(value) as keyof typeof VIEW_TYPES] as unknown as new (
    b: ArrayBufferLike,
    o: number,
    n: number,
  ) => T;
  try {
    return new Ctor(buffer, byteOffset, length);
  } catch (e) {
    throw new AttnkitTypeError(
      `${op}: ${arg} is a view of a detached ArrayBuffer (transferred, or resized below the view): ${errorText(e)}`,
    );
  }
}

/** obj[key] if obj has it as an own property (a getter is called once), else undefined. */
export function readOwn(op: string, arg: string, obj: object, key: string): unknown {
  try {
    const d = Object.getOwnPropertyDescriptor(obj, key);
    if (d === undefined) return undefined;
    return d.get ? d.get.call(obj) : d.value;
  } catch (e) {
    throw unreadable(op, arg, e);
  }
}

/**
 * obj[key] read once from obj or its prototypes, stopping before Object.prototype, so class
 * instances with `data`/`shape` getters work and a polluted Object.prototype does not.
 */
export function readField(op: string, arg: string, obj: object, key: string): unknown {
  try {
    let o: object | null = obj;
    for (let depth = 0; o !== null && o !== Object.prototype && depth < MAX_PROTOTYPE_DEPTH; depth++) {
      const d = Object.getOwnPropertyDescriptor(o, key);
      if (d !== undefined) return d.get ? d.get.call(obj) : d.value;
      o = Object.getPrototypeOf(o) as object | null;
    }
    return undefined;
  } catch (e) {
    throw unreadable(op, arg, e);
  }
}

/** Whether value is an array (a Proxy of one included); a revoked Proxy is an unreadable argument. */
export function isArray(op: string, arg: string, value: unknown): value is unknown[] {
  try {
    return Array.isArray(value);
  } catch (e) {
    throw unreadable(op, arg, e);
  }
}

/** A copy of an array-like's elements, each read once; refuses lengths above maxLength before reading. */
export function copyArray(op: string, arg: string, value: object, maxLength: number, what: string): unknown[] {
  const length = readOwn(op, `${arg}.length`, value, 'length');
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0)
    throw new AttnkitTypeError(`${op}: ${arg} must be ${what}, got an object with length ${String(length)}`);
  if (length > maxLength)
    throw new AttnkitRangeError(
      `${op}: ${arg} must be ${what} of at most ${maxLength} entries, got length ${length}`,
      ErrorCode.SHAPE,
    );
  const copy: unknown[] = [];
  for (let i = 0; i < length; i++) copy.push(readOwn(op, `${arg}[${i}]`, value, String(i)));
  return copy;
}

/**
 * The entries of a list option, each read once: a typed array of one of `kinds` (indexing a real typed
 * array runs no user code) or an array (a Proxy of one included), copied entry by entry. Checks the
 * container (`expected` names it) and the length: n `items`, `each` saying whose.
 */
export function readList(
  op: string,
  arg: string,
  value: unknown,
  kinds: readonly string[],
  expected: string,
  n: number,
  items: string,
  each: string,
): ArrayLike<unknown> {
  const isTyped = kinds.includes(typedArrayKind(value) ?? '');
  if (!isTyped && (typeof value !== 'object' || value === null || !isArray(op, arg, value)))
    throw typeError(op, arg, expected, value);
  const length = isTyped
    ? typedArrayLength(value as ArrayBufferView)
    : readOwn(op, `${arg}.length`, value as object, 'length');
  if (length !== n) throw shapeError(op, arg, `${each}: length ${n}`, `length ${String(length)}`);
  return isTyped ? (value as ArrayLike<number>) : copyArray(op, arg, value as object, n, `an array of ${n} ${items}`);
}

/**
 * The own properties of an options bag named in `known`, read once into a plain object with no
 * prototype. Unknown own keys are refused by name; undefined means "not given".
 */
export function snapshotOptions(
  op: string,
  options: unknown,
  known: readonly string[],
  arg = 'options',
): Record<string, unknown> {
  const snap = Object.create(null) as Record<string, unknown>;
  if (options === undefined) return snap;
  if (typeof options !== 'object' || options === null || isArray(op, arg, options))
    throw typeError(op, arg, 'an object', options);
  let keys: string[];
  try {
    keys = Object.keys(options);
  } catch (e) {
    throw unreadable(op, arg, e);
  }
  for (const key of keys) if (!known.includes(key)) throw unknownKeyError(op, `${arg}.${key}`, key, known);
  for (const key of known) {
    const value = readOwn(op, `${arg}.${key}`, options, key);
    if (value !== undefined) snap[key] = value;
  }
  return snap;
}

/**
 * After every caller getter has run: each view still has the length it was checked with. A getter
 * read late (a tensor's `shape`, say) can detach or shrink a buffer whose view was taken earlier.
 */
export function checkStillAttached(
  op: string,
  views: readonly [arg: string, view: ArrayBufferView | null | undefined, length: number][],
): void {
  for (const [arg, view, length] of views)
    if (view && typedArrayLength(view) !== length)
      throw new AttnkitTypeError(`${op}: ${arg} was detached or shrunk while the arguments were read`);
}
