// The addon re-checks what TypeScript already validated: a bad descriptor or a short buffer is a JS
// error, never an out-of-bounds read or a crash. Calls the addon directly, bypassing validation.
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../src/backends/native/load-addon';

const load = loadAddon();
if (!load.ok) throw new Error(`the addon must be built for these tests: ${load.reason}`);
const addon = load.addon;

// A valid call: B=1, Hq=Hkv=1, Lq=2, Lk=3, D=4, Dv=4, bhsd strides.
function desc(): Float64Array {
  const d = new Float64Array(34);
  d.set([1, 1, 1, 2, 3, 4, 4], 0);
  d.set([8, 8, 4], 7); // q
  d.set([12, 12, 4], 10); // k
  d.set([12, 12, 4], 13); // v
  d.set([8, 8, 4], 16); // out
  d[24] = 0.5;
  d[27] = -1; // window left: unbounded
  d[28] = -1; // window right: unbounded
  return d;
}
const f = (n: number) => new Float32Array(n).fill(0.25);

describe('native argument guards', () => {
  it('a valid direct call works', () => {
    const out = f(8);
    addon.sdpa(f(8), f(12), f(12), out, null, null, desc(), null, null, null, null, null);
    expect(Array.from(out)).toEqual(new Array(8).fill(0.25));
  });

  it('refuses buffers shorter than shape and strides reach', () => {
    expect(() => addon.sdpa(f(7), f(12), f(12), f(8), null, null, desc(), null, null, null, null, null)).toThrow(
      /q is too short/,
    );
    expect(() => addon.sdpa(f(8), f(11), f(12), f(8), null, null, desc(), null, null, null, null, null)).toThrow(
      /k is too short/,
    );
    expect(() => addon.sdpa(f(8), f(12), f(12), f(7), null, null, desc(), null, null, null, null, null)).toThrow(
      /out is too short/,
    );
    expect(() => addon.sdpa(f(8), f(12), f(12), f(8), f(5), null, desc(), null, null, null, null, null)).toThrow(
      /weights is too short/,
    );
    const d = desc();
    d[9] = 1000; // a q row stride that walks off the end
    expect(() => addon.sdpa(f(8), f(12), f(12), f(8), null, null, d, null, null, null, null, null)).toThrow(RangeError);
  });

  it('refuses a mask shorter than its broadcast strides reach, and a mask of the wrong type', () => {
    const d = desc();
    d[19] = 1; // bool
    d.set([0, 0, 3, 1], 20);
    expect(() =>
      addon.sdpa(f(8), f(12), f(12), f(8), null, new Uint8Array(5), d, null, null, null, null, null),
    ).toThrow(/mask is too short/);
    expect(() =>
      addon.sdpa(f(8), f(12), f(12), f(8), null, new Float32Array(6), d, null, null, null, null, null),
    ).toThrow(TypeError);
    addon.sdpa(f(8), f(12), f(12), f(8), null, new Uint8Array(6).fill(1), d, null, null, null, null, null);
  });

  it('refuses bad descriptor values and types', () => {
    for (const [slot, value] of [
      [0, -1],
      [3, 1.5],
      [24, Infinity],
      [2, 0],
      [26, NaN],
      [19, 7],
    ] as const) {
      const d = desc();
      d[slot] = value;
      expect(
        () => addon.sdpa(f(8), f(12), f(12), f(8), null, null, d, null, null, null, null, null),
        `slot ${slot} = ${value}`,
      ).toThrow();
    }
    expect(() =>
      addon.sdpa(f(8), f(12), f(12), f(8), null, null, new Float64Array(5), null, null, null, null, null),
    ).toThrow(/descriptor length/);
    expect(() =>
      (addon.sdpa as unknown as (...a: unknown[]) => void)(f(8), f(12), f(12), f(8), null, null, desc()),
    ).toThrow(/12 arguments/);
    expect(() =>
      (addon.sdpa as unknown as (...a: unknown[]) => void)(new Float64Array(8), f(12), f(12), f(8), null, null, desc()),
    ).toThrow(TypeError);
    expect(() => (addon.sdpa as unknown as (...a: unknown[]) => void)()).toThrow(TypeError);
  });

  // Both found while writing the native fuzzer (native/fuzz/corpus/sdpa/regress-*); the overflow shows in
  // the sanitized runs (npm run test:sanitize).
  it('refuses a mask kind past int32, and weights whose dims multiply past int64 with D = Dv = 0', () => {
    const d = desc();
    d[19] = 2 ** 32 + 1; // an int32 cast once made it 1, a boolean mask
    d.set([0, 0, 3, 1], 20);
    expect(() =>
      addon.sdpa(f(8), f(12), f(12), f(8), null, new Uint8Array(6).fill(1), d, null, null, null, null, null),
    ).toThrow(/bad mask kind/);
    const big = 2 ** 31 - 1;
    const z = desc();
    z.set([big, big, 1, big, big, 0, 0], 0); // q, k, v and out hold no element: only weights bounds the sizes (2^124 of them)
    expect(() => addon.sdpa(f(0), f(0), f(0), f(0), f(1), null, z, null, null, null, null, null)).toThrow(
      /weights is too short/,
    );
  });

  it('refuses sizes above 2^31 - 1, as TypeScript does (a loop over a dimension no buffer holds)', () => {
    const z = desc();
    z.set([1, 2 ** 53 - 1, 1, 1, 1, 0, 0], 0);
    expect(() => addon.sdpa(f(0), f(0), f(0), f(0), null, null, z, null, null, null, null, null)).toThrow(
      'attnkit native: heads_q is above 2^31 - 1',
    );
  });

  it('refuses short ALiBi slopes, sinks and relative-bias rows, bad window bounds and softcap', () => {
    // Hq = 1, Lq + Lk - 1 = 4 diagonals.
    expect(() => addon.sdpa(f(8), f(12), f(12), f(8), null, null, desc(), f(0), null, null, null, null)).toThrow(
      /alibiSlopes/,
    );
    expect(() => addon.sdpa(f(8), f(12), f(12), f(8), null, null, desc(), null, null, f(0), null, null)).toThrow(
      /sinks/,
    );
    expect(() => addon.sdpa(f(8), f(12), f(12), f(8), null, null, desc(), null, f(3), null, null, null)).toThrow(
      /relativeBias is too short/,
    );
    expect(() =>
      addon.sdpa(
        f(8),
        f(12),
        f(12),
        f(8),
        null,
        null,
        desc(),
        new Float64Array(1) as unknown as Float32Array,
        null,
        null,
        null,
        null,
      ),
    ).toThrow(TypeError);
    for (const [slot, value] of [
      [27, -2],
      [28, 0.5],
      [29, -1],
      [29, NaN],
    ] as const) {
      const d = desc();
      d[slot] = value;
      expect(
        () => addon.sdpa(f(8), f(12), f(12), f(8), null, null, d, null, null, null, null, null),
        `slot ${slot} = ${value}`,
      ).toThrow(RangeError);
    }
    const out = f(8);
    addon.sdpa(f(8), f(12), f(12), out, null, null, desc(), f(1), f(4), f(1), null, null);
    expect(out.every(Number.isFinite)).toBe(true);
  });

  it('refuses an lse buffer shorter than [B, Hq, Lq] or of the wrong type, and writes a long enough one', () => {
    // B = Hq = 1, Lq = 2.
    const call = (lse: unknown) => () =>
      addon.sdpa(f(8), f(12), f(12), f(8), null, null, desc(), null, null, null, null, lse as Float32Array);
    expect(call(f(1))).toThrow(/lse is too short/);
    expect(call(new Float64Array(2))).toThrow(TypeError);
    const lse = f(2).fill(NaN);
    call(lse)();
    expect(Array.from(lse).every(Number.isFinite)).toBe(true);
  });

  it('refuses kvLengths of the wrong type, too short, or outside [0, Lk]', () => {
    // B = 1, Lk = 3.
    const call = (lens: unknown) => () =>
      addon.sdpa(f(8), f(12), f(12), f(8), null, null, desc(), null, null, null, lens as Int32Array, null);
    expect(call(new Float32Array(1))).toThrow(/kvLengths has the wrong type/);
    expect(call([2])).toThrow(/kvLengths has the wrong type/);
    expect(call(new Int32Array(0))).toThrow(/kvLengths needs one length per batch entry/);
    for (const bad of [-1, 4, -(2 ** 31)])
      expect(call(Int32Array.of(bad)), `length ${bad}`).toThrow(/kvLengths must be in \[0, len_k\]/);
    for (const shift of [0, 1]) {
      const d = desc();
      d[32] = shift;
      const out = f(8);
      addon.sdpa(f(8), f(12), f(12), out, null, null, d, null, null, null, Int32Array.of(3), null);
      expect(Array.from(out)).toEqual(new Array(8).fill(0.25));
      addon.sdpa(f(8), f(12), f(12), out, null, null, d, null, null, null, Int32Array.of(0), null);
      expect(Array.from(out)).toEqual(new Array(8).fill(0));
    }
  });

  it('float16 / bfloat16 k and v: Uint16Arrays when slot 33 says so, each length checked, a bad dtype refused', () => {
    const h = (n: number, bits: number) => new Uint16Array(n).fill(bits);
    const withDtype = (dtype: number) => {
      const d = desc();
      d[33] = dtype;
      return d;
    };
    // 0.25 is 0x3400 in float16 and 0x3e80 in bfloat16: every output is 0.25.
    for (const [dtype, bits] of [
      [1, 0x3400],
      [2, 0x3e80],
    ] as const) {
      const out = f(8);
      addon.sdpa(f(8), h(12, bits), h(12, bits), out, null, null, withDtype(dtype), null, null, null, null, null);
      expect(Array.from(out), `dtype ${dtype}`).toEqual(new Array(8).fill(0.25));
      expect(() =>
        addon.sdpa(f(8), h(11, bits), h(12, bits), f(8), null, null, withDtype(dtype), null, null, null, null, null),
      ).toThrow(/k is too short/);
      expect(() =>
        addon.sdpa(f(8), h(12, bits), h(11, bits), f(8), null, null, withDtype(dtype), null, null, null, null, null),
      ).toThrow(/v is too short/);
      expect(() =>
        addon.sdpa(f(8), f(12), f(12), f(8), null, null, withDtype(dtype), null, null, null, null, null),
      ).toThrow(/k has the wrong type/);
      expect(() =>
        addon.sdpa(
          f(8),
          h(12, bits),
          f(12) as unknown as Uint16Array,
          f(8),
          null,
          null,
          withDtype(dtype),
          null,
          null,
          null,
          null,
          null,
        ),
      ).toThrow(/v has the wrong type/);
    }
    expect(() => addon.sdpa(f(8), h(12, 0), h(12, 0), f(8), null, null, desc(), null, null, null, null, null)).toThrow(
      /k has the wrong type/,
    );
    for (const bad of [3, -1, 0.5, NaN])
      expect(
        () => addon.sdpa(f(8), f(12), f(12), f(8), null, null, withDtype(bad), null, null, null, null, null),
        `dtype ${bad}`,
      ).toThrow(RangeError);
  });

  it('the async entry applies the same guards', () => {
    expect(() => addon.sdpaAsync(f(7), f(12), f(12), f(8), null, null, desc(), null, null, null, null, null)).toThrow(
      /q is too short/,
    );
  });
});
