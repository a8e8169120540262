// One worker thread per kind of async call, so the JavaScript backend's async calls never block the event
// loop. The worker gets copies of the inputs taken at call time and sends back the output arrays, which
// are then copied into the caller's buffers; calls queue on the one worker and settle in order. Where no
// worker can start (the worker script is missing from a bundle), the call runs synchronously.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** What a worker script posts back for job `id` (see serveJobs in worker-serve.ts). */
export interface WorkerReply {
  id: number;
  outputs?: (Float32Array | null)[];
  error?: string;
}

export interface WorkerQueueSpec<P> {
  /** The compiled worker's file name, next to this file in dist/backends/js. */
  script: string;
  /** Names the worker in errors ("the JavaScript backend's worker failed: …"). */
  label: string;
  /** The plan with copies of every input and fresh outputs: what the worker receives. */
  detach: (plan: P) => P;
  /** The caller's output arrays, in the order the worker sends them back. */
  outputs: (plan: P) => (Float32Array | null)[];
  /** The same computation on this thread, where no worker can start. */
  runHere: (plan: P) => void;
}

/** The compiled worker next to this file (dist), or dist's copy when this file runs from src (tests). */
function workerScript(name: string): string | null {
  for (const candidate of [join(__dirname, name), join(__dirname, '..', '..', '..', 'dist', 'backends', 'js', name)])
    if (existsSync(candidate)) return candidate;
  return null;
}

/** A function that runs plans on the spec's worker, one at a time, in call order. */
export function workerQueue<P>(spec: WorkerQueueSpec<P>): (plan: P) => Promise<void> {
  let worker: Worker | null = null;
  let nextId = 0;
  const pending = new Map<number, { plan: P; resolve: () => void; reject: (e: Error) => void }>();

  const failAll = (message: string): void => {
    for (const job of pending.values()) job.reject(new Error(`${spec.label} ${message}`));
    pending.clear();
    worker = null;
  };

  const start = (): Worker | null => {
    const script = workerScript(spec.script);
    if (script === null) return null;
    const w = new Worker(script);
    w.on('message', (reply: WorkerReply) => {
      const job = pending.get(reply.id);
      if (!job) return;
      pending.delete(reply.id);
      if (pending.size === 0) w.unref();
      if (reply.error !== undefined) return job.reject(new Error(reply.error));
      // The caller's views were checked at call time; a transfer cannot have detached them (async-buffers.ts).
      spec.outputs(job.plan).forEach((o, x) => o?.set(reply.outputs![x]!));
      job.resolve();
    });
    w.on('error', (e) => failAll(`failed: ${e.message}`));
    w.on('exit', (code) => failAll(`exited with code ${code}`));
    w.unref();
    return w;
  };

  return (plan: P): Promise<void> => {
    worker ??= start();
    if (worker === null) return Promise.resolve().then(() => spec.runHere(plan));
    const w = worker;
    const id = nextId++;
    const message = { id, plan: spec.detach(plan) };
    return new Promise<void>((resolve, reject) => {
      pending.set(id, { plan, resolve, reject });
      w.ref();
      w.postMessage(message);
    });
  };
}
