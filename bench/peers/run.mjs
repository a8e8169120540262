// `npm run bench:peers`: attnkit against onnxruntime-node, TensorFlow.js (wasm, cpu) and naive JS on
// the shapes of `npm run bench`, all timed in this one run, with the ratio attnkit / peer (how many
// times faster attnkit is). Every peer is first checked against attnkit on small shapes; a peer that
// disagrees (max |diff| > 1e-4) is refused, so a wrong peer cannot look fast. The 'mha' scenario
// (bench/peers/mha.mjs) does the same for a whole MultiHeadAttention layer against an onnxruntime graph.
//   --quick   fewer shapes and runs      --json <file>   write { machine, rows }
//   --only a,b   scenarios to run (prefill, causal, masks, decode, mha, js)
import fs from 'node:fs';
import { attnkit, threadCounts } from '../lib/attnkit.mjs';
import { cores, describeMachine, mergeMachine, probeMachine } from '../lib/machine.mjs';
import { addAttnkitSide, applyMachine, attnkitCall, derive, timeAttnkit } from '../lib/measure.mjs';
import { inputs, label, masked, sdpaRunner, shape } from '../lib/shapes.mjs';
import { runChild } from '../lib/spawn.mjs';
import { PEER_COLUMNS, formatTable } from '../lib/table.mjs';
import * as causal from '../causal.mjs';
import * as decode from '../decode.mjs';
import * as jsBackend from '../js-backend.mjs';
import * as masks from '../masks.mjs';
import * as prefill from '../prefill.mjs';
import { rounds, timeAlternately } from './alternate.mjs';
import { ensurePeers } from './install.mjs';
import * as mha from './mha.mjs';
import { naiveJs } from './naive-js.mjs';
import { ortAttention, ortMha, ortVersion } from './ort.mjs';
import { tfjsCpu, tfjsVersion, tfjsWasm } from './tfjs.mjs';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const jsonAt = argv.indexOf('--json');
const jsonFile = jsonAt >= 0 ? argv[jsonAt + 1] : null;
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? argv[onlyAt + 1].split(',') : null;
for (const a of argv)
  if (a.startsWith('--') && !['--quick', '--json', '--only'].includes(a))
    throw new Error(`bench:peers: unknown argument ${a} (use --quick, --json <file>, --only a,b)`);

ensurePeers();

const PEERS = [ortMha, ortAttention, tfjsWasm, tfjsCpu, naiveJs];
// Peers far slower than attnkit are timed only where a run stays short (flops of the full, unskipped
// computation): tfjs cpu and naive JS at S = 512 and decode, tfjs wasm up to S = 1024.
const MAX_FLOPS = { 'tfjs-wasm': 2.2e9, 'tfjs-cpu': 6e8, 'naive-js': 6e8 };
const fullFlops = (s) => 2 * s.B * s.Hq * s.Lq * s.Lk * (s.D + s.Dv);
const TOLERANCE = 1e-4;

const threads = threadCounts(cores());
const machine = probeMachine([...new Set([1, 2, ...threads])].filter((t) => t <= Math.max(cores(), ...threads)));
const timing = quick ? { warmup: 1, runs: 3 } : { warmup: 2, runs: 10 };

const info = attnkit.backendInfo();
console.log(
  `attnkit ${info.version} (${info.backend}, ${info.simd}${Number.isFinite(info.fmaWidth) ? `, fmaWidth ${info.fmaWidth}` : ''}) vs onnxruntime-node ${ortVersion()}, tfjs ${tfjsVersion()}`,
);
console.log(`${describeMachine(machine)}\n`);

const attnkitOut = (s, x) => sdpaRunner(attnkit, s, x)().data;

// Correctness gate: non-causal, causal, a GQA decode and the three masks, small enough for every peer.
const small = shape(1, 4, 4, 37, 40, 16);
const CHECKS = [
  shape(1, 4, 4, 37, 37, 16),
  shape(1, 4, 4, 37, 37, 16, 16, true),
  shape(1, 4, 2, 1, 50, 16),
  shape(1, 4, 4, 1, 50, 16),
  ...['padding', 'bool', 'additive'].map((m) => masked(small, m)),
];
const refused = new Map();
for (const peer of PEERS) {
  let worst = 0;
  for (const s of CHECKS) {
    if (peer.supports(s) !== true) continue;
    const x = inputs(s, 7);
    const want = attnkitOut(s, x);
    const h = await peer.setup(s, x, 1);
    await h.run();
    const got = h.result();
    h.dispose?.();
    let err = got.length === want.length ? 0 : Infinity;
    for (let i = 0; i < want.length && err !== Infinity; i++)
      err = Math.max(err, Math.abs(got[i] - want[i]) || (Number.isNaN(got[i]) ? Infinity : 0));
    worst = Math.max(worst, err);
    if (!(err <= TOLERANCE)) refused.set(peer.name, `max |diff| ${err} on ${label(s)}`);
  }
  console.log(
    `check ${peer.name.padEnd(9)} vs attnkit: max |diff| ${worst.toExponential(2)}${refused.has(peer.name) ? '  REFUSED' : ''}`,
  );
}
console.log('');

