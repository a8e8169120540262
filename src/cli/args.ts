// Parses the attnkit command line by hand (no dependency): commands, then --options anywhere.
// Every mistake is a UsageError, which main turns into a message and exit code 2.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Command = 'explain scale' | 'explain example' | 'info' | 'help' | 'version';

export interface CliOptions {
  dims?: number[];
  samples?: number;
  keys?: number;
  seed?: number;
  json: boolean;
  svg?: string;
}

export interface ParsedArgs {
  command: Command;
  options: CliOptions;
}

type OptionName = 'dims' | 'samples' | 'keys' | 'seed' | 'json' | 'svg' | 'help' | 'version';
const TAKES_VALUE: Record<OptionName, boolean> = {
  dims: true,
  samples: true,
  keys: true,
  seed: true,
  svg: true,
  json: false,
  help: false,
  version: false,
};
/** Which options each command accepts (help is accepted everywhere). */
const ALLOWED: Record<Command, OptionName[]> = {
  'explain scale': ['dims', 'samples', 'keys', 'seed', 'json', 'svg'],
  'explain example': ['json'],
  info: ['json'],
  help: [],
  version: [],
};

function positiveInt(name: string, text: string, max = 2 ** 32 - 1, min = 1): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be an integer, got '${text}'`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`--${name} must be in [${min}, ${max}], got ${text}`);
  return n;
}

function setOption(options: CliOptions, name: OptionName, value: string): void {
  switch (name) {
    case 'dims':
      if (value.trim() === '')
        throw new UsageError(`--dims must be a comma-separated list of integers, e.g. 4,16,64, got ''`);
      options.dims = value.split(',').map((d) => positiveInt('dims', d.trim()));
      break;
    case 'samples':
      options.samples = positiveInt('samples', value, 10_000_000, 2);
      break;
    case 'keys':
      options.keys = positiveInt('keys', value, 1_000_000, 2);
      break;
    case 'seed':
      options.seed = positiveInt('seed', value, 2 ** 32 - 1, 0);
      break;
    case 'svg':
      if (value === '') throw new UsageError('--svg needs a directory');
      options.svg = value;
      break;
    default:
      throw new UsageError(`--${name} takes no value`);
  }
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const seen: OptionName[] = [];
  const options: CliOptions = { json: false };
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') {
      help = true;
      continue;
    }
    if (arg === '-v') {
      version = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unknown option '${arg}'`);
    const eq = arg.indexOf('=');
    const name = (eq < 0 ? arg.slice(2) : arg.slice(2, eq)) as OptionName;
    if (!(name in TAKES_VALUE)) throw new UsageError(`unknown option '--${name}'`);
    if (name === 'help') help = true;
    else if (name === 'version') {
      if (eq >= 0) throw new UsageError('--version takes no value');
      version = true;
    } else if (name === 'json') {
      if (eq >= 0) throw new UsageError('--json takes no value');
      options.json = true;
    } else {
      const value: string | undefined = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
      setOption(options, name, value);
    }
    seen.push(name);
  }

  let command: Command;
  const [first, second, ...rest] = positional;
  if (version && !help) return { command: 'version', options };
  if (help || first === undefined || first === 'help') {
    command = 'help';
    return { command, options };
  }
  if (first === 'explain') {
    if (second === undefined || second === 'scale') command = 'explain scale';
    else if (second === 'example') command = 'explain example';
    else throw new UsageError(`unknown explain topic '${second}' (expected 'scale' or 'example')`);
    if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  } else if (first === 'info') {
    command = 'info';
    if (second !== undefined) throw new UsageError(`unexpected argument '${second}'`);
  } else throw new UsageError(`unknown command '${first}' (expected 'explain' or 'info')`);

  for (const name of seen)
    if (name !== 'help' && !ALLOWED[command].includes(name))
      throw new UsageError(`--${name} does not apply to '${command}'`);
  return { command, options };
}
