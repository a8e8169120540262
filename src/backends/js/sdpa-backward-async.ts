// Runs asynchronous backward calls on one worker thread of their own, so they never block the event
// loop. The worker gets copies of the inputs taken at call time and sends back the gradients, which
// are then copied into the caller's buffers; calls queue on the one worker and settle in order. Where
// no worker can start (the worker script is missing from a bundle), the call runs synchronously.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SdpaBackwardPlan } from '../backward-types';
import type { StridedView } from '../types';
import { sdpaBackwardJs } from './sdpa-backward-js';

interface Pending {
  plan: SdpaBackwardPlan;
  resolve: () => void;
  reject: (e: Error) => void;
}

interface Reply {
  id: number;
  grads?: (Float32Array | null)[];
  error?: string;
}

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, Pending>();

/** The compiled worker next to this file (dist), or dist's copy when this file runs from src (tests). */
function workerScript(): string | null {
  const name = 'sdpa-backward-worker.js';
  for (const candidate of [join(__dirname, name), join(__dirname, '..', '..', '..', 'dist', 'backends', 'js', name)])
    if (existsSync(candidate)) return candidate;
  return null;
}

function failAll(message: string): void {
  for (const job of pending.values()) job.reject(new Error(`the backward pass's worker ${message}`));
  pending.clear();
  worker = null;
}

/** The caller's gradient arrays, in the order the worker sends them back. */
function gradientsOf(p: SdpaBackwardPlan): (Float32Array | null)[] {
  return [p.dq.data, p.dk.data, p.dv.data, p.dSinks, p.dRelativeBias];
}

function startWorker(): Worker | null {
  const script = workerScript();
  if (script === null) return null;
  const w = new Worker(script);
  w.on('message', (reply: Reply) => {
    const job = pending.get(reply.id);
    if (!job) return;
    pending.delete(reply.id);
    if (pending.size === 0) w.unref();
    if (reply.error !== undefined) return job.reject(new Error(reply.error));
    // The caller's views were checked at call time; a transfer cannot have detached them (async-buffers.ts).
    gradientsOf(job.plan).forEach((g, x) => g?.set(reply.grads![x]!));
    job.resolve();
  });
  w.on('error', (e) => failAll(`failed: ${e.message}`));
  w.on('exit', (code) => failAll(`exited with code ${code}`));
  w.unref();
  return w;
}

const copyView = (v: StridedView): StridedView => ({ ...v, data: v.data.slice() });
const freshView = (v: StridedView): StridedView => ({ ...v, data: new Float32Array(v.data.length) });

/** The plan with copies of every input and fresh outputs: what the worker receives. */
function detachedPlan(p: SdpaBackwardPlan): SdpaBackwardPlan {
  const f = p.fwd;
  return {
    fwd: {
      ...f,
      q: copyView(f.q),
      k: copyView(f.k),
      v: copyView(f.v),
      out: copyView(f.out),
      mask: f.mask ? { ...f.mask, data: f.mask.data.slice() } : null,
      relativeBias: f.relativeBias ? { ...f.relativeBias, data: f.relativeBias.data.slice() } : null,
    },
    dOut: copyView(p.dOut),
    lse: p.lse ? p.lse.slice() : null,
    dq: freshView(p.dq),
    dk: freshView(p.dk),
    dv: freshView(p.dv),
    dSinks: p.dSinks ? new Float32Array(p.dSinks.length) : null,
    dRelativeBias: p.dRelativeBias ? new Float32Array(p.dRelativeBias.length) : null,
  };
}

export function sdpaBackwardJsAsync(plan: SdpaBackwardPlan): Promise<void> {
  worker ??= startWorker();
  if (worker === null) return Promise.resolve().then(() => sdpaBackwardJs(plan));
  const w = worker;
  const id = nextId++;
  const message = { id, plan: detachedPlan(plan) };
  return new Promise<void>((resolve, reject) => {
    pending.set(id, { plan, resolve, reject });
    w.ref();
    w.postMessage(message);
  });
}
