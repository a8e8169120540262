// Checks scaleStudy's options up front, with the project's error wording.
import { typeError, valueError } from '../validation/error-factory';
import type { ScaleStudyOptions } from './types';
import { snapshotOptions } from '../validation/snapshot';

export const DEFAULT_DIMS: readonly number[] = [4, 16, 64, 256, 1024];
export const DEFAULT_SAMPLES = 1000;
export const DEFAULT_KEYS = 64;
export const DEFAULT_SEED = 1;
/** keys·d_k per row above this would need a gigabyte-sized chunk; refuse it. */
export const MAX_KEYS_TIMES_DIM = 2 ** 24;
/** The study keeps every score of a d_k (float64) for the ±kσ counts: 2^24 of them is 128 MB. */
export const MAX_SCORES = 2 ** 24;

export interface ResolvedStudyOptions {
  dims: number[];
  samples: number;
  keys: number;
  seed: number;
}

const OP = 'scaleStudy';
const KNOWN = ['dims', 'samples', 'keys', 'seed'];

function integerIn(arg: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw typeError(OP, arg, `an integer in [${min}, ${max}]`, value);
  if (!Number.isInteger(value) || value < min || value > max)
    throw valueError(OP, arg, `an integer in [${min}, ${max}]`, String(value));
  return value;
}

export function resolveStudyOptions(options: ScaleStudyOptions | undefined): ResolvedStudyOptions {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object') throw typeError(OP, 'options', 'an object', options);
  for (const key of Object.keys(options))
    if (!KNOWN.includes(key)) throw valueError(OP, 'options', `made of ${KNOWN.join(', ')}`, `unknown option '${key}'`);
  // Own properties only, each read once (a polluted Object.prototype is ignored).
  options = snapshotOptions(OP, options, KNOWN) as ScaleStudyOptions;
  const samples = integerIn('options.samples', options.samples, 2, 10_000_000, DEFAULT_SAMPLES);
  const keys = integerIn('options.keys', options.keys, 2, 1_000_000, DEFAULT_KEYS);
  const seed = integerIn('options.seed', options.seed, 0, 0xffffffff, DEFAULT_SEED);
  const rawDims: unknown = options.dims ?? DEFAULT_DIMS;
  if (!Array.isArray(rawDims) || rawDims.length === 0)
    throw typeError(OP, 'options.dims', 'a non-empty array of positive integers', rawDims);
  const dims = rawDims.map((d, i) => integerIn(`options.dims[${i}]`, d, 1, MAX_KEYS_TIMES_DIM, 0));
  if (samples * keys > MAX_SCORES)
    throw valueError(
      OP,
      'options.samples · options.keys',
      `at most ${MAX_SCORES}`,
      `${samples} · ${keys} = ${samples * keys}`,
    );
  for (const d of dims)
    if (d * keys > MAX_KEYS_TIMES_DIM)
      throw valueError(OP, 'options.keys · d_k', `at most ${MAX_KEYS_TIMES_DIM}`, `${keys} · ${d} = ${keys * d}`);
  return { dims, samples, keys, seed };
}
