// The HTTP side of the example inference server, on node:http: routing, body reading and validation,
// streaming, metrics and graceful shutdown. The model runs in worker threads (worker-pool.js); this
// thread only parses, checks and writes, so its event loop stays free.
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MODEL_DEFAULTS } from './model.js';
import { requestSchemas, validate } from './schema.js';
import { ModelPool, RequestError } from './worker-pool.js';

export const SERVER_DEFAULTS = Object.freeze({
  workers: 1,
  /** Bytes of KV caches all sessions may hold together (split evenly between the workers). */
  memoryCap: 64 << 20,
  maxBatch: 32,
  maxNewTokens: 128,
  maxBodyBytes: 1 << 20,
  /** How long shutdown waits for in-flight requests before closing their connections. */
  shutdownTimeoutMs: 30_000,
});

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Reads the body as text, rejecting with 413 past `limit` bytes. */
function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        reject(new RequestError(413, `body too large: at most ${limit} bytes`));
        req.resume();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RequestError(400, `body is not valid JSON: ${err.message}`);
  }
}

/**
 * Creates the server (not yet listening). options: SERVER_DEFAULTS' keys and `model` (TinyModel
 * options). Returns { server, pool, listen(port, host) → url, metrics(reset), shutdown() → final metrics }.
 */
export function createInferenceServer(options = {}) {
  const o = { ...SERVER_DEFAULTS, ...options };
  const modelConfig = { ...MODEL_DEFAULTS, ...o.model };
  const schemas = requestSchemas(modelConfig, o);
  const pool = new ModelPool({ size: o.workers, model: modelConfig, memoryCap: o.memoryCap });
  // Node records the interval between its sampling timer's ticks: each value is the delay plus this 1 ms.
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const counts = { ok: 0, badRequest: 0, failed: 0, cancelled: 0, inFlight: 0 };
  let stopping = null;

  const send = (res, status, body, headers = {}) => {
    if (stopping) headers.connection = 'close';
    res.writeHead(status, { ...JSON_HEADERS, ...headers });
    res.end(JSON.stringify(body));
  };

  async function body(req, schema) {
    const value = parseJson(await readBody(req, o.maxBodyBytes));
    const problem = validate(schema, value);
    if (problem) throw new RequestError(400, problem);
    return value;
  }

  async function embed(req, res) {
    const { sequences } = await body(req, schemas.embed);
    const vectors = await pool.embed(sequences);
    send(res, 200, { dim: modelConfig.dim, embeddings: vectors.map((v) => Array.from(v)) });
    counts.ok++;
  }

  async function generate(req, res) {
    const b = await body(req, schemas.generate);
    const sse = b.stream === 'sse';
    const write = (event, data) =>
      res.write(sse ? `event: ${event}\ndata: ${JSON.stringify(data)}\n\n` : `${JSON.stringify({ event, ...data })}\n`);
    const job = pool.generate(
      { session: b.session, tokens: b.tokens, maxTokens: b.maxTokens ?? 16 },
      {
        // Headers go out once the worker has accepted the request, so its refusals are still plain 4xx answers.
        onStart(session) {
          res.writeHead(200, {
            'content-type': sse ? 'text/event-stream' : 'application/x-ndjson',
            'cache-control': 'no-store',
            ...(stopping ? { connection: 'close' } : {}),
          });
          write('session', { session });
        },
        onToken: (token) => write('token', { token }),
      },
    );
    res.on('close', () => res.writableFinished || job.cancel());
    let done;
    try {
      done = await job.promise;
    } catch (err) {
      // Past the headers the status is sent: the stream ends with an error event instead.
      if (res.headersSent) {
        write('error', { status: err.status ?? 500, error: err.message });
        res.end();
      }
      throw err;
    }
    if (!done) return counts.cancelled++; // the client left; nobody to answer
    write('done', done);
    res.end();
    counts.ok++;
  }

  async function metrics(res, url) {
    const workers = await pool.stats();
    send(res, 200, snapshot(url.searchParams.get('reset') === '1', workers));
    counts.ok++;
  }

  function health(_, res) {
    send(res, 200, { ok: true });
    counts.ok++;
  }

  function snapshot(reset, workers) {
    const ms = (ns) => +(ns / 1e6).toFixed(3);
    const eventLoop = {
      p50Ms: ms(loop.percentile(50)),
      p99Ms: ms(loop.percentile(99)),
      maxMs: ms(loop.max),
      meanMs: ms(loop.mean),
      samples: loop.count,
    };
    if (reset) loop.reset();
    return { eventLoop, requests: { ...counts }, workers };
  }

  async function route(req, res) {
    const url = new URL(req.url, 'http://localhost');
    const routes = {
      '/v1/embed': ['POST', embed],
      '/v1/generate': ['POST', generate],
      '/metrics': ['GET', (_, r) => metrics(r, url)],
      '/healthz': ['GET', health],
    };
    const found = routes[url.pathname];
    if (!found)
      throw new RequestError(
        404,
        `no route ${url.pathname} (POST /v1/embed, POST /v1/generate, GET /metrics, GET /healthz)`,
      );
    if (req.method !== found[0]) throw new RequestError(405, `${url.pathname} takes ${found[0]}, got ${req.method}`);
    await found[1](req, res);
  }

  const server = http.createServer((req, res) => {
    if (stopping) return send(res, 503, { error: 'shutting down' });
    counts.inFlight++;
    route(req, res)
      .catch((err) => {
        const status = err instanceof RequestError ? err.status : 500;
        if (status >= 500) counts.failed++;
        else counts.badRequest++;
        if (!res.headersSent) send(res, status, { error: err.message });
      })
      .finally(() => {
        counts.inFlight--;
        if (stopping) {
          server.closeIdleConnections();
          if (counts.inFlight === 0) stopping.drained();
        }
      });
  });
  // Ask clients to reuse connections across requests (load balancers and load tests do).
  server.keepAliveTimeout = 5_000;

  return {
    server,
    pool,
    async listen(port = 0, host = '127.0.0.1') {
      try {
        await pool.ready();
        await new Promise((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
      } catch (err) {
        await pool.close();
        throw err;
      }
      const { port: bound } = server.address();
      loop.enable();
      return `http://${host}:${bound}`;
    },
    metrics: (reset = false) => snapshot(reset, []),
    /**
     * Stops accepting connections, lets in-flight requests finish (closing their connections after
     * them), then stops the workers. Past shutdownTimeoutMs the remaining connections are closed.
     * Resolves with the final metrics.
     */
    shutdown() {
      if (stopping) return stopping.promise;
      let drained;
      const idle = new Promise((resolve) => (drained = resolve));
      stopping = { drained };
      stopping.promise = (async () => {
        const closed = new Promise((resolve) => server.close(resolve));
        server.closeIdleConnections();
        if (counts.inFlight === 0) drained();
        const timer = setTimeout(() => {
          server.closeAllConnections();
          drained();
        }, o.shutdownTimeoutMs);
        await idle;
        await closed;
        clearTimeout(timer);
        const final = snapshot(false, await pool.stats());
        await pool.close();
        loop.disable();
        return final;
      })();
      return stopping.promise;
    },
  };
}
