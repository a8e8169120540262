// The addon's sdpaBackward re-checks what TypeScript already validated: a short buffer, a bad stride or
// an argument the kernel does not differentiate is a JS error, never an out-of-bounds access.
// Calls the addon directly, bypassing validation.
import { describe, expect, it } from 'vitest';
import { SDPA_BACKWARD_DESC, SDPA_DESC } from '../../src/backends/native/abi-generated';
import { loadAddon } from '../../src/backends/native/load-addon';

const load = loadAddon();
if (!load.ok) throw new Error(`the addon must be built for these tests: ${load.reason}`);
const addon = load.addon;

// B=1, Hq=Hkv=1, Lq=2, Lk=3, D=4, Dv=4, bhsd strides (as addon-guards.test.ts).
function desc(): Float64Array {
  const d = new Float64Array(SDPA_DESC.length);
  d.set([1, 1, 1, 2, 3, 4, 4], SDPA_DESC.batch);
  d.set([8, 8, 4], SDPA_DESC.qStride);
  d.set([12, 12, 4], SDPA_DESC.kStride);
  d.set([12, 12, 4], SDPA_DESC.vStride);
  d.set([8, 8, 4], SDPA_DESC.outStride);
  d[SDPA_DESC.scale] = 0.5;
  d[SDPA_DESC.windowLeft] = -1;
  d[SDPA_DESC.windowRight] = -1;
  return d;
}
function bwdDesc(): Float64Array {
  const d = new Float64Array(SDPA_BACKWARD_DESC.length);
  d.set([8, 8, 4], SDPA_BACKWARD_DESC.dOutStride);
  d.set([8, 8, 4], SDPA_BACKWARD_DESC.dqStride);
  d.set([12, 12, 4], SDPA_BACKWARD_DESC.dkStride);
  d.set([12, 12, 4], SDPA_BACKWARD_DESC.dvStride);
  return d;
}
// The forward's 12 arguments (weights, relative bias and lse null), then the backward's.
const [DOUT, LSE, DQ, DK, DV, DSINKS, BWD_DESC] = [12, 13, 14, 15, 16, 17, 18];
const f = (n: number) => new Float32Array(n).fill(0.25);
type Args = Parameters<typeof addon.sdpaBackward>;
/** A valid call's arguments with some replaced: index → value. */
function args(change: Record<number, unknown> = {}): Args {
  const a: unknown[] = [
    f(8),
    f(12),
    f(12),
    f(8),
    null,
    null,
    desc(),
    null,
    null,
    null,
    null,
    null,
    f(8),
    null,
    f(8),
    f(12),
    f(12),
    null,
    bwdDesc(),
  ];
  for (const [i, v] of Object.entries(change)) a[Number(i)] = v;
  return a as Args;
}

describe('native backward argument guards', () => {
  it('a valid call writes every gradient (equal inputs: dq = dk = 0, dv = the mean of dOut)', () => {
    const [dq, dk, dv] = [f(8), f(12), f(12)];
    addon.sdpaBackward(...args({ [DQ]: dq, [DK]: dk, [DV]: dv }));
    expect(Array.from(dq)).toEqual(new Array(8).fill(0));
    expect(Array.from(dk)).toEqual(new Array(12).fill(0));
    for (const x of dv) expect(x).toBeCloseTo((2 * 0.25) / 3, 6);
  });

  it('refuses gradient and input buffers shorter than their shapes', () => {
    expect(() => addon.sdpaBackward(...args({ [DOUT]: f(7) }))).toThrow(/dOut is too short/);
    expect(() => addon.sdpaBackward(...args({ [LSE]: f(1) }))).toThrow(/lse needs/);
    expect(() => addon.sdpaBackward(...args({ [DQ]: f(7) }))).toThrow(/dq is too short/);
    expect(() => addon.sdpaBackward(...args({ [DK]: f(11) }))).toThrow(/dk is too short/);
    expect(() => addon.sdpaBackward(...args({ [DV]: f(11) }))).toThrow(/dv is too short/);
    expect(() => addon.sdpaBackward(...args({ 0: f(7) }))).toThrow(/q is too short/);
    const d = bwdDesc();
    d[SDPA_BACKWARD_DESC.dqStride + 2] = 1000; // a dq row stride that walks off the end
    expect(() => addon.sdpaBackward(...args({ [BWD_DESC]: d }))).toThrow(/dq is too short/);
    d[SDPA_BACKWARD_DESC.dqStride + 2] = -1;
    expect(() => addon.sdpaBackward(...args({ [BWD_DESC]: d }))).toThrow(RangeError);
  });

  it('refuses what it does not differentiate, dSinks without sinks, and malformed calls', () => {
    expect(() => addon.sdpaBackward(...args({ 8: f(16) }))).toThrow(/relative bias/);
    expect(() => addon.sdpaBackward(...args({ 4: f(24) }))).toThrow(/no weights/);
    expect(() => addon.sdpaBackward(...args({ 11: f(2) }))).toThrow(/lse after dOut/);
    const half = desc();
    half[SDPA_DESC.kvDtype] = 1;
    expect(() => addon.sdpaBackward(...args({ 1: new Uint16Array(12), 2: new Uint16Array(12), 6: half }))).toThrow(
      /float32 k and v/,
    );
    expect(() => addon.sdpaBackward(...args({ [DSINKS]: f(1) }))).toThrow(/dSinks without sinks/);
    expect(() => addon.sdpaBackward(...args({ 9: f(1), [DSINKS]: new Float32Array(0) }))).toThrow(/dSinks needs/);
    expect(() => addon.sdpaBackward(...args({ [BWD_DESC]: new Float64Array(5) }))).toThrow(/backward descriptor/);
    expect(() => addon.sdpaBackward(...args({ [DQ]: new Float64Array(8) }))).toThrow(TypeError);
    expect(() => (addon.sdpaBackward as unknown as (...a: unknown[]) => void)(...args().slice(0, BWD_DESC))).toThrow(
      /19 arguments/,
    );
  });

  it('the async form checks the same way before it queues', async () => {
    expect(() => addon.sdpaBackwardAsync(...args({ [DQ]: f(7) }))).toThrow(/dq is too short/);
    const dv = f(12);
    await addon.sdpaBackwardAsync(...args({ [DV]: dv }));
    for (const x of dv) expect(x).toBeCloseTo((2 * 0.25) / 3, 6);
  });
});
