// npm run fuzz -- [--count N] [--seed S] [--start I] [--backend js|native] [--ops sdpa,linear,...]
//                 [--hang-ms MS] [--quarantine K] [--max-restarts R] [--json FILE]
// npm run fuzz -- --seed S --index I [--backend js|native]     replays one call in this process, verbosely
// Runs the API fuzzer of test/fuzz (the same generator and property as test/fuzz/api-fuzz.test.ts) in a
// watched child process, prints calls/s and the failures grouped by kind, each with a replay command;
// exits 1 on any failure.
import { writeFileSync } from 'node:fs';
import { OPS, describeCall, type Op } from '../test/fuzz/spec';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const num = (name: string, fallback: number): number => {
  const v = flag(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got ${v}`);
    process.exit(2);
  }
  return n;
};

const backend = flag('backend') as 'js' | 'native' | undefined;
if (backend !== undefined && backend !== 'js' && backend !== 'native') {
  console.error(`--backend must be js or native, got ${backend}`);
  process.exit(2);
}
const ops = flag('ops')?.split(',') as Op[] | undefined;
if (ops?.some((o) => !OPS.includes(o))) {
  console.error(`--ops takes a comma-separated list of ${OPS.join(', ')}`);
  process.exit(2);
}
const seed = num('seed', 1);

async function replay(index: number): Promise<number> {
  if (backend) process.env.ATTNKIT_BACKEND = backend;
  const api = await import('../src/index');
  const { generateCall } = await import('../test/fuzz/generate');
  const { checkCall } = await import('../test/fuzz/check');
  const spec = generateCall(seed, index, ops);
  const info = api.backendInfo();
  console.log(
    `[${info.backend}/${info.simd}] seed ${seed} index ${index}: ${spec.op}, labels: ${spec.labels.join(' + ') || '(valid call)'}`,
  );
  console.log(describeCall(spec));
  const out = await checkCall(api, spec);
  console.log(
    `ended with ${out.result === 'value' ? 'a value' : out.result === 'coded' ? 'a coded attnkit error' : 'another error'} in ${out.ms.toFixed(1)} ms`,
  );
  for (const f of out.failures) console.log(`FAIL ${f.kind}: ${f.detail}`);
  if (!out.failures.length) console.log('ok');
  return out.failures.length ? 1 : 0;
}

async function run(): Promise<number> {
  const { supervise, formatReport } = await import('../test/fuzz/supervise');
  const count = num('count', 10_000);
  let shown = 0;
  const report = await supervise({
    seed,
    count,
    start: num('start', 0),
    backend,
    ops,
    hangMs: num('hang-ms', 10_000),
    quarantineAfter: num('quarantine', 2),
    maxRestarts: num('max-restarts', 1000),
    onProgress: (done) => {
      if (count >= 100_000 && done >= shown + count / 20) {
        shown = done;
        process.stderr.write(`${done} / ${count}\n`);
      }
    },
  });
  console.log(formatReport(report));
  const json = flag('json');
  if (json) writeFileSync(json, JSON.stringify(report, null, 2));
  return report.failures.length ? 1 : 0;
}

const index = flag('index');
process.exitCode = index !== undefined ? await replay(num('index', 0)) : await run();
