/**
 * Typed errors. Like Node's own ERR_INVALID_ARG_TYPE, each is a TypeError or RangeError
 * subclass with a stable `code`, so callers can branch on `err.code` and tests can match it.
 */
export const ErrorCode = {
  /** An argument has the wrong type (not a Float32Array, a mask of another type, ...). */
  TYPE: 'ERR_ATTNKIT_TYPE',
  /** A shape or length does not match what the operation needs. */
  SHAPE: 'ERR_ATTNKIT_SHAPE',
  /** A scalar option is out of range (scale not finite, unknown layout, ...). */
  VALUE: 'ERR_ATTNKIT_VALUE',
  /** An output buffer shares memory with an input. */
  OVERLAP: 'ERR_ATTNKIT_OVERLAP',
  /** Memory for a result or for the kernel's scratch could not be allocated. */
  RESOURCE: 'ERR_ATTNKIT_RESOURCE',
  /** The native kernel or the JavaScript backend's worker failed in a way no argument check foresaw (a bug: please report it). */
  INTERNAL: 'ERR_ATTNKIT_INTERNAL',
  /** A call made out of order (MultiHeadAttention.backward without a `train: true` forward before it). */
  STATE: 'ERR_ATTNKIT_STATE',
  /** ATTNKIT_BACKEND=native was asked for but the addon cannot load. */
  BACKEND: 'ERR_ATTNKIT_BACKEND',
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

export class AttnkitTypeError extends TypeError {
  readonly code: ErrorCodeValue;
  constructor(message: string, code: ErrorCodeValue = ErrorCode.TYPE) {
    super(message);
    this.name = 'AttnkitTypeError';
    this.code = code;
  }
}

export class AttnkitRangeError extends RangeError {
  readonly code: ErrorCodeValue;
  constructor(message: string, code: ErrorCodeValue = ErrorCode.SHAPE) {
    super(message);
    this.name = 'AttnkitRangeError';
    this.code = code;
  }
}

export class AttnkitBackendError extends Error {
  readonly code = ErrorCode.BACKEND;
  constructor(message: string) {
    super(message);
    this.name = 'AttnkitBackendError';
  }
}
