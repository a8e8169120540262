// One model worker thread: the model, its generation sessions, and a queue of jobs. Attention runs
// here, off the server's event loop (the layers' forward is synchronous). Jobs take turns one unit
// at a time, an embedding batch or one generation step, so a long generation does not hold up
// the requests queued behind it.
import { parentPort, workerData } from 'node:worker_threads';
import { TinyModel } from './model.js';
import { SessionStore } from './sessions.js';

const model = new TinyModel(workerData.model);
const store = new SessionStore(model, workerData.memoryCap, `${workerData.index}.`);
const queue = [];
const cancelled = new Set();
let scheduled = false;

const post = (msg, transfer) => parentPort.postMessage(msg, transfer);
const fail = (id, status, message) => post({ id, type: 'error', status, message });

function schedule() {
  if (!scheduled && queue.length > 0) {
    scheduled = true;
    setImmediate(pump);
  }
}

function startGeneration(msg) {
  const { id, tokens, maxTokens } = msg;
  let s;
  if (msg.session !== undefined) {
    s = store.get(msg.session);
    if (!s) return fail(id, 404, `session ${msg.session} not found (evicted or never created)`);
    if (s.busy) return fail(id, 409, `session ${msg.session} is generating for another request`);
  } else {
    s = store.create();
    if (!s) return fail(id, 503, `all ${store.capacity} session slots are generating; retry later`);
  }
  const input = s.pending === null ? tokens : [s.pending, ...tokens];
  const { context } = model.config;
  const need = store.used(s) + input.length + maxTokens - 1;
  if (need > context)
    return fail(
      id,
      400,
      `too long: the session's context holds ${context} tokens; it has ${store.used(s)}, and ${tokens.length} new tokens with maxTokens ${maxTokens} need ${need}`,
    );
  s.busy = true;
  post({ id, type: 'start', session: s.id });
  queue.push({ id, kind: 'generate', s, input, remaining: maxTokens, out: [] });
}

/** One unit of the job at the head of the queue; a generation not finished goes to the back. */
function runUnit(job) {
  if (job.kind === 'embed') {
    const vectors = model.embed(job.sequences);
    return post(
      { id: job.id, type: 'result', value: vectors },
      vectors.map((v) => v.buffer),
    );
  }
  const { s } = job;
  if (cancelled.delete(job.id)) {
    if (job.out.length > 0) s.pending = job.out[job.out.length - 1];
    s.busy = false;
    return post({ id: job.id, type: 'cancelled' });
  }
  const next = model.step(s.caches, job.input);
  job.out.push(next);
  job.input = [next];
  post({ id: job.id, type: 'token', token: next });
  if (--job.remaining > 0) return queue.push(job);
  s.pending = next;
  s.busy = false;
  post({ id: job.id, type: 'done', session: s.id, tokens: job.out });
}

function pump() {
  scheduled = false;
  const job = queue.shift();
  if (job) {
    try {
      runUnit(job);
    } catch (err) {
      // A failed step leaves the session's caches in an unknown state: drop the session.
      if (job.s) store.sessions.delete(job.s.id);
      fail(job.id, 500, `model error: ${err.message}`);
    }
  }
  schedule();
}

parentPort.on('message', (msg) => {
  if (msg.type === 'embed') queue.push({ id: msg.id, kind: 'embed', sequences: msg.sequences });
  else if (msg.type === 'generate') startGeneration(msg);
  else if (msg.type === 'cancel') {
    if (queue.some((j) => j.id === msg.id && j.kind === 'generate')) cancelled.add(msg.id);
  } else if (msg.type === 'stats')
    post({ id: msg.id, type: 'result', value: { ...store.stats(), queued: queue.length } });
  schedule();
});
parentPort.postMessage({ type: 'ready' });
