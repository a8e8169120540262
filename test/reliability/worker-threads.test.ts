// The package used from several worker_threads at once (each loads the addon into its own env; the
// native thread pool is one per process), and a worker terminated while its async calls run: the
// env settles them while it is torn down, and a promise that cannot be settled then once aborted the
// process (NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS in binding.gyp); vitest then reports its worker
// gone ("Channel closed") after "terminate called after throwing an instance of 'Napi::Error'".
import { once } from 'node:events';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { scaledDotProductAttention, scaledDotProductAttentionAsync } from '../../src/index';
import { ensureBuilt, ROOT } from '../explain/built-cli';
import { compare, isNative, smallCases, TOLERANCE } from './cases';

const WORKER = path.join(__dirname, 'sdpa-worker.cjs');
const DIST = path.join(ROOT, 'dist', 'index.js');

beforeAll(() => ensureBuilt(), 180_000);

function start(data: Record<string, unknown>): Worker {
  return new Worker(WORKER, { workerData: { dist: DIST, ...data } });
}

/** Rejects instead of hanging when `p` does not settle in `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

interface CheckReport {
  backend: string;
  calls: number;
  maxErr: number;
  notIdentical: number;
  sync: Float32Array[];
  error?: string;
}

describe('worker_threads', () => {
  it('computes right in 4 workers and the main thread at once', async () => {
    const cases = smallCases();
    const workers = Array.from({ length: 4 }, () => start({ mode: 'check', cases, rounds: 30 }));
    const reports = workers.map((w) => within(once(w, 'message') as Promise<[CheckReport]>, 30_000, 'worker report'));
    const exits = workers.map((w) => within(once(w, 'exit') as Promise<[number]>, 30_000, 'worker exit'));

    // The main thread keeps calling while the workers run.
    const sync = cases.map((c) => scaledDotProductAttention(c.q, c.k, c.v, c.options).data);
    const mine = await Promise.all(
      Array.from({ length: 20 * cases.length }, (_, n) => {
        const c = cases[n % cases.length];
        return scaledDotProductAttentionAsync(c.q, c.k, c.v, c.options).then((t) => ({
          i: n % cases.length,
          data: t.data,
        }));
      }),
    );
    for (const { i, data } of mine) {
      const r = compare(data, cases[i].want, sync[i]);
      expect(r.err, cases[i].label).toBeLessThanOrEqual(TOLERANCE);
      expect(r.identical, cases[i].label).toBe(true);
    }

    for (const [report] of await Promise.all(reports)) {
      expect(report.error).toBeUndefined();
      expect(report.backend).toBe(isNative() ? 'native' : 'js');
      expect(report.calls).toBe(31 * cases.length);
      expect(report.maxErr).toBeLessThanOrEqual(TOLERANCE);
      expect(report.notIdentical).toBe(0);
      // A worker's results are the main thread's, bit for bit.
      for (const [i, data] of report.sync.entries())
        expect(compare(data, cases[i].want, sync[i]).identical, cases[i].label).toBe(true);
    }
    for (const [code] of await Promise.all(exits)) expect(code).toBe(0);
  }, 40_000);

  it('survives a worker terminated in the middle of its async calls', async () => {
    // About 0.3 s of work per worker on this machine, whatever its speed, so terminate() lands mid-call.
    const shape = isNative() ? [1, 8, 1024, 64] : [1, 4, 256, 64];
    const x = { data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5), shape };
    const t0 = performance.now();
    scaledDotProductAttention(x, x, x);
    const long = { shape, calls: Math.min(64, Math.max(4, Math.ceil(300 / (performance.now() - t0)))) };
    for (let round = 0; round < 3; round++) {
      const w = start({ mode: 'long', ...long });
      const messages: unknown[] = [];
      w.on('message', (m) => messages.push(m));
      await within(once(w, 'message'), 20_000, 'worker start');
      await new Promise((resolve) => setTimeout(resolve, 5 + 10 * round));
      expect(messages, 'the calls finished before terminate(): make them longer').not.toContain('done');
      const code = await within(w.terminate(), 20_000, 'terminate()');
      expect(code).toBe(1);
    }

    // This process is still up, and calls (sync, async, and in a new worker) are still right.
    const cases = smallCases();
    for (const c of cases) {
      expect(
        compare(scaledDotProductAttention(c.q, c.k, c.v, c.options).data, c.want).err,
        c.label,
      ).toBeLessThanOrEqual(TOLERANCE);
      expect(
        compare((await scaledDotProductAttentionAsync(c.q, c.k, c.v, c.options)).data, c.want).err,
        c.label,
      ).toBeLessThanOrEqual(TOLERANCE);
    }
    const w = start({ mode: 'check', cases, rounds: 5 });
    const [report] = (await within(once(w, 'message'), 20_000, 'worker report')) as [CheckReport];
    expect(report.error).toBeUndefined();
    expect(report.maxErr).toBeLessThanOrEqual(TOLERANCE);
    expect(report.notIdentical).toBe(0);
    await within(once(w, 'exit'), 20_000, 'worker exit');
  }, 40_000);
});
