// The eight findings of the reliability review, one block each: every call gives the float64
// reference's answer or a coded attnkit error, on whichever backend the project selects.
import { afterEach, describe, expect, it } from 'vitest';
import {
  AttnkitRangeError,
  AttnkitTypeError,
  ErrorCode,
  linear,
  scaledDotProductAttention as sdpa,
  scaledDotProductAttentionAsync as sdpaAsync,
  tensor,
  type Tensor,
} from '../../src/index';
import { codedError } from '../../src/backends/coded-error';
import { expectError } from '../helpers/expect-error';
import { randn, rng } from '../helpers/random';
import { maxAbsDiff, referenceSdpa, type RefInput } from '../helpers/reference';

const r = rng(2024);
const B = 1,
  H = 2,
  L = 5,
  D = 8; // prettier-ignore
const shape = [B, H, L, D];
const n = B * H * L * D;
const fresh = () => tensor(randn(n, r), shape);
const q = fresh();
const k = fresh();
const v = fresh();
const dims = { B, Hq: H, Hkv: H, Lq: L, Lk: L, D, Dv: D };
const reference = (extra: Partial<RefInput> = {}) =>
  referenceSdpa({ ...dims, q: q.data, k: k.data, v: v.data, ...extra }).out;
const plain = reference();
const causal = reference({ causal: true });

