// Draws the study's inputs: per row one query and `keys` keys, all components N(0, 1) in float32.
// Rows are drawn one after another from one stream, so chunking never changes the numbers.
import { createRng, mixSeed, type Rng } from '../util/rng';

/** Buffers for one chunk of rows: q [rows, dK], k [rows, keys, dK], row-major. */
export interface DrawnChunk {
  rows: number;
  q: Float32Array;
  k: Float32Array;
}

/** The RNG of one d_k: its own stream of the seed, so adding or removing other dims changes nothing. */
export function rngForDimension(seed: number, dK: number): Rng {
  return createRng(mixSeed(seed, dK));
}

/** Keeps the k buffer near 16 MB whatever keys·d_k is. */
export function chunkRowsFor(keys: number, dK: number): number {
  return Math.max(1, Math.floor(2 ** 22 / (keys * dK)));
}

/** Yields the `samples` rows in chunks; the buffers are reused, consume each chunk before the next. */
export function* drawChunks(rng: Rng, samples: number, keys: number, dK: number): Generator<DrawnChunk> {
  const chunkRows = Math.min(samples, chunkRowsFor(keys, dK));
  const q = new Float32Array(chunkRows * dK);
  const k = new Float32Array(chunkRows * keys * dK);
  for (let done = 0; done < samples; done += chunkRows) {
    const rows = Math.min(chunkRows, samples - done);
    for (let r = 0; r < rows; r++) {
      rng.fillNormal(q.subarray(r * dK, (r + 1) * dK));
      rng.fillNormal(k.subarray(r * keys * dK, (r + 1) * keys * dK));
    }
    yield { rows, q: q.subarray(0, rows * dK), k: k.subarray(0, rows * keys * dK) };
  }
}
