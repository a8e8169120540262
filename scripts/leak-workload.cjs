// The short workload scripts/leak-check.sh runs under valgrind: each kind of addon call a few times
// (sync and async attention with and without out/weightsOut, linear(), a layer, a pool resize, a
// refused call, a worker_thread), on the built package. Small shapes: valgrind runs it ~50x slower.
'use strict';
const path = require('node:path');
const { Worker, isMainThread, parentPort } = require('node:worker_threads');
const ak = require(path.join(__dirname, '..', 'dist', 'index.js'));

const filled = (n, seed) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(seed + i * 0.37);
  return a;
};
const t = (shape, seed) =>
  ak.tensor(
    filled(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );

async function attention() {
  const q = t([1, 4, 40, 32], 1);
  const k = t([1, 2, 300, 32], 2);
  const v = t([1, 2, 300, 32], 3);
  const out = t([1, 4, 40, 32], 4);
  ak.scaledDotProductAttention(q, k, v, { causal: true });
  ak.scaledDotProductAttention(q, k, v, { out, weightsOut: t([1, 4, 40, 300], 5), softcap: 20, window: { left: 64 } });
  ak.scaledDotProductAttention(t([1, 4, 1, 32], 6), k, v, { sinks: [0, 1, 2, 3] }); // decode over key chunks
  await Promise.all([
    ak.scaledDotProductAttentionAsync(q, k, v),
    ak.scaledDotProductAttentionAsync(q, k, v, { out }),
    ak.scaledDotProductAttentionAsync(q, k, v, { mask: ak.tensor(new Uint8Array(300).fill(1), [1, 1, 1, 300]) }),
  ]);
}

async function main() {
  await attention();
  ak.linear(t([8, 64], 7), t([48, 64], 8), t([48], 9));
  ak.linear(t([1, 64], 7), t([48, 64], 8), null, { out: t([1, 48], 10) });
  const mha = new ak.MultiHeadAttention({ embedDim: 32, numHeads: 4, numKvHeads: 2, seed: 1 });
  mha.forward(t([2, 12, 32], 11), undefined, undefined, { causal: true, needWeights: true });
  new ak.SelfAttention({ embedDim: 16, numHeads: 2, seed: 2 }).forward(t([2, 6, 16], 12), { lengths: [6, 3] });
  try {
    ak.scaledDotProductAttention(t([1, 1, 2, 4], 1), t([1, 1, 3, 4], 2), t([1, 1, 2, 4], 3));
  } catch {}
  ak.setNumThreads(1);
  await attention();
  ak.setNumThreads(2);
  await attention();

  const worker = new Worker(__filename);
  const [msg] = await require('node:events').once(worker, 'message');
  if (msg !== 'ok') throw new Error(`worker: ${msg}`);
  console.log(`leak workload done (${ak.backendInfo().backend}, ${ak.backendInfo().simd})`);
}

if (isMainThread) main();
else
  attention().then(
    () => parentPort.postMessage('ok'),
    (e) => parentPort.postMessage(String(e)),
  );
