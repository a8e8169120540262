// `npm run bench`: attnkit on every scenario, one table. Options:
//   --quick         fewer shapes and runs (a smoke run, not figures to quote)
//   --json <file>   also write { machine, rows } as JSON (bench/plot-svg.mjs reads it)
//   --only a,b      scenarios to run (prefill, causal, masks, decode, memory, js, backward, mha-decode)
// Needs the built package (`npm run build`). Percentages are against this machine's own probes.
import fs from 'node:fs';
import { attnkit, canSetThreads, threadCounts } from './lib/attnkit.mjs';
import { cores, describeMachine, mergeMachine, probeMachine } from './lib/machine.mjs';
import { applyMachine } from './lib/measure.mjs';
import { formatTable } from './lib/table.mjs';
import * as backward from './backward.mjs';
import * as causal from './causal.mjs';
import * as decode from './decode.mjs';
import * as jsBackend from './js-backend.mjs';
import * as masks from './masks.mjs';
import * as memory from './memory.mjs';
import * as mhaDecode from './mha-decode.mjs';
import * as prefill from './prefill.mjs';

const SCENARIOS = [prefill, causal, masks, decode, memory, jsBackend, backward, mhaDecode];

export function parseArgs(argv) {
  const a = { quick: false, json: null, only: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') a.quick = true;
    else if (argv[i] === '--json') a.json = argv[++i];
    else if (argv[i] === '--only') a.only = argv[++i].split(',');
    else throw new Error(`bench: unknown argument ${argv[i]} (use --quick, --json <file>, --only a,b)`);
  }
  if (a.json === undefined) throw new Error('bench: --json needs a file name');
  return a;
}

const args = parseArgs(process.argv.slice(2));
const threads = threadCounts(cores());
// Both thread counts are probed even when only one is timed, so the table header tells the whole machine.
const machine = probeMachine([...new Set([1, 2, ...threads])].filter((t) => t <= Math.max(cores(), ...threads)));
const ctx = {
  quick: args.quick,
  threads,
  machine,
  timing: args.quick ? { warmup: 1, runs: 3 } : { warmup: 2, runs: 10 },
};

const info = attnkit.backendInfo();
const fma = Number.isFinite(info.fmaWidth) ? `, fmaWidth ${info.fmaWidth}` : '';
console.log(`attnkit ${info.version}: backend ${info.backend}, simd ${info.simd}${fma}; ${describeMachine(machine)}`);
if (!canSetThreads)
  console.log(`setNumThreads is not exported by this build: every row runs on the default ${threads[0]} thread(s)`);
console.log(
  `median of ${ctx.timing.runs} runs after ${ctx.timing.warmup} warm-up (decode: twice as many)${args.quick ? ', --quick' : ''}\n`,
);

const rows = [];
for (const sc of SCENARIOS) {
  if (args.only && !args.only.includes(sc.name)) continue;
  const got = await sc.run(ctx);
  rows.push(...got);
  for (const r of got) process.stderr.write(`  ${r.scenario} ${r.shape} thr=${r.threads}: ${r.ms.toFixed(2)} ms\n`);
}
// Probe again now that the run is over and keep the better figures (see mergeMachine).
mergeMachine(machine, probeMachine(Object.keys(machine.peak).map(Number)));
applyMachine(rows, machine);
console.log(`probes, best of start and end: ${describeMachine(machine)}\n`);
console.log(formatTable(rows));
if (args.json) {
  fs.writeFileSync(args.json, `${JSON.stringify({ date: new Date().toISOString(), machine, rows }, null, 2)}\n`);
  console.log(`\nrows written to ${args.json}`);
}
