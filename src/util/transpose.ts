// A row-major matrix transposed into a fresh Float32Array, in 32 × 32 tiles so both the rows read and
// the rows written stay in cache. linearBackward needs it: linear() reduces along the last dimension of
// both operands, and two of the three backward products reduce along the first.

const TILE = 32;

/** [rows, cols] row-major → [cols, rows] row-major. */
export function transposed(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) t[c * rows + r] = a[r * cols + c];
    }
  }
  return t;
}
