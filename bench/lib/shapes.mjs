// Shapes, flop counts and bytes moved, shared by every scenario and by the peers.
//   A shape is { B, Hq, Hkv, Lq, Lk, D, Dv, causal }.

export const shape = (B, Hq, Hkv, Lq, Lk, D, Dv = D, causal = false) => ({ B, Hq, Hkv, Lq, Lk, D, Dv, causal });

/** The same shape with q, k, v (and out) in the bshd layout, [B, L, H, D]. */
export const bshd = (s) => ({ ...s, layout: 'bshd' });

/**
 * The same shape with a mask (bench/masks.mjs): 'padding' (bool [B, 1, 1, Lk], the last eighth of the
 * keys padding), 'bool' ([Lq, Lk], 10 % of the entries 0 at random) or 'additive' ([Lq, Lk], values
 * in [-1, 0), 10 % of them -Infinity).
 */
export const masked = (s, mask) => ({ ...s, mask });

/** The mask of a masked shape as { data, dims } (Uint8Array 1 = may attend, or Float32Array added). */
export function maskData(s) {
  if (s.mask === 'padding')
    return {
      data: Uint8Array.from({ length: s.Lk }, (_, j) => (j < s.Lk - s.Lk / 8 ? 1 : 0)),
      dims: [s.B, 1, 1, s.Lk],
    };
  const u = randomData(s.Lq * s.Lk, 11); // uniform [-1, 1): below -0.8 is 10 %
  if (s.mask === 'bool') return { data: Uint8Array.from(u, (x) => (x < -0.8 ? 0 : 1)), dims: [s.Lq, s.Lk] };
  if (s.mask === 'additive')
    return { data: Float32Array.from(u, (x) => (x < -0.8 ? -Infinity : (x - 1) / 2)), dims: [s.Lq, s.Lk] };
  throw new Error(`bench: unknown mask ${s.mask}`);
}

/** Tensor dims of an operand with H heads, L positions and d features in the shape's layout. */
export const tensorDims = (s, H, L, d) => (s.layout === 'bshd' ? [s.B, L, H, d] : [s.B, H, L, d]);

/** 2·B·Hq·Lq·Lk·(D + Dv): the q·kᵀ and p·v products; halved under causal with Lq = Lk (the useful work). */
export function flops(s) {
  const f = 2 * s.B * s.Hq * s.Lq * s.Lk * (s.D + s.Dv);
  return s.causal && s.Lq === s.Lk ? f / 2 : f;
}

/** Bytes of K and V read once (float32): what bounds decode. */
export const kvBytes = (s) => 4 * s.B * s.Hkv * s.Lk * (s.D + s.Dv);

export function label(s) {
  const h = s.Hq === s.Hkv ? `${s.Hq}` : `${s.Hq}/${s.Hkv}`;
  const d = s.D === s.Dv ? `${s.D}` : `${s.D}/${s.Dv}`;
  return `(${s.B},${h},${s.Lq},${s.Lk},${d})${s.causal ? ' causal' : ''}${s.layout === 'bshd' ? ' bshd' : ''}${s.mask ? ` ${s.mask} mask` : ''}`;
}

/** Deterministic uniform [-1, 1) data (xorshift), so runs and peers see the same inputs. */
export function randomData(n, seed) {
  const a = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    a[i] = ((x >>> 0) / 4294967296) * 2 - 1;
  }
  return a;
}

/**
 * One call of `lib.scaledDotProductAttention` on shape s, in its layout: inputs made once (x, by
 * default `inputs(s)`), the output written in place and returned. `lib` is an attnkit module (this
 * checkout's, or another build's for bench/ab).
 */
export function sdpaRunner(lib, s, x = inputs(s)) {
  const q = lib.tensor(x.q, tensorDims(s, s.Hq, s.Lq, s.D));
  const k = lib.tensor(x.k, tensorDims(s, s.Hkv, s.Lk, s.D));
  const v = lib.tensor(x.v, tensorDims(s, s.Hkv, s.Lk, s.Dv));
  const out = lib.tensor(new Float32Array(s.B * s.Hq * s.Lq * s.Dv), tensorDims(s, s.Hq, s.Lq, s.Dv));
  const opts = { causal: s.causal, out, ...(s.layout ? { layout: s.layout } : {}) };
  if (s.mask) {
    const m = maskData(s);
    opts.mask = lib.tensor(m.data, m.dims);
  }
  return () => lib.scaledDotProductAttention(q, k, v, opts);
}

/** q, k, v in bhsd layout as plain arrays. */
export function inputs(s, seed = 1) {
  return {
    q: randomData(s.B * s.Hq * s.Lq * s.D, seed),
    k: randomData(s.B * s.Hkv * s.Lk * s.D, seed + 1),
    v: randomData(s.B * s.Hkv * s.Lk * s.Dv, seed + 2),
  };
}
