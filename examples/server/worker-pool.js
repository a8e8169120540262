// The server's side of the model workers: starts them, sends each job to one and routes its replies
// back. A session lives in the worker that created it (its id starts with that worker's index), so a
// request that continues a session goes there; other jobs go to the worker with the fewest in flight.
import { Worker } from 'node:worker_threads';

const WORKER = new URL('./model-worker.js', import.meta.url);

/** An error a request answers with `status` (4xx: the request's fault; 5xx: the server's). */
export class RequestError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export class ModelPool {
  /** size workers, each with its own copy of the model (options) and memoryCap / size bytes of sessions. */
  constructor({ size = 1, model = {}, memoryCap }) {
    this.jobs = new Map();
    this.nextId = 1;
    this.closed = false;
    this.workers = Array.from({ length: size }, (_, index) => {
      const w = new Worker(WORKER, { workerData: { index, model, memoryCap: Math.floor(memoryCap / size) } });
      const slot = { worker: w, inFlight: 0, dead: null };
      // Ready once the model and its session store are built (the worker says so), failed if it dies first.
      slot.ready = new Promise((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`model worker ${index} exited with code ${code} while starting`)));
      });
      slot.ready.then(
        () => w.on('message', (msg) => this.reply(slot, msg)),
        () => {},
      );
      // A worker that dies fails its jobs; the server answers them 500 rather than hanging.
      w.on('error', (err) => this.failAll(slot, err));
      w.on(
        'exit',
        (code) => this.closed || this.failAll(slot, new Error(`model worker ${index} exited with code ${code}`)),
      );
      return slot;
    });
  }

  /** Resolves once every worker has started. */
  ready() {
    return Promise.all(this.workers.map((w) => w.ready));
  }

  /** Mean-pooled vectors of `sequences`, as Float32Arrays. */
  embed(sequences) {
    return this.send(this.leastBusy(), { type: 'embed', sequences }).promise;
  }

  /**
   * Greedy generation in a new session, or in `session` when given. onStart(sessionId) comes once the
   * session is found (before any token), onToken(id) per token; resolves with { session, tokens }.
   * Returns { promise, cancel }: cancel() stops it after the step running now (a client that left).
   */
  generate({ session, tokens, maxTokens }, { onStart, onToken }) {
    let slot = this.leastBusy();
    if (session !== undefined) {
      slot = this.workers[Number(session.slice(0, session.indexOf('.')))];
      if (!slot)
        return {
          promise: Promise.reject(new RequestError(404, `session ${session} not found (no such worker)`)),
          cancel() {},
        };
    }
    const job = this.send(slot, { type: 'generate', session, tokens, maxTokens }, { onStart, onToken });
    return {
      promise: job.promise,
      cancel: () => this.jobs.has(job.id) && slot.worker.postMessage({ type: 'cancel', id: job.id }),
    };
  }

  /** Each worker's session counts, capacity, evictions and queue length. */
  stats() {
    return Promise.all(
      this.workers.map((slot) =>
        slot.dead ? { failed: slot.dead.message } : this.send(slot, { type: 'stats' }).promise,
      ),
    );
  }

  /** Stops the workers (after the server has finished its requests). */
  async close() {
    this.closed = true;
    await Promise.all(this.workers.map((slot) => slot.worker.terminate()));
  }

  leastBusy() {
    return this.workers.reduce((a, b) => (a.dead || (!b.dead && b.inFlight < a.inFlight) ? b : a));
  }

  send(slot, msg, callbacks = {}) {
    const id = this.nextId++;
    if (slot.dead)
      return { id, promise: Promise.reject(new RequestError(500, `model worker failed: ${slot.dead.message}`)) };
    let resolve, reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.jobs.set(id, { slot, resolve, reject, ...callbacks });
    slot.inFlight++;
    slot.worker.postMessage({ ...msg, id });
    return { id, promise };
  }

  reply(slot, msg) {
    const job = this.jobs.get(msg.id);
    if (!job) return;
    if (msg.type === 'start') return job.onStart?.(msg.session);
    if (msg.type === 'token') return job.onToken?.(msg.token);
    this.jobs.delete(msg.id);
    slot.inFlight--;
    if (msg.type === 'error') job.reject(new RequestError(msg.status, msg.message));
    else if (msg.type === 'cancelled') job.resolve(null);
    else job.resolve(msg.type === 'done' ? { session: msg.session, tokens: msg.tokens } : msg.value);
  }

  failAll(slot, err) {
    slot.dead ??= err;
    for (const [id, job] of this.jobs)
      if (job.slot === slot) {
        this.jobs.delete(id);
        job.reject(new RequestError(500, `model worker failed: ${err.message}`));
      }
  }
}
