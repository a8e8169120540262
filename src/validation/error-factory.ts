// One place that words every argument error: "<op>: <arg> must be <expected>, got <actual>".
import { AttnkitRangeError, AttnkitTypeError, ErrorCode, type ErrorCodeValue } from '../errors';
import { typedArrayKind, typedArrayLength } from './snapshot';

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
      return `string '${value.length > 40 ? value.slice(0, 40) + '…' : value}'`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${String(value)}`;
    case 'object': {
      const ctor = Object.getPrototypeOf(value) === Object.prototype ? undefined : (value as { constructor?: { name?: unknown } }).constructor;
      return ctor && typeof ctor.name === 'string' && ctor.name !== 'Object' ? `${ctor.name} object` : 'object';
    }
    default:
      return typeof value;
  }
}

export function formatShape(shape: readonly unknown[]): string {
  // Entries may be anything a caller passed (a Symbol cannot be joined): numbers and strings as they are.
  return `[${shape.map((x) => (typeof x === 'number' || typeof x === 'string' ? String(x) : typeof x)).join(', ')}]`;
}

export function typeError(op: string, arg: string, expected: string, actual: unknown): AttnkitTypeError {
  return new AttnkitTypeError(`${op}: ${arg} must be ${expected}, got ${describe(actual)}`);
}

export function shapeError(op: string, arg: string, expected: string, got: string): AttnkitRangeError {
  return new AttnkitRangeError(`${op}: ${arg} must be ${expected}, got ${got}`, ErrorCode.SHAPE);
}

export function valueError(op: string, arg: string, expected: string, got: string, code: ErrorCodeValue = ErrorCode.VALUE): AttnkitRangeError {
  return new AttnkitRangeError(`${op}: ${arg} must be ${expected}, got ${got}`, code);
}
