// Adapts a checked SdpaPlan to the addon's C ABI: typed arrays plus one Float64Array descriptor.
import type { Backend, SdpaPlan, StridedView } from '../types';
import type { NativeAddon, SdpaArgs } from './addon-types';
import { isMainThread } from 'node:worker_threads';
import { defaultThreads } from '../threads-default';
import { KV_DTYPE, LINEAR_DESC, MASK_KIND, SDPA_DESC as D } from './abi-generated';
import { backwardArgsOf, nativeBackwardCovers } from './sdpa-backward-native';

function putView(desc: Float64Array, at: number, view: StridedView<Float32Array | Uint16Array>): void {
  desc[at] = view.strideB;
  desc[at + 1] = view.strideH;
  desc[at + 2] = view.strideL;
}

function describePlan(p: SdpaPlan): Float64Array {
  const desc = new Float64Array(D.length);
  desc.set([p.batch, p.headsQ, p.headsKv, p.lenQ, p.lenK, p.dimQk, p.dimV], D.batch);
  putView(desc, D.qStride, p.q);
  putView(desc, D.kStride, p.k);
  putView(desc, D.vStride, p.v);
  putView(desc, D.outStride, p.out);
  if (p.mask) {
    desc[D.maskKind] = MASK_KIND[p.mask.kind];
    desc.set([p.mask.strideB, p.mask.strideH, p.mask.strideQ, p.mask.strideK], D.maskStride);
  }
  desc[D.scale] = p.scale;
  desc[D.causal] = p.causalOffset === null ? 0 : 1;
  desc[D.positionOffset] = p.positionOffset; // the query position offset: causal, window and ALiBi read it
  desc[D.windowLeft] = p.windowLeft ?? -1;
  desc[D.windowRight] = p.windowRight ?? -1;
  desc[D.softcap] = p.softcap;
  desc[D.relBiasStrideH] = p.relativeBias ? p.relativeBias.strideH : 0;
  desc[D.computeBf16] = p.computeBf16 ? 1 : 0;
  desc[D.kvLengthsShift] = p.kvLengthsShift ? 1 : 0; // with kvLengths: positions follow each entry's length
  desc[D.kvDtype] = KV_DTYPE[p.kvDtype]; // k and v: Float32Array, or Uint16Array of float16 / bfloat16 bits
  return desc;
}

function linearDesc(rows: number, inFeatures: number, outFeatures: number): Float64Array {
  const desc = new Float64Array(LINEAR_DESC.length);
  desc[LINEAR_DESC.rows] = rows;
  desc[LINEAR_DESC.in] = inFeatures;
  desc[LINEAR_DESC.out] = outFeatures;
  return desc;
}

function argsOf(p: SdpaPlan): SdpaArgs {
  const mask = p.mask ? p.mask.data : null;
  return [
    p.q.data,
    p.k.data,
    p.v.data,
    p.out.data,
    p.weights,
    mask,
    describePlan(p),
    p.alibiSlopes,
    p.relativeBias?.data ?? null,
    p.sinks,
    p.kvLengths,
    p.lse,
  ];
}

let queueTail: Promise<void> = Promise.resolve();

/** Runs `call` after every async call queued before it (see sdpaAsync below). */
function queued(call: () => Promise<void>): Promise<void> {
  const run = queueTail.then(call);
  queueTail = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

export function nativeBackend(addon: NativeAddon): Backend {
  addon.setNumThreads(Math.min(defaultThreads(), 1024));
  // On exit libuv finishes every queued work item before the process ends: let queued calls skip
  // their work instead (their promises can no longer settle). The pool serves every worker thread
  // too, so only the main thread's exit may do this.
  if (isMainThread) process.once('exit', () => addon.abandonJobs());
  return {
    name: 'native',
    sdpa(p) {
      addon.sdpa(...argsOf(p));
    },
    sdpaAsync(p) {
      // One call at a time goes to the libuv pool, in order: the addon's pool runs one job at a time
      // anyway, and a queued call submitted early would hold a libuv thread (of 4 by default) while it
      // waits, starving fs, dns and crypto.
      return queued(() => addon.sdpaAsync(...argsOf(p)));
    },
    backwardCovers: nativeBackwardCovers,
    sdpaBackward(bp) {
      addon.sdpaBackward(...backwardArgsOf(bp, argsOf(bp.fwd)));
    },
    sdpaBackwardAsync(bp) {
      return queued(() => addon.sdpaBackwardAsync(...backwardArgsOf(bp, argsOf(bp.fwd))));
    },
    linear(p) {
      addon.linear(p.x, p.weight, p.bias, p.out, linearDesc(p.rows, p.inFeatures, p.outFeatures));
    },
    info: () => addon.info(),
    setThreads: (n) => addon.setNumThreads(n),
  };
}
