// float32 <-> float16 / bfloat16 bit conversions, round to nearest even (IEEE 754's default), as F16C's
// vcvtps2ph with rounding mode 0 and PyTorch's .half() / .bfloat16() do. NaN stays NaN (made quiet),
// ±Infinity stays ±Infinity, and float16 overflow (|x| >= 65520) becomes ±Infinity.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function bitsOf(x: number): number {
  f32[0] = x;
  return u32[0];
}

/** The float16 bits nearest to x (ties to even). */
export function float16Bits(x: number): number {
  const u = bitsOf(x);
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15; // float16's biased exponent
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // A float16 subnormal (or zero): below 2^-25 everything rounds to zero.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rem = m & ((1 << shift) - 1);
    let h = m >>> shift;
    if (rem > half || (rem === half && (h & 1) === 1)) h++; // a carry into the exponent is the right answer
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++; // a carry may reach Infinity: right again
  return sign | h;
}

/** The bfloat16 bits nearest to x (ties to even): the top half of its float32 bits, rounded. */
export function bfloat16Bits(x: number): number {
  const u = bitsOf(x);
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0) return (u >>> 16) | 0x40;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

let float16Table: Float32Array | null = null;

/** All 65 536 float16 values as float32 (exact), built on first use. */
function float16Values(): Float32Array {
  if (float16Table) return float16Table;
  const table = new Float32Array(65536);
  const bits = new Uint32Array(table.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) table[h] = (sign ? -1 : 1) * mant * 2 ** -24;
    else if (exp === 0x1f) bits[h] = (sign | 0x7f800000 | (mant << 13)) >>> 0;
    else bits[h] = (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  }
  float16Table = table;
  return table;
}

export function float16ToNumber(h: number): number {
  return float16Values()[h & 0xffff];
}

export function bfloat16ToNumber(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0];
}

/** Writes each of n float16 values of src into dst as float32. */
export function float16ArrayToFloat32(src: Uint16Array, dst: Float32Array): void {
  const table = float16Values();
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i]];
}

/** Writes each of n bfloat16 values of src into dst as float32. */
export function bfloat16ArrayToFloat32(src: Uint16Array, dst: Float32Array): void {
  const bits = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
}
