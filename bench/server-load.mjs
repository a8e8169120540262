// Load test of examples/server with autocannon on 127.0.0.1, at 1, 4 and 16 concurrent clients: one
// request in ten is malformed and must get 400; every good one must get 200 and the very answer it got
// when served alone (itself checked against the model called here directly). Reports throughput,
// p50/p99 latency and the server's event-loop delay (its GET /metrics, reset before each phase).
// Each phase stops at --requests requests or --seconds seconds, whichever comes first.
//   node bench/server-load.mjs [--seconds 10] [--requests 2000] [--workers 1] [--memory-mb 4]
// autocannon is installed into bench/.tools on first use (never a dependency of attnkit).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureInstalled } from './peers/install.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(HERE, '..');
const TOOLS_DIR = path.join(HERE, '.tools');
const CONCURRENCY = [1, 4, 16];

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    requests: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '1' },
    // Small enough that sessions are evicted under load (64 KiB per session with the default model).
    'memory-mb': { type: 'string', default: '4' },
  },
});

ensureInstalled(TOOLS_DIR, { autocannon: '9.0.0' }, 'the load-test client');
const autocannon = createRequire(path.join(TOOLS_DIR, 'package.json'))('autocannon');
const { TinyModel } = await import('../examples/server/model.js');

/** mulberry32: the same request mix on every run. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const model = new TinyModel();
const { vocab, context } = model.config;
const rand = rng(2026);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const tokens = (n) => Array.from({ length: n }, () => int(0, vocab - 1));

// Good requests: embedding batches of 1 to 8 sequences of 4 to 64 tokens, and generations of 8 to 16
// tokens after prompts of 4 to 32 (each a new session), streamed as NDJSON or SSE.
const good = [
  ...Array.from({ length: 12 }, () => ({
    path: '/v1/embed',
    body: { sequences: Array.from({ length: int(1, 8) }, () => tokens(int(4, 64))) },
  })),
  ...Array.from({ length: 12 }, (_, i) => ({
    path: '/v1/generate',
    body: { tokens: tokens(int(4, 32)), maxTokens: int(8, 16), ...(i % 3 === 0 ? { stream: 'sse' } : {}) },
  })),
];
// Malformed ones, one of each kind the server must refuse.
const bad = [
  { path: '/v1/embed', raw: '{"sequences": [[1, 2, 3]' },
  { path: '/v1/embed', body: { sequences: 'not an array' } },
  { path: '/v1/embed', body: { sequences: [[1, 2, vocab]] } },
  { path: '/v1/embed', body: { sequences: [tokens(context + 1)] } },
  { path: '/v1/embed', body: { sequences: Array.from({ length: 33 }, () => [1]) } },
  { path: '/v1/generate', body: { tokens: [1, 2], maxTokens: -3 } },
  { path: '/v1/generate', body: { tokens: [1.5] } },
  { path: '/v1/generate', body: { tokens: tokens(200), maxTokens: 100 } },
  { path: '/v1/generate', body: { tokens: [1], session: 'nope' } },
  { path: '/v1/generate', body: { prompt: [1] } },
];
const bodyOf = (r) => r.raw ?? JSON.stringify(r.body);

/** The part of an answer that must not change: embeddings as sent, or the generated tokens (session ids differ). */
function answer(path, status, text) {
  if (status !== 200) return null;
  if (path === '/v1/embed') return text;
  const events = text.includes('event: ')
    ? text
        .trim()
        .split('\n\n')
        .map((block) => ({ event: block.split('\n')[0].slice(7), ...JSON.parse(block.split('\n')[1].slice(6)) }))
    : text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
  const done = events[events.length - 1];
  const streamed = events.filter((e) => e.event === 'token').map((e) => e.token);
  return done.event === 'done' && JSON.stringify(done.tokens) === JSON.stringify(streamed)
    ? JSON.stringify(streamed)
    : `broken stream: ${text.slice(-200)}`;
}

function startServer() {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'examples/server/main.js'),
      '--port',
      '0',
      '--workers',
      args.workers,
      '--memory-mb',
      args['memory-mb'],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  const url = new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
  return { child, url, exited };
}

async function request(url, r) {
  const res = await fetch(url + r.path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: bodyOf(r),
  });
  return { status: res.status, text: await res.text() };
}

const server = startServer();
const url = await server.url;

