// Read yardsticks a decode benchmark alternates with its calls (needs the probes addon, else null):
// - a pure read of the very bytes the kernel reads, spans in about its order (probeReadSpans): the
//   ceiling of a kernel bound by memory, whose time counts like the kernel's (median of the same rounds);
// - single passes of the one-stream read probe, whose median is the same run's read bandwidth: medians
//   against medians, where the machine probe (best of twelve passes) is the least disturbed figure.
import { loadProbes } from './probes.mjs';

/** { spans: () => void, pass: () => void, passes: GB/s[] } for `threads`, or null without the probes. */
export function readYardsticks(threads, spans) {
  const probes = loadProbes();
  if (typeof probes?.probeReadSpans !== 'function') return null;
  const passes = [];
  return {
    spans: () => probes.probeReadSpans(threads, spans),
    pass: () => passes.push(probes.probeReadBandwidth(threads, 1)),
    passes,
  };
}

/** [typedArray, byteOffset, byteLength] of `rows` rows of `rowBytes` from row `first` of `data`. */
export const rowSpan = (data, first, rows, rowBytes) => [data, first * rowBytes, rows * rowBytes];
