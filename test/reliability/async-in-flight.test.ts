// Many scaledDotProductAttentionAsync calls pending at once, mixed with sync calls and with
// setNumThreads: every result is the sync call's bit for bit and within TOLERANCE of the reference.
import { afterAll, describe, expect, it } from 'vitest';
import {
  getNumThreads,
  scaledDotProductAttention,
  scaledDotProductAttentionAsync,
  setNumThreads,
  type Tensor,
} from '../../src/index';
import { compare, isNative, smallCases, splitCases, TOLERANCE, type PlainCase } from './cases';

const initialThreads = getNumThreads();
afterAll(() => setNumThreads(initialThreads));

const syncResult = (c: PlainCase): Float32Array => scaledDotProductAttention(c.q, c.k, c.v, c.options).data;
const freshOut = (c: PlainCase): Tensor => ({ data: new Float32Array(c.want.length), shape: c.outShape });

describe('async calls in flight', () => {
  it('holds 1200 calls pending at once, each right', async () => {
    const cases = smallCases();
    const sync = cases.map(syncResult);
    for (const [i, c] of cases.entries()) expect(compare(sync[i], c.want).err, c.label).toBeLessThanOrEqual(TOLERANCE);

    const N = 1200;
    let pending = 0;
    let maxPending = 0;
    const calls: Promise<{ i: number; data: Float32Array; out?: Tensor; result: Tensor }>[] = [];
    for (let n = 0; n < N; n++) {
      const i = n % cases.length;
      const c = cases[i];
      // Every third call writes into its own `out`; the rest share nothing but the case's inputs.
      const out = n % 3 === 0 ? freshOut(c) : undefined;
      pending++;
      maxPending = Math.max(maxPending, pending);
      calls.push(
        scaledDotProductAttentionAsync(c.q, c.k, c.v, out ? { ...c.options, out } : c.options).then((result) => {
          pending--;
          return { i, data: result.data, out, result };
        }),
      );
      // A sync call now and then, while the async ones queue on the same pool.
      if (n % 200 === 199) expect(compare(syncResult(c), c.want, sync[i]).identical).toBe(true);
    }
    expect(maxPending).toBe(N); // none settled before the last was made
    const settled = await Promise.all(calls);
    let worst = 0;
    let differing = 0;
    for (const s of settled) {
      const r = compare(s.data, cases[s.i].want, sync[s.i]);
      worst = Math.max(worst, r.err);
      if (!r.identical) differing++;
      if (s.out) expect(s.result).toBe(s.out);
    }
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
    expect(differing).toBe(0);
    expect(pending).toBe(0);
  });

  it('gives the same bits while setNumThreads changes under pending calls', async () => {
    const cases = splitCases();
    setNumThreads(1);
    const baseline = cases.map(syncResult);
    for (const [i, c] of cases.entries())
      expect(compare(baseline[i], c.want).err, c.label).toBeLessThanOrEqual(TOLERANCE);

    // Waves of calls, each followed at once by a resize and a sync call: the wave cannot have settled
    // yet (that takes an event-loop turn), so every resize lands with calls queued or running.
    // The JavaScript kernel is slower and single-threaded: fewer calls keep the test to a few seconds.
    const waves = isNative() ? 12 : 4;
    const perWave = isNative() ? 20 : 4;
    let pending = 0;
    let resizesWhilePending = 0;
    const calls: Promise<{ i: number; data: Float32Array }>[] = [];
    for (let wave = 0; wave < waves; wave++) {
      for (let n = 0; n < perWave; n++) {
        const i = n % cases.length;
        const c = cases[i];
        pending++;
        calls.push(
          scaledDotProductAttentionAsync(c.q, c.k, c.v, c.options).then((r) => {
            pending--;
            return { i, data: r.data };
          }),
        );
      }
      if (pending > 0) resizesWhilePending++;
      setNumThreads(1 + (wave % 3));
      const i = wave % cases.length;
      expect(compare(syncResult(cases[i]), cases[i].want, baseline[i]).identical, `sync ${cases[i].label}`).toBe(true);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(resizesWhilePending).toBe(waves);
    const settled = await Promise.all(calls);
    for (const s of settled) {
      const r = compare(s.data, cases[s.i].want, baseline[s.i]);
      expect(r.identical, cases[s.i].label).toBe(true);
      expect(r.err, cases[s.i].label).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});
