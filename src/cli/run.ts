// Runs one parsed command and returns the exit code. Output goes through the given streams so
// tests can call it in-process; main.ts binds them to the process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AttnkitRangeError, AttnkitTypeError, VERSION, backendInfo, scaleStudy, workedExample } from '../index';
import {
  formatStudyTable,
  formatWorkedExample,
  sampleSoftmaxRow,
  studyFigures,
  DEFAULT_SEED,
  DEFAULT_KEYS,
} from '../explain';
import { parseArgs, UsageError, type CliOptions } from './args';
import { USAGE } from './usage';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** The histograms show one row at this d_k whatever --dims says. */
const HISTOGRAM_DIM = 1024;

function explainScale(o: CliOptions, io: Io): void {
  const study = { dims: o.dims, samples: o.samples, keys: o.keys, seed: o.seed };
  const rows = scaleStudy(study);
  const backend = backendInfo().backend;
  const seed = o.seed ?? DEFAULT_SEED;
  if (o.json) io.out(`${JSON.stringify({ command: 'explain scale', backend, seed, rows }, null, 2)}\n`);
  else io.out(formatStudyTable(rows, backend));
  if (o.svg !== undefined) {
    const histogram = sampleSoftmaxRow(HISTOGRAM_DIM, o.keys ?? DEFAULT_KEYS, seed);
    fs.mkdirSync(o.svg, { recursive: true });
    for (const fig of studyFigures(rows, histogram, HISTOGRAM_DIM, seed)) {
      const file = path.join(o.svg, fig.file);
      fs.writeFileSync(file, fig.svg);
      io.err(`wrote ${file}\n`);
    }
  }
}

export function run(argv: readonly string[], io: Io): number {
  try {
    const { command, options } = parseArgs(argv);
    switch (command) {
      case 'help':
        io.out(USAGE);
        return 0;
      case 'version':
        io.out(`${VERSION}\n`);
        return 0;
      case 'info': {
        const info = backendInfo();
        io.out(
          options.json
            ? `${JSON.stringify(info, null, 2)}\n`
            : `${Object.entries(info)
                .map(([k, v]) => `${k.padEnd(8)} ${v}`)
                .join('\n')}\n`,
        );
        return 0;
      }
      case 'explain example': {
        const ex = workedExample();
        io.out(options.json ? `${JSON.stringify(ex, null, 2)}\n` : formatWorkedExample(ex));
        return 0;
      }
      case 'explain scale':
        explainScale(options, io);
        return 0;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`attnkit: ${e.message}\nRun 'attnkit --help' for usage.\n`);
      return 2;
    }
    // Option values the library refuses (e.g. --keys × d_k too large) are bad usage too.
    if (e instanceof AttnkitRangeError || e instanceof AttnkitTypeError) {
      io.err(`attnkit: ${e.message}\n`);
      return 2;
    }
    io.err(`attnkit: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
