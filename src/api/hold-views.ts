// The async contract of holdBuffersForAsync (async-buffers.ts) for any list of views: a resizable
// ArrayBuffer, which could shrink while the call runs, is refused up front, and every other
// non-shared buffer is marked untransferable (permanently), so a transfer cannot detach it meanwhile.
import { markAsUntransferable } from 'node:worker_threads';
import { AttnkitTypeError } from '../errors';

interface ResizableBuffer {
  resizable?: boolean;
}

/** views: the caller's buffers a call reads or writes, by argument name (null entries are skipped). */
export function holdViewsForAsync(op: string, views: readonly [name: string, view: ArrayBufferView | null | undefined][]): void {
  const held = views.filter((e): e is [string, ArrayBufferView] => e[1] != null);
  for (const [name, view] of held) {
    if (view.buffer instanceof ArrayBuffer && (view.buffer as ResizableBuffer).resizable === true)
      throw new AttnkitTypeError(
        `${op}: ${name} is a view of a resizable ArrayBuffer, which could shrink while the call runs: use a fixed-length ArrayBuffer, a SharedArrayBuffer, or the synchronous call`,
      );
  }
  for (const [, view] of held) if (view.buffer instanceof ArrayBuffer) markAsUntransferable(view.buffer);
}
