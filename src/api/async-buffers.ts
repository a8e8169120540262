// What an async call does to the caller's buffers so that nothing the caller does meanwhile can free
// memory a kernel is still reading or writing: a transfer (postMessage, structuredClone) cannot detach
// them, and a resizable ArrayBuffer, which could shrink under the kernel, is refused up front.
import { markAsUntransferable } from 'node:worker_threads';
import { AttnkitTypeError } from '../errors';
import type { SdpaPlan } from '../backends/types';

interface ResizableBuffer {
  resizable?: boolean;
}

/** The caller's views a call reads or writes, by argument name (the plan's own copies excluded). */
function callerViews(p: SdpaPlan): [string, ArrayBufferView | null | undefined][] {
  const views: [string, ArrayBufferView | null | undefined][] = [
    ['q.data', p.q.data],
    ['k.data', p.k.data],
    ['v.data', p.v.data],
    ['options.out.data', p.out.data],
    ['options.weightsOut.data', p.weights],
    ['options.lseOut.data', p.lse],
    ['options.mask.data', p.mask?.data],
    ['options.relativeBias.data', p.relativeBias?.data],
  ];
  return views;
}

/**
 * Refuses views of resizable ArrayBuffers and marks every other non-shared buffer untransferable
 * (worker_threads.markAsUntransferable: permanent, as Node does for its own Buffer pool). A
 * SharedArrayBuffer can be neither detached nor shrunk and is left as it is.
 */
export function holdViewsForAsync(
  op: string,
  views: readonly [name: string, view: ArrayBufferView | null | undefined][],
): void {
  const held = views.filter((e): e is [string, ArrayBufferView] => e[1] != null);
  for (const [name, view] of held) {
    if (view.buffer instanceof ArrayBuffer && (view.buffer as ResizableBuffer).resizable === true)
      throw new AttnkitTypeError(
        `${op}: ${name} is a view of a resizable ArrayBuffer, which could shrink while the call runs: use a fixed-length ArrayBuffer, a SharedArrayBuffer, or the synchronous call`,
      );
  }
  for (const [, view] of held) if (view.buffer instanceof ArrayBuffer) markAsUntransferable(view.buffer);
}

/** holdViewsForAsync for an attention call's caller views. */
export function holdBuffersForAsync(op: string, p: SdpaPlan): void {
  holdViewsForAsync(op, callerViews(p));
}