const ROUNDS = rounds(quick);
const alt = { quick, timing };
/** The peer on shape s with t threads, alternating with attnkit on attnkitThreads (null: the peer alone). */
async function timePeer(peer, s, t, attnkitThreads = null) {
  const h = await peer.setup(s, inputs(s), t);
  return timeAlternately(h, attnkitThreads === null ? null : attnkitCall(s, attnkitThreads), alt);
}

const scenarios = [
  [prefill.name, prefill.shapes(quick)],
  [causal.name, causal.shapes(quick)],
  [masks.name, masks.shapes(quick).filter((s) => s.mask)],
  [decode.name, decode.shapes()],
];
const rows = [];
for (const [scenario, shapes] of scenarios.filter(([n]) => !only || only.includes(n)))
  for (const s of shapes)
    for (const t of threads) {
      const isDecode = scenario === 'decode';
      const dt = isDecode ? { warmup: timing.warmup + 2, runs: timing.runs * 2 } : timing;
      const base = derive({ scenario, ...timeAttnkit(s, { threads: t, ...dt }) }, s, machine, { decode: isDecode });
      base.backend = `attnkit ${base.backend}`;
      rows.push(base);
      process.stderr.write(`  ${label(s)} thr=${t}: attnkit ${base.ms.toFixed(2)} ms\n`);
      for (const peer of PEERS) {
        const pt = peer.threads === 'any' ? t : peer.threads.includes(t) ? t : null;
        if (pt === null || refused.has(peer.name)) continue;
        const ok = peer.supports(s);
        if (ok !== true || fullFlops(s) > (MAX_FLOPS[peer.name] ?? Infinity)) continue;
        const r = await timePeer(peer, s, pt, t);
        const row = addAttnkitSide(
          derive({ scenario, backend: peer.name, simd: '', threads: pt, ms: r.ms }, s, machine, { decode: isDecode }),
          r.attnkitMs,
          machine,
        );
        row.note = [r.runs < timing.runs ? `${r.runs} runs` : '', peer.note].filter(Boolean).join('; ');
        rows.push(row);
        process.stderr.write(`  ${label(s)} thr=${t}: ${peer.name} ${r.ms.toFixed(2)} ms\n`);
      }
    }

// MultiHeadAttention.forward against the same layer as an onnxruntime graph (bench/peers/mha.mjs).
if (!only || only.includes(mha.name)) {
  const got = await mha.run({ quick, threads, machine, timing });
  rows.push(...got.rows);
  for (const [n, why] of got.refused) refused.set(n, why);
}

// The JS backend against the JavaScript peers at S = 512, timed back to back (the machine's load drifts
// over a long run, so rows minutes apart would not compare).
if (!only || only.includes('js')) {
  const js = derive(
    {
      scenario: 'js',
      ...runChild({ kind: 'time', shape: jsBackend.SHAPE, threads: 1, ...timing }, { ATTNKIT_BACKEND: 'js' }),
      threads: 1,
    },
    jsBackend.SHAPE,
    machine,
  );
  js.backend = 'attnkit js';
  rows.push(js);
  for (const peer of [tfjsWasm, tfjsCpu, naiveJs]) {
    if (refused.has(peer.name)) continue;
    const r = await timePeer(peer, jsBackend.SHAPE, 1);
    const row = addAttnkitSide(
      derive({ scenario: 'js', backend: peer.name, simd: '', threads: 1, ms: r.ms }, jsBackend.SHAPE, machine),
      js.ms,
      machine,
    );
    row.note = r.runs < timing.runs ? `${r.runs} runs` : '';
    rows.push(row);
    process.stderr.write(`  js ${label(jsBackend.SHAPE)}: ${peer.name} ${r.ms.toFixed(2)} ms\n`);
  }
}

// Probe again now that the run is over and keep the better figures (see mergeMachine).
mergeMachine(machine, probeMachine(Object.keys(machine.peak).map(Number)));
applyMachine(rows, machine);
console.log(`probes, best of start and end: ${describeMachine(machine)}\n`);
console.log(formatTable(rows, PEER_COLUMNS));
console.log(
  '\nattnkit × = peer median / attnkit median on the same shape and thread count, the two timed alternately in\n' +
    `${ROUNDS} rounds (js rows: vs the attnkit JS backend's row); attnkit % peak / % bw: attnkit's side of those rounds,\n` +
    "beside the peer's own in % peak / % bw. The attnkit rows are timed on their own, before the peers.",
);
for (const [name, why] of refused) console.log(`refused ${name}: ${why}`);
if (jsonFile) {
  fs.writeFileSync(
    jsonFile,
    `${JSON.stringify({ date: new Date().toISOString(), machine, peers: { onnxruntime: ortVersion(), tfjs: tfjsVersion() }, rows }, null, 2)}\n`,
  );
  console.log(`rows written to ${jsonFile}`);
}
