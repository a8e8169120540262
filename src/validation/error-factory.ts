// One place that words every argument error: "<op>: <arg> must be <expected>, got <actual>".
import { AttnkitRangeError, AttnkitTypeError, ErrorCode, type ErrorCodeValue } from '../errors';
import { clip, quote } from './quote';
import { typedArrayKind, typedArrayLength } from './snapshot';
import { didYouMean } from './suggest';

/** The longest `got` part of a message: a described value or a shape, never a whole caller array. */
const MAX_GOT = 240;

/**
 * A short description of any value for error messages ("Int32Array(12)", "string 'x'", "undefined").
 * Never throws: a getter or Proxy trap that throws while it is described gives 'an unreadable value'.
 */
export function describe(value: unknown): string {
  try {
    return describeUnsafe(value);
  } catch {
    return 'an unreadable value';
  }
}

function describeUnsafe(value: unknown): string {
  if (value === null) return 'null';
  const kind = typedArrayKind(value);
  if (kind !== undefined) return `${kind}(${typedArrayLength(value as ArrayBufferView)})`;
  if (ArrayBuffer.isView(value)) return 'DataView';
  if (Array.isArray(value)) {
    const shown = value.slice(0, 8).map((x) => (typeof x === 'number' ? String(x) : typeof x));
    return `array [${shown.join(', ')}${value.length > 8 ? ', …' : ''}]`;
  }
  switch (typeof value) {
    case 'string':
      return `string ${quote(value, 40)}`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${String(value)}`;
    case 'object': {
      const ctor =
        Object.getPrototypeOf(value) === Object.prototype
          ? undefined
          : (value as { constructor?: { name?: unknown } }).constructor;
      return ctor && typeof ctor.name === 'string' && ctor.name !== 'Object' ? `${ctor.name} object` : 'object';
    }
    default:
      return typeof value;
  }
}

export function formatShape(shape: readonly unknown[]): string {
  // Entries may be anything a caller passed (a Symbol cannot be joined): numbers as they are, strings clipped.
  return `[${shape.map((x) => (typeof x === 'number' ? String(x) : typeof x === 'string' ? clip(x, 16) : typeof x)).join(', ')}]`;
}

/** "<op>: <arg> must be <expected>, got <got>", with the parts that may hold caller text (arg, got) clipped. */
export function mustBe(op: string, arg: string, expected: string, got: string): string {
  return `${op}: ${clip(arg)} must be ${expected}, got ${clip(got, MAX_GOT)}`;
}

export function typeError(op: string, arg: string, expected: string, actual: unknown): AttnkitTypeError {
  return new AttnkitTypeError(mustBe(op, arg, expected, describe(actual)));
}

export function shapeError(op: string, arg: string, expected: string, got: string): AttnkitRangeError {
  return new AttnkitRangeError(mustBe(op, arg, expected, got), ErrorCode.SHAPE);
}

export function valueError(
  op: string,
  arg: string,
  expected: string,
  got: string,
  code: ErrorCodeValue = ErrorCode.VALUE,
): AttnkitRangeError {
  return new AttnkitRangeError(mustBe(op, arg, expected, got), code);
}

/**
 * A key (an option, a state-dict name) that is not one of `known`: refused by name, with the closest
 * known name when it looks like a typo ("…, got string 'casual'; did you mean 'causal'?").
 */
export function unknownKeyError(
  op: string,
  arg: string,
  key: string,
  known: readonly string[],
  listName = 'the known options',
): AttnkitTypeError {
  return new AttnkitTypeError(
    mustBe(op, arg, `one of ${listName} (${known.join(', ')})`, `string ${quote(key, 40)}${didYouMean(key, known)}`),
  );
}
