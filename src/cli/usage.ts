// The text of `attnkit --help`.
import { DEFAULT_DIMS, DEFAULT_KEYS, DEFAULT_SAMPLES, DEFAULT_SEED } from '../explain';

export const USAGE = `Usage: attnkit <command> [options]

Commands:
  explain [scale]     Why attention divides q·kᵀ by √d_k: a study of the scores and of the softmax
                      (computed by attnkit's kernel) for the scales none, 1/√d_k, 1/(2√d_k), 1/(3√d_k).
  explain example     The worked example: one q·k, then softmax of a row of three scores with and without the scale.
  info                Which backend runs (native or js), why, its SIMD level and threads.
  help                This text (also --help, -h).
  --version, -v       The installed attnkit's version.

Options of explain scale:
  --dims LIST         Comma-separated d_k values (default ${DEFAULT_DIMS.join(',')})
  --samples N         Query rows per d_k, each with its own keys (default ${DEFAULT_SAMPLES})
  --keys N            Keys per row, Lk (default ${DEFAULT_KEYS})
  --seed S            RNG seed, an integer in [0, 2^32 - 1] (default ${DEFAULT_SEED})
  --svg DIR           Also write the plots as SVG files into DIR
Options of every command:
  --json              Print the result as JSON instead of a table

Exit codes: 0 success, 1 failure, 2 bad usage.
Examples:
  npx attnkit explain
  npx attnkit explain scale --dims 64,1024 --samples 2000 --seed 7 --json
  npx attnkit explain --svg docs/explain
`;