// Each good request served alone, and checked against the model called here.
const expected = [];
for (const r of good) {
  const { status, text } = await request(url, r);
  const direct =
    r.path === '/v1/embed'
      ? JSON.stringify({ dim: model.config.dim, embeddings: model.embed(r.body.sequences).map((v) => Array.from(v)) })
      : JSON.stringify(model.generate(r.body.tokens, r.body.maxTokens));
  const got = answer(r.path, status, text);
  if (got !== direct)
    throw new Error(`served alone, ${r.path} differs from the model called directly: ${status} ${text.slice(0, 200)}`);
  expected.push(got);
}
for (const r of bad) {
  const { status, text } = await request(url, r);
  if (status !== 400)
    throw new Error(`malformed ${bodyOf(r).slice(0, 60)} got ${status}, not 400: ${text.slice(0, 200)}`);
}

function phase(connections) {
  const tally = { good: 0, goodFailed: 0, bad: 0, badNot400: 0, examples: [] };
  let n = 0;
  const fail = (what) => tally.examples.length < 5 && tally.examples.push(what);
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        amount: Number(args.requests),
        timeout: 30,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            // One request in ten is malformed; the rest cycle through the good ones.
            setupRequest(req, context) {
              const i = n++;
              context.which =
                i % 10 === 9
                  ? { bad: bad[Math.floor(i / 10) % bad.length] }
                  : { good: (i - Math.floor(i / 10)) % good.length };
              const r = context.which.bad ?? good[context.which.good];
              return { ...req, path: r.path, body: bodyOf(r) };
            },
            onResponse(status, body, context) {
              const w = context.which;
              if (w.bad) {
                tally.bad++;
                if (status !== 400) {
                  tally.badNot400++;
                  fail(`malformed → ${status}`);
                }
                return;
              }
              tally.good++;
              if (answer(good[w.good].path, status, body) !== expected[w.good]) {
                tally.goodFailed++;
                fail(`good #${w.good} → ${status} ${String(body).slice(0, 120)}`);
              }
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve({ result, tally })),
    );
    const stop = setTimeout(() => instance.stop(), Number(args.seconds) * 1000);
    instance.on('done', () => clearTimeout(stop));
  });
}

const metrics = async (reset) => (await fetch(`${url}/metrics${reset ? '?reset=1' : ''}`)).json();
const rows = [];
for (const c of CONCURRENCY) {
  await metrics(true);
  const t0 = performance.now();
  const { result, tally } = await phase(c);
  const seconds = (performance.now() - t0) / 1000;
  const m = await metrics(true);
  const sent = result.requests.total;
  // autocannon's own errors and timeouts count as failures of whatever request they hit.
  const lost = result.errors + result.timeouts;
  rows.push({
    c,
    sent,
    seconds,
    rps: sent / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    loopP99: m.eventLoop.p99Ms,
    loopMax: m.eventLoop.maxMs,
    ...tally,
    lost,
    evictions: m.workers.reduce((a, w) => a + w.evictions, 0),
  });
  if (tally.examples.length) console.log(`  c=${c} failures: ${tally.examples.join(' | ')}`);
}

server.child.kill('SIGTERM');
const { code, out } = await server.exited;
const final = JSON.parse(out.trim().split('\n').pop()).final;

console.log(
  `\nexamples/server under autocannon 9.0.0, ${args.workers} model worker(s), ${args['memory-mb']} MiB of sessions, ${good.length} good requests (12 embed, 12 generate) + 10 % malformed`,
);
console.log(
  `CPU: ${os.cpus()[0].model} (${os.cpus().length} logical), Node ${process.version}, load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}\n`,
);
console.log(
  '| clients | requests | req/s | p50 ms | p99 ms | event-loop p99 ms | event-loop max ms | good: failed / sent | malformed: not 400 / sent | client errors | sessions evicted |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows)
  console.log(
    `| ${r.c} | ${r.sent} in ${r.seconds.toFixed(1)} s | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.loopP99.toFixed(1)} | ${r.loopMax.toFixed(1)} | ${r.goodFailed} / ${r.good} | ${r.badNot400} / ${r.bad} | ${r.lost} | ${r.evictions} |`,
  );
console.log(`\nserver exit code ${code} after SIGTERM; its final counts: ${JSON.stringify(final.requests)}`);
const ok = code === 0 && rows.every((r) => r.goodFailed === 0 && r.badNot400 === 0 && r.lost === 0);
const loopOk = rows.every((r) => r.loopP99 < 20);
console.log(
  `targets: zero failed good requests ${ok ? 'met' : 'NOT met'}; event-loop p99 < 20 ms ${loopOk ? 'met' : 'NOT met'}`,
);
if (!ok) process.exitCode = 1;
