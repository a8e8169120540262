// Refuses an output that shares bytes with an input: the kernel writes while it reads.
import { ErrorCode } from '../errors';
import { valueError } from './error-factory';

type View = ArrayBufferView;

function overlaps(a: View, b: View): boolean {
  if (a.buffer !== b.buffer || a.byteLength === 0 || b.byteLength === 0) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** Throws a RangeError (code ERR_ATTNKIT_OVERLAP) if `output` shares memory with any named input. */
export function checkNoOverlap(
  op: string,
  outputName: string,
  output: View,
  inputs: Record<string, View | undefined>,
): void {
  for (const [name, input] of Object.entries(inputs)) {
    if (input && overlaps(output, input))
      throw valueError(op, outputName, `memory separate from ${name}`, `a view overlapping ${name}`, ErrorCode.OVERLAP);
  }
}