function expectClose(got: Tensor, want: Float64Array): void {
  expect(got.data.length).toBe(want.length);
  expect(maxAbsDiff(got.data, want)).toBeLessThan(1e-5);
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('1. no hang on huge dimensions of empty tensors', () => {
  const huge = (s: number[]) => ({ data: new Float32Array(0), shape: s });
  it('q = k = v = [2^40, 1, 1, 0] is refused by its dimension, at once', () =>
    expectError(
      () => sdpa(huge([2 ** 40, 1, 1, 0]), huge([2 ** 40, 1, 1, 0]), huge([2 ** 40, 1, 1, 0])),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /q\.shape\[0\] must be at most 2\^31 - 1, got 1099511627776/,
    ));
  it('Lq = 2^36 with D = 0 is refused', () =>
    expectError(
      () => sdpa(huge([1, 1, 2 ** 36, 0]), huge([1, 1, 4, 0]), huge([1, 1, 4, 0])),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /q\.shape\[2\] must be at most/,
    ));
  it('Lk = 2^40 with D = Dv = 0 is refused', () =>
    expectError(
      () => sdpa(huge([1, 1, 4, 0]), huge([1, 1, 2 ** 40, 0]), huge([1, 1, 2 ** 40, 0])),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /k\.shape\[2\] must be at most/,
    ));
  it('batch 2^60 is a coded RangeError before any backend', () =>
    expectError(
      () => sdpa(huge([2 ** 60, 1, 1, 0]), huge([2 ** 60, 1, 1, 0]), huge([2 ** 60, 1, 1, 0])),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /q\.shape\[0\] must be at most 2\^31 - 1/,
    ));
  it('an empty output with a large row count returns at once (no kernel runs)', () => {
    const s = [2 ** 30, 1, 1, 0];
    const got = sdpa(huge(s), huge(s), huge(s));
    expect(got.shape).toEqual(s);
    expect(got.data.length).toBe(0);
  });
  it('dimensions above 2^53 are refused, not rounded', () =>
    expectError(
      () => tensor(new Float32Array(0), [2 ** 53 + 2, 0]),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /must be at most 2\^31 - 1/,
    ));
});

describe('2. a polluted prototype is never obeyed', () => {
  const proto = Object.prototype as Record<string, unknown>;
  afterEach(() => {
    for (const key of ['causal', 'out', 'mask', 'scale', 'data', 'shape']) delete proto[key];
  });
  it('Object.prototype.causal = true leaves a call without options non-causal', () => {
    proto.causal = true;
    expectClose(sdpa(q, k, v), plain);
    expectClose(sdpa(q, k, v, {}), plain);
  });
  it('Object.prototype.out is not written nor returned', () => {
    const trap = tensor(new Float32Array(n), shape);
    proto.out = trap;
    const got = sdpa(q, k, v);
    expect(got).not.toBe(trap);
    expect(trap.data.every((x) => x === 0)).toBe(true);
    expectClose(got, plain);
  });
  it('Object.prototype.mask does not mask', () => {
    proto.mask = tensor(new Uint8Array(L * L), [L, L]);
    expectClose(sdpa(q, k, v), plain);
  });
  it('options inherited through Object.create are ignored', () => {
    expectClose(sdpa(q, k, v, Object.create({ causal: true }) as object), plain);
  });
  it('own options still work', () => expectClose(sdpa(q, k, v, { causal: true }), causal));
  it('a tensor missing data is refused even when Object.prototype.data is set', () => {
    proto.data = q.data;
    expectError(
      () => sdpa({ shape } as unknown as Tensor, k, v),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /q must be a tensor/,
    );
  });
  it('class instances with data and shape getters on their prototype are tensors', () => {
    class Wrapped {
      constructor(private readonly t: Tensor) {}
      get data() {
        return this.t.data;
      }
      get shape() {
        return this.t.shape;
      }
    }
    expectClose(
      sdpa(
        new Wrapped(q) as unknown as Tensor,
        new Wrapped(k) as unknown as Tensor,
        new Wrapped(v) as unknown as Tensor,
      ),
      plain,
    );
  });
});

describe('3. options and tensors are read once', () => {
  it("a getter that detaches q's buffer after reading is caught before any kernel runs", () => {
    const qq = tensor(q.data.slice(), shape);
    const options = {
      get scale() {
        structuredClone(qq.data.buffer, { transfer: [qq.data.buffer] });
        return 0.5;
      },
    };
    expectError(
      () => sdpa(qq, k, v, options),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /q\.data must be of length product\(shape\) = 80 for shape \[1, 2, 5, 8\], got length 0/,
    );
  });
  it('a scale getter that changes its answer is read once', () => {
    let reads = 0;
    const options = {
      get scale() {
        reads++;
        return reads === 1 ? 0.25 : NaN;
      },
    };
    expectClose(sdpa(q, k, v, options), reference({ scale: 0.25 }));
    expect(reads).toBe(1);
  });
  it('a softcap getter that turns negative after the check is read once', () => {
    let reads = 0;
    const options = {
      get softcap() {
        return ++reads === 1 ? 1 : -5;
      },
    };
    expectClose(sdpa(q, k, v, options), reference({ softcap: 1 }));
    expect(reads).toBe(1);
  });
  it('an out getter is read once: the tensor written is the tensor returned', () => {
    const a = tensor(new Float32Array(n), shape);
    const b = tensor(new Float32Array(n), shape);
    let reads = 0;
    const options = {
      get out() {
        return ++reads <= 2 ? a : b;
      },
    };
    const got = sdpa(q, k, v, options);
    expect(got).toBe(a);
    expectClose(a, plain);
    expect(b.data.every((x) => x === 0)).toBe(true);
  });
  it('a shape whose entries change on each read is copied once', () => {
    let reads = 0;
    const s = [B, H, L, 0];
    Object.defineProperty(s, 3, { get: () => (++reads === 1 ? D : 10 ** 6), enumerable: true });
    expectClose(sdpa({ data: q.data, shape: s }, k, v), plain);
    expect(reads).toBe(1);
  });
  it('a getter that throws becomes a coded TypeError naming the option', () => {
    const options = {
      get causal(): boolean {
        throw new Error('boom');
      },
    };
    expectError(
      () => sdpa(q, k, v, options),
      AttnkitTypeError,
      ErrorCode.TYPE,
      'scaledDotProductAttention: options.causal could not be read: boom',
    );
  });
  it('a revoked Proxy as options is a coded TypeError', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expectError(() => sdpa(q, k, v, proxy), AttnkitTypeError, ErrorCode.TYPE, /options could not be read/);
  });
  it('a shape Proxy that claims a huge length is refused before it is read', () =>
    expectError(
      () =>
        sdpa(
          {
            data: q.data,
            shape: new Proxy([], {
              getOwnPropertyDescriptor: (t, p) =>
                p === 'length'
                  ? { value: 2 ** 32 - 1, writable: true, enumerable: false, configurable: false }
                  : Reflect.getOwnPropertyDescriptor(t, p),
            }),
          },
          k,
          v,
        ),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /q\.shape must be an array of non-negative integers of at most 32 entries/,
    ));
});

