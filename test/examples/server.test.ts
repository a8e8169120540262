// examples/server: the HTTP inference server on an ephemeral port. Answers are checked against the same
// model called directly (bit for bit) and against attention recomputed without a cache; malformed
// requests get 400s naming the field; sessions are evicted least-recently-used under a tiny memory cap;
// SIGTERM lets a generation in flight finish.
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../explain/built-cli';

const ROOT = path.join(__dirname, '..', '..');
// The server and the model load dist/ (as examples do), built now when src/ is newer; Node imports
// them itself (vitest.config.ts: server.deps.external).
ensureBuilt();
const { createInferenceServer } = await import('../../examples/server/app.js');
const { TinyModel, argmax } = await import('../../examples/server/model.js');
const { linear, tensor } = await import('../../examples/server/attnkit.js');

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function post(url: string, route: string, body: unknown, method = 'POST'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${route}`, { method, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

const ndjson = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

/** The events of a /v1/generate NDJSON stream: session id, tokens, and the final event. */
function streamed(reply: Reply) {
  expect(reply.status, reply.text).toBe(200);
  const events = ndjson(reply.text);
  return {
    session: events[0].session as string,
    tokens: events.filter((e) => e.event === 'token').map((e) => e.token as number),
    done: events[events.length - 1],
  };
}

/** RMSNorm of each row, written again here (not imported) so the cache-free check shares no code with the model. */
function rms(x: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length; r += dim) {
    let s = 0;
    for (let i = r; i < r + dim; i++) s += x[i] * x[i];
    for (let i = r; i < r + dim; i++) out[i] = x[i] / Math.sqrt(s / dim + 1e-6);
  }
  return out;
}

/** Greedy next token after `seq`, recomputing causal attention over the whole sequence, without a cache. */
function nextWithoutCache(model: InstanceType<typeof TinyModel>, seq: number[]): number {
  const E = model.config.dim;
  const n = seq.length;
  const h = new Float32Array(n * E);
  seq.forEach((id, t) => h.set(model.embedding.subarray(id * E, (id + 1) * E), t * E));
  for (const layer of model.layers) {
    const { output } = layer.forward(tensor(rms(h, E), [1, n, E]), undefined, undefined, {
      causal: true,
      positional: { type: 'rope' },
    });
    for (let i = 0; i < h.length; i++) h[i] += output.data[i];
  }
  return argmax(linear(tensor(rms(h.subarray((n - 1) * E), E), [1, E]), model.head).data);
}

const model = new TinyModel();
const { vocab, context } = model.config;

describe('examples/server', () => {
  let app: ReturnType<typeof createInferenceServer>;
  let url: string;
  beforeAll(async () => {
    app = createInferenceServer({ workers: 1 });
    url = await app.listen(0);
  });
  afterAll(() => app?.shutdown());

  it('POST /v1/embed: the model called directly, bit for bit; padding changes no sequence', async () => {
    const sequences = [[1, 2, 3], [4, 5, 6, 7, 8, 9, 10], [vocab - 1]];
    const reply = await post(url, '/v1/embed', { sequences });
    expect(reply.status, reply.text).toBe(200);
    const { dim, embeddings } = JSON.parse(reply.text);
    expect(dim).toBe(model.config.dim);
    expect(embeddings).toEqual(model.embed(sequences).map((v: Float32Array) => Array.from(v)));
    // Each sequence alone (no padding keys) gives the same vector within float rounding.
    sequences.forEach((s, b) => {
      const alone = model.embed([s])[0];
      for (let d = 0; d < dim; d++) expect(Math.abs(embeddings[b][d] - alone[d])).toBeLessThan(1e-5);
    });
  });

  it('POST /v1/generate streams NDJSON: the direct call, and greedy tokens of attention without a cache', async () => {
    const prompt = [5, 17, 300, 42, 7];
    const { session, tokens, done } = streamed(await post(url, '/v1/generate', { tokens: prompt, maxTokens: 8 }));
    expect(session).toMatch(/^0\.[0-9a-f-]{36}$/);
    expect(tokens).toEqual(model.generate(prompt, 8));
    expect(done).toEqual({ event: 'done', session, tokens });
    const seq = [...prompt];
    for (const t of tokens) {
      expect(nextWithoutCache(model, seq)).toBe(t);
      seq.push(t);
    }
  });

  it('streams server-sent events with stream: "sse", and a session continues where it stopped', async () => {
    const prompt = [9, 8, 7];
    const reply = await post(url, '/v1/generate', { tokens: prompt, maxTokens: 4, stream: 'sse' });
    expect(reply.headers['content-type']).toBe('text/event-stream');
    const events = reply.text
      .trim()
      .split('\n\n')
      .map((block) => {
        const [event, data] = block.split('\n');
        return { event: event.replace('event: ', ''), data: JSON.parse(data.replace('data: ', '')) };
      });
    expect(events.map((e) => e.event)).toEqual(['session', 'token', 'token', 'token', 'token', 'done']);
    const first = events[5].data;
    expect(first.tokens).toEqual(model.generate(prompt, 4));

    // Continuing: the last generated token, then the new ones, go through the same caches.
    const more = streamed(
      await post(url, '/v1/generate', { session: first.session, tokens: [100, 101], maxTokens: 3 }),
    );
    expect(more.session).toBe(first.session);
    const caches = model.newCaches();
    const direct = [model.step(caches, prompt)];
    while (direct.length < 4) direct.push(model.step(caches, [direct[direct.length - 1]]));
    const cont = [model.step(caches, [direct[3], 100, 101])];
    while (cont.length < 3) cont.push(model.step(caches, [cont[cont.length - 1]]));
    expect(more.tokens).toEqual(cont);
    expect(nextWithoutCache(model, [...prompt, ...direct, 100, 101])).toBe(cont[0]);
  });

  it('answers malformed requests 400 with the field at fault, and they change no later answer', async () => {
    const long = Array.from({ length: context + 1 }, () => 1);
    const cases: [string, unknown, RegExp][] = [
      ['/v1/embed', '{"sequences": [[1, 2]', /^body is not valid JSON: /],
      ['/v1/embed', '[1, 2]', /^body: expected an object, got array$/],
      ['/v1/embed', { sequences: 'abc' }, /^body\.sequences: expected an array, got "abc"$/],
      [
        '/v1/embed',
        { sequences: [[1, 2.5]] },
        /^body\.sequences\[0\]\[1\]: expected an integer in \[0, 511\], got 2\.5$/,
      ],
      [
        '/v1/embed',
        { sequences: [[1], [vocab]] },
        /^body\.sequences\[1\]\[0\]: expected an integer in \[0, 511\], got 512$/,
      ],
      ['/v1/embed', { sequences: [[-1]] }, /^body\.sequences\[0\]\[0\]: expected an integer in \[0, 511\], got -1$/],
      ['/v1/embed', { sequences: [] }, /^body\.sequences: expected at least 1 item, got 0$/],
      ['/v1/embed', { sequences: [[]] }, /^body\.sequences\[0\]: expected at least 1 item, got 0$/],
      ['/v1/embed', { sequences: [long] }, /^body\.sequences\[0\]: too many items: at most 256, got 257$/],
      [
        '/v1/embed',
        { sequences: Array.from({ length: 33 }, () => [1]) },
        /^body\.sequences: too many items: at most 32, got 33$/,
      ],
      ['/v1/embed', { sequence: [[1]] }, /^body\.sequences: required$/],
      ['/v1/embed', { sequences: [[1]], pool: 'max' }, /^body\.pool: unknown field \(expected sequences\)$/],
      ['/v1/generate', { tokens: [1], maxTokens: 0 }, /^body\.maxTokens: expected an integer in \[1, 128\], got 0$/],
      [
        '/v1/generate',
        { tokens: [1], maxTokens: '8' },
        /^body\.maxTokens: expected an integer in \[1, 128\], got "8"$/,
      ],
      ['/v1/generate', { tokens: [1], stream: 'xml' }, /^body\.stream: expected one of "ndjson", "sse", got "xml"$/],
      [
        '/v1/generate',
        { tokens: [1], session: 'abc' },
        /^body\.session: expected a session id returned by an earlier \/v1\/generate, got "abc"$/,
      ],
      [
        '/v1/generate',
        { tokens: long.slice(0, 200), maxTokens: 60 },
        /^too long: the session's context holds 256 tokens; it has 0, and 200 new tokens with maxTokens 60 need 259$/,
      ],
    ];
    const good = { sequences: [[3, 1, 4, 1, 5]] };
    const before = (await post(url, '/v1/embed', good)).text;
    for (const [route, body, message] of cases) {
      const reply = await post(url, route, body);
      expect(reply.status, `${JSON.stringify(body).slice(0, 80)} → ${reply.text}`).toBe(400);
      expect(JSON.parse(reply.text).error).toMatch(message);
    }
    expect((await post(url, '/v1/embed', good)).text).toBe(before);
    const unknown = await post(url, '/v1/generate', { tokens: [1], session: '0.00000000-0000-0000-0000-000000000000' });
    expect([unknown.status, JSON.parse(unknown.text).error]).toEqual([
      404,
      'session 0.00000000-0000-0000-0000-000000000000 not found (evicted or never created)',
    ]);
    expect((await post(url, '/v2/embed', good)).status).toBe(404);
    expect((await post(url, '/v1/embed', '', 'GET')).status).toBe(405);
  });

  it('stops a generation whose client left, and its session stays usable', async () => {
    const prompt = [3, 3, 3];
    const first = await new Promise<string>((resolve, reject) => {
      const req = http.request(`${url}/v1/generate`, { method: 'POST' }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          text += c;
          // Leave after the first token of 128.
          if (text.includes('"token"')) {
            req.destroy();
            resolve(text);
          }
        });
      });
      req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
      req.end(JSON.stringify({ tokens: prompt, maxTokens: 128 }));
    });
    const session = ndjson(first.split('\n')[0])[0].session;
    type Metrics = { requests: Record<string, number>; workers: { queued: number }[] };
    let m: Metrics | undefined;
    for (let i = 0; i < 100; i++) {
      m = JSON.parse((await post(url, '/metrics', '', 'GET')).text) as Metrics;
      if (m.requests.inFlight === 1 && m.workers[0].queued === 0) break; // only this /metrics request left
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(m?.requests).toMatchObject({ inFlight: 1, cancelled: 1, failed: 0 });
    expect(m?.workers[0].queued).toBe(0);
    // Not busy any more: it continues from wherever the generation stopped.
    expect(streamed(await post(url, '/v1/generate', { session, tokens: [4], maxTokens: 2 })).tokens).toHaveLength(2);
  });

  it('GET /metrics reports the event-loop delay and the request counts', async () => {
    const reply = await post(url, '/metrics', '', 'GET');
    const m = JSON.parse(reply.text);
    expect(m.eventLoop.p99Ms).toBeGreaterThan(0);
    expect(m.requests.badRequest).toBeGreaterThanOrEqual(17);
    expect(m.requests.failed).toBe(0);
    expect(m.workers[0].capacity).toBe(Math.floor((64 << 20) / model.sessionBytes));
  });
});

describe('examples/server sessions under a memory cap', () => {
  it('refuses to start with a cap below one session', async () => {
    await expect(createInferenceServer({ memoryCap: 1000 }).listen(0)).rejects.toThrow(
      `memoryCap 1000 B holds no session (one takes ${model.sessionBytes} B)`,
    );
  });

  it('evicts the least recently used session first', async () => {
    const app = createInferenceServer({ memoryCap: 2 * model.sessionBytes });
    const url = await app.listen(0);
    try {
      const start = async (tokens: number[]) =>
        streamed(await post(url, '/v1/generate', { tokens, maxTokens: 2 })).session;
      const more = (session: string) => post(url, '/v1/generate', { session, tokens: [1], maxTokens: 1 });
      const a = await start([1, 2]);
      const b = await start([3, 4]);
      expect((await more(a)).status).toBe(200); // a is now the most recently used
      const c = await start([5, 6]); // evicts b
      expect((await more(b)).status).toBe(404);
      expect((await more(a)).status).toBe(200);
      expect((await more(c)).status).toBe(200);
      const d = await start([7]); // evicts a (c was used after it)
      expect((await more(a)).status).toBe(404);
      for (const s of [c, d]) expect((await more(s)).status).toBe(200);
      const stats = JSON.parse((await post(url, '/metrics', '', 'GET')).text).workers[0];
      expect(stats).toMatchObject({ sessions: 2, capacity: 2, evictions: 2 });
      // A reused slot starts empty: a new session there answers as a fresh model would.
      expect(streamed(await post(url, '/v1/generate', { tokens: [11, 12, 13], maxTokens: 5 })).tokens).toEqual(
        model.generate([11, 12, 13], 5),
      );
    } finally {
      await app.shutdown();
    }
  });
});

describe('examples/server shutdown', () => {
  it('on SIGTERM finishes the generation in flight, then refuses connections and exits 0', async () => {
    const child = spawn(process.execPath, ['examples/server/main.js', '--port', '0'], {
      cwd: ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c) => {
        out += c;
        const m = /listening on (\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', () => reject(new Error(`server exited: ${err}`)));
    });
    const prompt = [2, 4, 6];
    const maxTokens = 128;
    const text = await new Promise<string>((resolve, reject) => {
      const req = http.request(`${url}/v1/generate`, { method: 'POST' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          // The first token is out: the generation is in flight when the signal comes.
          if (!body.includes('"token"') && (body + c).includes('"token"')) child.kill('SIGTERM');
          body += c;
        });
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ tokens: prompt, maxTokens }));
    });
    expect(await exited, err).toBe(0);
    const events = ndjson(text);
    expect(events.filter((e) => e.event === 'token').map((e) => e.token)).toEqual(model.generate(prompt, maxTokens));
    expect(events[events.length - 1].event).toBe('done');
    expect(out).toMatch(/SIGTERM: finishing 1 request\(s\) in flight/);
    expect(JSON.parse(out.trim().split('\n').pop() as string).final.requests).toMatchObject({
      ok: 1,
      failed: 0,
      inFlight: 0,
    });
    await expect(post(url, '/healthz', '', 'GET')).rejects.toThrow(/ECONNREFUSED/);
  });
});
