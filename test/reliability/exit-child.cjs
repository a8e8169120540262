// Child process for child-exit.test.ts: loads the built package and ends while async calls run.
//   node exit-child.cjs <dist> settle          < v8-serialised cases: N calls left to settle, then a natural exit
//   node exit-child.cjs <dist> exit <ms>        long calls, process.exit(0) after <ms>
//   node exit-child.cjs <dist> exit-workers <ms> the same with two worker_threads calling too
// Prints one JSON line on exit.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');
const { Worker } = require('node:worker_threads');
const [dist, mode, ms] = process.argv.slice(2);
const { scaledDotProductAttentionAsync, backendInfo, tensor } = require(dist);

const native = backendInfo().backend === 'native';
const state = { backend: backendInfo().backend, started: 0, settled: 0, right: 0, maxErr: 0 };
process.on('exit', () => process.stdout.write(`${JSON.stringify(state)}\n`));

function longCalls() {
  const shape = native ? [1, 8, 1024, 64] : [1, 4, 128, 64];
  const n = shape.reduce((a, b) => a * b, 1);
  const make = (seed) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.sin(seed + i * 0.37);
    return tensor(a, shape);
  };
  const q = make(1),
    k = make(2),
    v = make(3);
  for (let i = 0; i < 16; i++) {
    state.started++;
    scaledDotProductAttentionAsync(q, k, v).then(() => state.settled++);
  }
}

if (mode === 'settle') {
  const cases = v8.deserialize(fs.readFileSync(0));
  for (let r = 0; r < 50; r++)
    for (const c of cases) {
      state.started++;
      scaledDotProductAttentionAsync(c.q, c.k, c.v, c.options).then((t) => {
        state.settled++;
        let err = 0;
        for (let i = 0; i < t.data.length; i++) err = Math.max(err, Math.abs(t.data[i] - c.want[i]));
        state.maxErr = Math.max(state.maxErr, err);
        if (err <= c.tolerance) state.right++;
      });
    }
} else if (mode === 'exit') {
  longCalls();
  setTimeout(() => process.exit(0), Number(ms));
} else if (mode === 'exit-workers') {
  longCalls();
  let ready = 0;
  for (let w = 0; w < 2; w++) {
    const worker = new Worker(path.join(__dirname, 'sdpa-worker.cjs'), {
      workerData: { dist, mode: 'long', shape: native ? [1, 8, 512, 64] : [1, 4, 128, 64], calls: 4 },
    });
    worker.once('message', () => {
      if (++ready === 2) setTimeout(() => process.exit(0), Number(ms));
    });
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