describe('4. typed arrays are recognised by what they are, not by their prototype', () => {
  it('a Uint8Array with Float32Array.prototype is refused', () => {
    const spoof = new Uint8Array(n * 4);
    Object.setPrototypeOf(spoof, Float32Array.prototype);
    expectError(
      () => sdpa({ data: spoof as unknown as Float32Array, shape }, k, v),
      AttnkitTypeError,
      ErrorCode.TYPE,
      `scaledDotProductAttention: q.data must be a Float32Array, got Uint8Array(${n * 4})`,
    );
  });
  it('a Float32Array subclass whose length lies is read at its true length', () => {
    class Liar extends Float32Array {
      override get length(): number {
        return 20;
      }
    }
    const lying = new Liar(q.data);
    expectClose(sdpa({ data: lying, shape }, k, v), plain);
  });
  it('a subclass with a true length of the wrong size is a shape error', () => {
    class Liar extends Float32Array {
      override get length(): number {
        return n;
      }
    }
    expectError(
      () => sdpa({ data: new Liar(n - 1), shape }, k, v),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      /got length 79/,
    );
  });
  it('a Proxy around a Float32Array is not a Float32Array', () =>
    expectError(
      () => sdpa({ data: new Proxy(q.data, {}), shape }, k, v),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /q\.data must be a Float32Array/,
    ));
});

describe('5. SharedArrayBuffer views work on both backends', () => {
  const shared = (t: Tensor) => {
    const view = new Float32Array(new SharedArrayBuffer(4 * (t.data.length + 3)), 12, t.data.length);
    view.set(t.data);
    return tensor(view, t.shape);
  };
  it('inputs and out in SharedArrayBuffers', () => {
    const out = shared(tensor(new Float32Array(n), shape));
    expect(sdpa(shared(q), shared(k), shared(v), { out })).toBe(out);
    expectClose(out, plain);
  });
  it('async, with a shared boolean mask', async () => {
    const m = new Uint8Array(new SharedArrayBuffer(L * L));
    for (let i = 0; i < L; i++) for (let j = 0; j <= i; j++) m[i * L + j] = 1;
    expectClose(await sdpaAsync(shared(q), shared(k), shared(v), { mask: tensor(m, [L, L]) }), causal);
  });
  it('linear() with shared memory', () => {
    const w = shared(tensor(randn(3 * D, r), [3, D]));
    const y = linear(shared(tensor(q.data, [n / D, D])), w);
    const want = new Float64Array((n / D) * 3);
    for (let row = 0; row < n / D; row++)
      for (let o = 0; o < 3; o++)
        for (let d = 0; d < D; d++) want[row * 3 + o] += q.data[row * D + d] * w.data[o * D + d];
    expect(maxAbsDiff(y.data, want)).toBeLessThan(1e-5);
  });
});

