// Runs calls start..start+count-1 of a seed in this process, reporting each start first so that a hang
// or a crash can be pinned on its call by whoever watches (supervise.ts).
import { checkCall, type Api, type Failure } from './check';
import { generateCall } from './generate';
import type { Op } from './spec';

export interface RangeOptions {
  seed: number;
  start: number;
  count: number;
  ops?: readonly Op[];
  /** Label keys (labels joined by ' + ') not to run: they hung or crashed before. */
  skip?: ReadonlySet<string>;
}

export interface Sink {
  start(index: number, op: string, expect: string, key: string): void;
  failure(f: Failure): void;
  /** result: 'value', 'coded' (an attnkit error) or 'other' (anything else thrown). */
  end(index: number, result: string): void;
  skipped(index: number, key: string): void;
}

export interface RangeStats {
  calls: number;
  ms: number;
  byOp: Record<string, number>;
  /** How calls ended: a value, a coded attnkit error, anything else. */
  byResult: Record<string, number>;
  /** Expectations of the generated calls. */
  byExpect: Record<string, number>;
}

/** The group of a call: its first hostile change (the one that decides what it must do), or 'valid call'. */
export const labelKey = (labels: readonly string[]): string => labels[0] ?? 'valid call';

export async function runRange(api: Api, o: RangeOptions, sink: Sink): Promise<RangeStats> {
  const stats: RangeStats = { calls: 0, ms: 0, byOp: {}, byResult: {}, byExpect: {} };
  const t0 = performance.now();
  for (let i = o.start; i < o.start + o.count; i++) {
    const spec = generateCall(o.seed, i, o.ops);
    const key = labelKey(spec.labels);
    if (o.skip?.has(key)) {
      sink.skipped(i, key);
      continue;
    }
    sink.start(i, spec.op, spec.expect, key);
    const out = await checkCall(api, spec);
    for (const f of out.failures) sink.failure(f);
    sink.end(i, out.result);
    stats.calls++;
    stats.byOp[spec.op] = (stats.byOp[spec.op] ?? 0) + 1;
    stats.byResult[out.result] = (stats.byResult[out.result] ?? 0) + 1;
    stats.byExpect[spec.expect] = (stats.byExpect[spec.expect] ?? 0) + 1;
  }
  stats.ms = performance.now() - t0;
  return stats;
}
