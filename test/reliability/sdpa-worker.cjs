// worker_threads body for worker-threads.test.ts; loads the built package (dist/), as a user's worker would.
//   'check': runs every case sync and async (many pending at once), compares with the reference's
//            answer and its own sync result, and posts what it found.
//   'long':  posts 'started', then runs a few long calls and posts 'done' (the test terminates it first).
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { scaledDotProductAttention, scaledDotProductAttentionAsync, backendInfo, tensor } = require(workerData.dist);

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return NaN;
    if (d > m) m = d;
  }
  return m;
}

async function check({ cases, rounds }) {
  const sync = cases.map((c) => scaledDotProductAttention(c.q, c.k, c.v, c.options).data);
  let maxErr = 0;
  let notIdentical = 0;
  const calls = [];
  for (let r = 0; r < rounds; r++)
    for (const [i, c] of cases.entries()) {
      const out = r % 2 === 0 ? { data: new Float32Array(c.want.length), shape: c.outShape } : undefined;
      calls.push(
        scaledDotProductAttentionAsync(c.q, c.k, c.v, out ? { ...c.options, out } : c.options).then((t) => ({
          i,
          data: t.data,
        })),
      );
    }
  for (const { i, data } of await Promise.all(calls)) {
    maxErr = Math.max(maxErr, maxAbsDiff(data, cases[i].want));
    if (!data.every((x, j) => Object.is(x, sync[i][j]))) notIdentical++;
  }
  for (const [i, c] of cases.entries()) maxErr = Math.max(maxErr, maxAbsDiff(sync[i], c.want));
  parentPort.postMessage({
    backend: backendInfo().backend,
    calls: calls.length + cases.length,
    maxErr,
    notIdentical,
    sync,
  });
}

async function long({ shape, calls }) {
  const n = shape.reduce((a, b) => a * b, 1);
  const make = (seed) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.sin(seed + i * 0.37);
    return tensor(a, shape);
  };
  const q = make(1),
    k = make(2),
    v = make(3);
  parentPort.postMessage('started');
  const pending = [];
  for (let i = 0; i < calls; i++) pending.push(scaledDotProductAttentionAsync(q, k, v, { causal: i % 2 === 0 }));
  await Promise.all(pending);
  parentPort.postMessage('done');
}

(workerData.mode === 'check' ? check(workerData) : long(workerData)).catch((e) => {
  parentPort.postMessage({ error: String(e?.stack ? e.stack : e) });
});
