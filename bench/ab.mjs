// `node bench/ab.mjs <dirA> <dirB> [options]`: two builds of attnkit on one shape, timed alternately
// in the same run, so a load burst on a shared machine falls on both sides. Each dir is a built
// checkout (`npm run build` there). Options:
//   --shape B,Hq,Hkv,Lq,Lk,D[,Dv]   default 1,32,32,1,2048,128 (MHA decode)
//   --causal   --bshd (that layout)   --threads n (default 1)   --rounds n (default 7)
//   --runs n   calls per block (default 30 for decode shapes, 10 otherwise)
// Two identical builds differed by up to 17 % on this 2-core VM: trust larger ratios, run both orders.
// Prints each side's median of block medians, its GFLOP/s (or GB/s of K+V for decode) and the ratio.
import { createRequire } from 'node:module';
import path from 'node:path';
import { bshd, flops, kvBytes, label, sdpaRunner, shape } from './lib/shapes.mjs';
import { median, timeSync } from './lib/timing.mjs';

const require = createRequire(import.meta.url);

function parseArgs(argv) {
  const a = { dirs: [], shape: [1, 32, 32, 1, 2048, 128], causal: false, bshd: false, threads: 1, rounds: 7, runs: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--shape') a.shape = argv[++i].split(',').map(Number);
    else if (arg === '--causal') a.causal = true;
    else if (arg === '--bshd') a.bshd = true;
    else if (arg === '--threads') a.threads = Number(argv[++i]);
    else if (arg === '--rounds') a.rounds = Number(argv[++i]);
    else if (arg === '--runs') a.runs = Number(argv[++i]);
    else if (arg.startsWith('--')) throw new Error(`bench/ab: unknown option ${arg}`);
    else a.dirs.push(arg);
  }
  if (a.dirs.length !== 2) throw new Error('bench/ab: give two built attnkit directories');
  if (![6, 7].includes(a.shape.length) || a.shape.some((x) => !Number.isInteger(x) || x < 1))
    throw new Error('bench/ab: --shape takes B,Hq,Hkv,Lq,Lk,D[,Dv], positive integers');
  for (const k of ['threads', 'rounds', 'runs'])
    if (!Number.isInteger(a[k]) || a[k] < (k === 'runs' ? 0 : 1))
      throw new Error(`bench/ab: --${k} takes a positive integer`);
  return a;
}

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(err.message);
  process.exit(2);
}
const [B, Hq, Hkv, Lq, Lk, D, Dv = D] = args.shape;
const plain = shape(B, Hq, Hkv, Lq, Lk, D, Dv, args.causal);
const s = args.bshd ? bshd(plain) : plain;
const decode = Lq <= 8;
const runs = args.runs || (decode ? 30 : 10);

const sides = args.dirs.map((dir) => {
  const lib = require(path.resolve(dir, 'dist', 'index.js'));
  lib.setNumThreads(args.threads);
  return { dir, run: sdpaRunner(lib, s), info: lib.backendInfo(), blocks: [] };
});

for (let r = 0; r < args.rounds; r++)
  for (const side of sides) side.blocks.push(timeSync(side.run, { warmup: 1, runs }).median);

console.log(`${label(s)}, ${args.threads} thread(s), ${args.rounds} rounds of ${runs} calls, alternating`);
for (const side of sides) {
  side.ms = median(side.blocks);
  const figure = decode
    ? `${(kvBytes(s) / (side.ms * 1e6)).toFixed(2)} GB/s`
    : `${(flops(s) / (side.ms * 1e6)).toFixed(1)} GFLOP/s`;
  console.log(`  ${side.dir} (${side.info.backend}, ${side.info.simd}): ${side.ms.toFixed(3)} ms, ${figure}`);
}
console.log(`  time A / time B: ${(sides[0].ms / sides[1].ms).toFixed(3)}`);
