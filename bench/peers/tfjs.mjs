// TensorFlow.js (tfjs-core 4.22) on its wasm and cpu backends: attention written with its ops,
// batched matMul over B·H, softmax, matMul; causal through an additive [Lq, Lk] mask.
import { peerRequire } from './install.mjs';

let tf;
let wasm;
function load() {
  if (!tf) {
    tf = peerRequire('@tensorflow/tfjs-core');
    peerRequire('@tensorflow/tfjs-backend-cpu');
    wasm = peerRequire('@tensorflow/tfjs-backend-wasm');
  }
  return tf;
}

/** Repeats each kv head `group` times (tfjs has no GQA): [B·Hkv, L, D] -> [B·Hq, L, D]. */
function expandHeads(a, s, D) {
  const group = s.Hq / s.Hkv;
  if (group === 1) return a;
  const o = new Float32Array(s.B * s.Hq * s.Lk * D);
  const n = s.Lk * D;
  for (let b = 0; b < s.B; b++)
    for (let h = 0; h < s.Hq; h++)
      o.set(
        a.subarray((b * s.Hkv + Math.floor(h / group)) * n, (b * s.Hkv + Math.floor(h / group) + 1) * n),
        (b * s.Hq + h) * n,
      );
  return o;
}

function makePeer(backend) {
  return {
    name: `tfjs-${backend}`,
    threads: backend === 'wasm' ? 'any' : [1],
    supports: (s) => (s.mask ? 'no masks here' : true),
    note: '',
    async setup(s, x, threads) {
      const t = load();
      if (backend === 'wasm') {
        // The threaded wasm binary needs Web Workers: in Node tfjs runs it single-threaded.
        wasm.setThreadsCount(threads);
      }
      await t.setBackend(backend);
      await t.ready();
      if (backend === 'wasm') {
        const got = wasm.getThreadsCount();
        this.note = got === threads ? '' : `tfjs wasm runs ${got} thread(s) in Node (asked ${threads})`;
      }
      const N = s.B * s.Hq;
      const q = t.tensor3d(x.q, [N, s.Lq, s.D]);
      const k = t.tensor3d(expandHeads(x.k, s, s.D), [N, s.Lk, s.D]);
      const v = t.tensor3d(expandHeads(x.v, s, s.Dv), [N, s.Lk, s.Dv]);
      let mask = null;
      if (s.causal) {
        const m = new Float32Array(s.Lq * s.Lk);
        for (let i = 0; i < s.Lq; i++) for (let j = i + s.Lk - s.Lq + 1; j < s.Lk; j++) m[i * s.Lk + j] = -Infinity;
        mask = t.tensor2d(m, [s.Lq, s.Lk]);
      }
      const scale = t.scalar(1 / Math.sqrt(s.D));
      let last = null;
      return {
        run: async () => {
          if (last) last.dispose();
          last = t.tidy(() => {
            let sc = t.mul(t.matMul(q, k, false, true), scale);
            if (mask) sc = t.add(sc, mask);
            return t.matMul(t.softmax(sc), v);
          });
          await last.data(); // wait for the result, as a user would
        },
        result: () => last.dataSync(),
        dispose: () => {
          for (const x of [q, k, v, mask, scale, last]) x?.dispose();
        },
      };
    },
  };
}

export const tfjsWasm = makePeer('wasm');
export const tfjsCpu = makePeer('cpu');
export const tfjsVersion = () => peerRequire('@tensorflow/tfjs-core/package.json').version;
