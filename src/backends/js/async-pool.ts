// Runs the JavaScript backend's async calls on one worker thread, so they never block the event loop.
// The worker gets copies of the inputs taken at call time and sends back the results, which are then
// copied into the caller's output. Calls queue on the one worker, as native async calls queue on the
// addon's pool. Where no worker can start (the worker script is missing from a bundle), the call runs
// synchronously, as it would have before.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SdpaPlan, StridedView } from '../types';
import { sdpaJsAny } from './sdpa-js-any';

interface Pending {
  plan: SdpaPlan;
  resolve: () => void;
  reject: (e: Error) => void;
}

interface Reply {
  id: number;
  out?: Float32Array;
  weights?: Float32Array | null;
  error?: string;
}

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, Pending>();

/** The compiled worker next to this file (dist), or dist's copy when this file runs from src (tests). */
function workerScript(): string | null {
  for (const candidate of [join(__dirname, 'async-worker.js'), join(__dirname, '..', '..', '..', 'dist', 'backends', 'js', 'async-worker.js')])
    if (existsSync(candidate)) return candidate;
  return null;
}

function failAll(message: string): void {
  for (const job of pending.values()) job.reject(new Error(`the JavaScript backend's worker ${message}`));
  pending.clear();
  worker = null;
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
    job.plan.out.data.set(reply.out!);
    if (job.plan.weights && reply.weights) job.plan.weights.set(reply.weights);
    job.resolve();
  });
  w.on('error', (e) => failAll(`failed: ${e.message}`));
  w.on('exit', (code) => failAll(`exited with code ${code}`));
  w.unref();
  return w;
}

const copyView = (v: StridedView): StridedView => ({ ...v, data: v.data.slice() });

/** The plan with copies of every array, and fresh outputs: what the worker receives. */
function detachedPlan(p: SdpaPlan): SdpaPlan {
  return {
    ...p,
    q: copyView(p.q),
    k: copyView(p.k),
    v: copyView(p.v),
    out: { ...p.out, data: new Float32Array(p.out.data.length) },
    weights: p.weights ? new Float32Array(p.weights.length) : null,
    mask: p.mask ? { ...p.mask, data: p.mask.data.slice() } : null,
    relativeBias: p.relativeBias ? { ...p.relativeBias, data: p.relativeBias.data.slice() } : null,
  };
}

export function sdpaJsAsync(plan: SdpaPlan): Promise<void> {
  worker ??= startWorker();
  if (worker === null) return Promise.resolve().then(() => sdpaJsAny(plan));
  const w = worker;
  const id = nextId++;
  const message = { id, plan: detachedPlan(plan) };
  return new Promise<void>((resolve, reject) => {
    pending.set(id, { plan, resolve, reject });
    w.ref();
    w.postMessage(message);
  });
}