describe('6. one numeric contract on both backends', () => {
  it('a softcap that rounds to 0 in float32 is refused, not turned off', () =>
    expectError(
      () => sdpa(q, k, v, { softcap: 1e-46 }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /options\.softcap must be 0 \(off\) or a finite number >= 2\^-126/,
    ));
  it('a scale beyond float32 is a coded RangeError', () =>
    expectError(
      () => sdpa(q, k, v, { scale: 3.5e38 }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /options\.scale must be a finite number within float32 range/,
    ));
  it('a softcap beyond float32 is a coded RangeError', () =>
    expectError(
      () => sdpa(q, k, v, { softcap: 1e39 }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /options\.softcap must be 0 \(off\)/,
    ));
  it('the scale is used as float32 on every backend', () => {
    const s = 0.1; // 0.1 is not a float32: both backends use Math.fround(0.1)
    expectClose(sdpa(q, k, v, { scale: s }), reference({ scale: Math.fround(s) }));
  });
  it('a score that overflows float32 upward makes its row NaN (as in PyTorch), other rows unaffected', () => {
    const big = tensor(new Float32Array(n).fill(1e20), shape);
    const got = sdpa(big, big, v);
    expect(got.data.every((x) => Number.isNaN(x))).toBe(true);
    // Row 0 of head 0 overflows (1e20·1e20); the other rows score about 1e20, far from overflow.
    const qq = tensor(q.data.slice(), shape);
    const kk = tensor(new Float32Array(n).fill(1e20), shape);
    qq.data.fill(1e20, 0, D);
    const mixed = sdpa(qq, kk, v);
    expect(mixed.data.subarray(0, D).every((x) => Number.isNaN(x))).toBe(true);
    expect(mixed.data.subarray(D).every((x) => Number.isFinite(x))).toBe(true);
  });
  it('a score that overflows downward hides its key, like a mask', () => {
    const qq = tensor(new Float32Array(n).fill(1e20), shape);
    const kk = tensor(k.data.slice(), shape);
    // Key 0 of each head scores below -3.4e38 (−Infinity in float32) against every query; the other keys score 0.
    kk.data.fill(0);
    for (let h = 0; h < H; h++) kk.data.fill(-1e20, h * L * D, h * L * D + D);
    const got = sdpa(qq, kk, v);
    const mask = (_b: number, _h: number, _i: number, j: number) => j !== 0;
    expectClose(got, referenceSdpa({ ...dims, q: qq.data, k: kk.data, v: v.data, mask }).out);
  });
});

describe('7. async calls survive what callers do to their buffers meanwhile', () => {
  it("transferring q's or out's buffer during an async call neither crashes nor changes the answer", async () => {
    const qq = tensor(q.data.slice(), shape);
    const out = tensor(new Float32Array(n), shape);
    const pending = sdpaAsync(qq, k, v, { out });
    const clones = [
      structuredClone(qq.data.buffer, { transfer: [qq.data.buffer] }),
      structuredClone(out.data.buffer, { transfer: [out.data.buffer] }),
    ];
    expect(await pending).toBe(out);
    // The transfer copied: the caller's buffers are still attached and hold the answer.
    expect(qq.data.length).toBe(n);
    expectClose(out, plain);
    expect(clones[0].byteLength).toBe(4 * n);
  });
  it('a view of a resizable ArrayBuffer is refused by async calls (it could shrink under the kernel)', async () => {
    const buf = new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer)(4 * n, {
      maxByteLength: 8 * n,
    });
    const qq = tensor(new Float32Array(buf, 0, n), shape);
    qq.data.set(q.data);
    const err = await rejection(sdpaAsync(qq, k, v));
    expect(err).toBeInstanceOf(AttnkitTypeError);
    expect((err as AttnkitTypeError).code).toBe(ErrorCode.TYPE);
    expect((err as Error).message).toMatch(/q\.data is a view of a resizable ArrayBuffer/);
    // The synchronous call runs no user code while it computes: a resizable buffer is fine there.
    expectClose(sdpa(qq, k, v), plain);
  });
  it('argument errors reject the promise with the coded error of the sync call', async () => {
    const err = await rejection(sdpaAsync(q, k, v, { scale: Infinity }));
    expect(err).toBeInstanceOf(AttnkitRangeError);
    expect((err as AttnkitRangeError).code).toBe(ErrorCode.VALUE);
  });
});

describe('8. errors from below the argument checks carry a code', () => {
  it('a native TypeError, RangeError or out-of-memory becomes a coded attnkit error', () => {
    const t = codedError('op', new TypeError('attnkit native: q has the wrong type'));
    expect(t).toBeInstanceOf(AttnkitTypeError);
    expect((t as AttnkitTypeError).code).toBe(ErrorCode.INTERNAL);
    const m = codedError('op', new Error('std::bad_alloc'));
    expect(m).toBeInstanceOf(AttnkitRangeError);
    expect((m as AttnkitRangeError).code).toBe(ErrorCode.RESOURCE);
    const already = new AttnkitRangeError('x', ErrorCode.SHAPE);
    expect(codedError('op', already)).toBe(already);
  });
});
