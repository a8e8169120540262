// Small argument checks shared by the positional encodings (errors via the one error factory).
import { typeError, valueError } from '../validation/error-factory';
import { snapshotOptions } from '../validation/snapshot';

/** A non-negative (or positive) safe integer, else TypeError (not a number) / RangeError (out of range). */
export function checkInt(op: string, arg: string, value: unknown, min = 0): number {
  if (typeof value !== 'number') throw typeError(op, arg, `an integer >= ${min}`, value);
  if (!Number.isSafeInteger(value) || value < min) throw valueError(op, arg, `an integer >= ${min}`, String(value));
  return value;
}

/** A finite number > 0 (a frequency base, a maximum distance). */
export function checkPositive(op: string, arg: string, value: unknown): number {
  if (typeof value !== 'number') throw typeError(op, arg, 'a finite number > 0', value);
  if (!Number.isFinite(value) || value <= 0) throw valueError(op, arg, 'a finite number > 0', String(value));
  return value;
}

/** An options bag with only known keys; `arg` names it in errors ('options' unless nested). */
export function checkOptionsBag<T>(op: string, value: unknown, known: readonly string[], arg = 'options'): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw typeError(op, arg, 'an object', value);
  return snapshotOptions(op, value, known, arg) as Partial<T>;
}

/**
 * A bias's `options.alignment`, as the shift p − i of query i's position: Lk − Lq for 'bottom-right'
 * (the default), 0 for 'top-left'. TypeError when not a string, RangeError for another string.
 */
export function alignmentShift(op: string, alignment: unknown, lenQ: number, lenK: number): number {
  if (alignment === undefined || alignment === 'bottom-right') return lenK - lenQ;
  if (alignment === 'top-left') return 0;
  if (typeof alignment !== 'string')
    throw typeError(op, 'options.alignment', "'bottom-right' or 'top-left'", alignment);
  throw valueError(op, 'options.alignment', "'bottom-right' or 'top-left'", `'${alignment}'`);
}
