// Every error that reaches a caller carries an ERR_ATTNKIT_* code: what a backend throws after the
// arguments were checked (out of memory, or a bug) is re-thrown as a coded attnkit error.
import { AttnkitRangeError, AttnkitTypeError, ErrorCode } from '../errors';

function isAttnkitError(e: unknown): boolean {
  return (e instanceof AttnkitTypeError || e instanceof AttnkitRangeError) && typeof e.code === 'string';
}

export function codedError(op: string, e: unknown): Error {
  if (isAttnkitError(e)) return e as Error;
  const message = e instanceof Error ? e.message : String(e);
  let err: Error;
  if (/bad_alloc|allocation failed|out of memory/i.test(message))
    err = new AttnkitRangeError(`${op}: out of memory: ${message}`, ErrorCode.RESOURCE);
  else if (e instanceof TypeError) err = new AttnkitTypeError(`${op}: ${message}`, ErrorCode.INTERNAL);
  else err = new AttnkitRangeError(`${op}: ${message}`, ErrorCode.INTERNAL);
  (err as { cause?: unknown }).cause = e;
  return err;
}

/** Runs fn, re-throwing anything uncoded as a coded attnkit error. */
export function withCodedErrors<T>(op: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw codedError(op, e);
  }
}
