// One place that words every argument error: "<op>: <arg> must be <expected>, got <actual>".
import { AttnkitRangeError, AttnkitTypeError, ErrorCode, type ErrorCodeValue } from '../errors';

/** A short description of any value for error messages ("Int32Array(12)", "string 'x'", "undefined"). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) {
    const n = (value as unknown as { length?: number }).length;
    return `${value.constructor.name}${n === undefined ? '' : `(${n})`}`;
  }
  if (Array.isArray(value)) return `array [${value.map((x) => (typeof x === 'number' ? String(x) : typeof x)).join(', ')}]`;
  switch (typeof value) {
    case 'string':
      return `string '${value.length > 40 ? value.slice(0, 40) + '…' : value}'`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${String(value)}`;
    case 'object':
      return value.constructor && value.constructor !== Object ? `${value.constructor.name} object` : 'object';
    default:
      return typeof value;
  }
}

export function formatShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
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
