// Runs a fuzz range in a child process (vite-node test/fuzz/child.ts) and watches it: a call that
// makes no progress for `hangMs` is a hang, a child that dies is a crash; either way the child is
// restarted after that call, and a label group that hung or crashed `quarantineAfter` times is skipped.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { Failure } from './check';
import { labelKey, type RangeStats } from './runner';
import type { Op } from './spec';

const ROOT = path.resolve(__dirname, '..', '..');
const VITE_NODE = path.join(ROOT, 'node_modules', 'vite-node', 'vite-node.mjs');
const CHILD = path.join(ROOT, 'test', 'fuzz', 'child.ts');
const STARTUP_MS = 60_000;

export interface SuperviseOptions {
  seed: number;
  count: number;
  start?: number;
  backend?: 'js' | 'native';
  ops?: readonly Op[];
  /** No progress for this long is a hang (the per-call bound is 2 s, see check.ts). */
  hangMs?: number;
  /** Restarts after a hang or crash before the run stops. */
  maxRestarts?: number;
  /** Hangs or crashes of one label group before its calls are skipped. */
  quarantineAfter?: number;
  onProgress?: (done: number) => void;
}

export interface Group {
  key: string;
  count: number;
  ops: string[];
  first: Failure;
  details: string[];
  /** Other changes seen together with the group's first label. */
  also: string[];
}

export interface Report {
  seed: number;
  ops?: readonly Op[];
  start: number;
  count: number;
  backend: string;
  calls: number;
  skipped: number;
  restarts: number;
  stoppedEarly: boolean;
  ms: number;
  stats: RangeStats;
  failures: Failure[];
  groups: Group[];
}

interface ChildResult {
  stats?: RangeStats & { backend: string };
  last?: { index: number; op: string; key: string };
  /** Milliseconds from the first call to the end (without the wait that detected a hang). */
  busyMs: number;
  lastDone: number;
  skipped: number;
  exit: string;
  hung: boolean;
  stderr: string;
}

function runChild(
  o: SuperviseOptions,
  start: number,
  count: number,
  skip: Set<string>,
  failures: Failure[],
  stats: RangeStats,
): Promise<ChildResult> {
  return new Promise((resolve) => {
    const env = { ...process.env, ...(o.backend ? { ATTNKIT_BACKEND: o.backend } : {}) };
    const args = [
      '--expose-gc',
      VITE_NODE,
      CHILD,
      '--seed',
      String(o.seed),
      '--start',
      String(start),
      '--count',
      String(count),
      '--skip',
      JSON.stringify([...skip]),
    ];
    if (o.ops) args.push('--ops', o.ops.join(','));
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    const r: ChildResult = { lastDone: start - 1, skipped: 0, exit: '', hung: false, stderr: '', busyMs: 0 };
    let firstAt = 0;
    let buf = '';
    // vite-node needs a few seconds to start: the hang clock runs from the first call.
    let lastProgress = Date.now() + STARTUP_MS;
    child.stderr!.on('data', (d: Buffer) => (r.stderr = (r.stderr + d.toString()).slice(-4000)));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const tag = line[0];
        const rest = line.slice(2);
        if (tag === 's' || tag === 'k') {
          const [index, op, expect, ...key] = rest.split(' ');
          if (r.last) r.lastDone = r.last.index;
          if (tag === 'k') {
            r.skipped++;
            r.lastDone = Number(index);
            r.last = undefined;
          } else {
            r.last = { index: Number(index), op, key: key.join(' ') };
            stats.calls++;
            stats.byOp[op] = (stats.byOp[op] ?? 0) + 1;
            stats.byExpect[expect] = (stats.byExpect[expect] ?? 0) + 1;
          }
          lastProgress = Date.now();
          firstAt ||= lastProgress;
          o.onProgress?.(Number(index) - (o.start ?? 0));
        } else if (tag === 'f') failures.push(JSON.parse(rest) as Failure);
        else if (tag === 'e') {
          const result = rest.split(' ')[1];
          stats.byResult[result] = (stats.byResult[result] ?? 0) + 1;
        } else if (tag === 'd') {
          r.stats = JSON.parse(rest) as ChildResult['stats'];
          if (r.last) r.lastDone = r.last.index;
          r.last = undefined;
        }
      }
    });
    const watchdog = setInterval(() => {
      if (Date.now() - lastProgress > (o.hangMs ?? 10_000)) {
        r.hung = true;
        child.kill('SIGKILL');
      }
    }, 100);
    child.on('close', (code, signal) => {
      clearInterval(watchdog);
      if (firstAt) r.busyMs = Date.now() - firstAt - (r.hung ? (o.hangMs ?? 10_000) : 0);
      r.exit = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve(r);
    });
  });
}

export async function supervise(o: SuperviseOptions): Promise<Report> {
  const start0 = o.start ?? 0;
  const end = start0 + o.count;
  const failures: Failure[] = [];
  const skip = new Set<string>();
  const strikes = new Map<string, number>();
  const stats: RangeStats = { calls: 0, ms: 0, byOp: {}, byResult: {}, byExpect: {} };
  let backend = o.backend ?? 'auto';
  let restarts = 0;
  let skipped = 0;
  let busyMs = 0;
  let start = start0;
  const t0 = Date.now();
  while (start < end) {
    const r = await runChild(o, start, end - start, skip, failures, stats);
    skipped += r.skipped;
    busyMs += r.busyMs;
    if (r.stats) {
      backend = r.stats.backend;
      break;
    }
    // The child died or hung in call r.last (or before its first call).
    const at = r.last ?? { index: r.lastDone + 1, op: '?', key: '(startup)' };
    const kind = r.hung ? `hang (no return within ${(o.hangMs ?? 10_000) / 1000} s)` : `crash (${r.exit})`;
    const tail = r.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400);
    failures.push({
      seed: o.seed,
      index: at.index,
      op: at.op as Op,
      kind,
      labels: at.key === 'valid call' ? [] : [at.key],
      detail: tail,
      ms: 0,
    });
    if (at.key === '(startup)') break;
    stats.byResult[kind.split(' ')[0]] = (stats.byResult[kind.split(' ')[0]] ?? 0) + 1;
    const n = (strikes.get(at.key) ?? 0) + 1;
    strikes.set(at.key, n);
    if (n >= (o.quarantineAfter ?? 2)) skip.add(at.key);
    start = at.index + 1;
    if (++restarts > (o.maxRestarts ?? 1000)) break;
  }
  stats.ms = busyMs;
  return {
    seed: o.seed,
    ops: o.ops,
    start: start0,
    count: o.count,
    backend,
    calls: stats.calls,
    skipped,
    restarts,
    stoppedEarly: start < end && restarts > (o.maxRestarts ?? 1000),
    ms: Date.now() - t0,
    stats,
    failures,
    groups: group(failures),
  };
}

export function group(failures: Failure[]): Group[] {
  const groups = new Map<string, Group>();
  for (const f of failures) {
    const key = `${f.kind} · ${labelKey(f.labels)}`;
    let g = groups.get(key);
    if (!g) {
      g = { key, count: 0, ops: [], first: f, details: [], also: [] };
      groups.set(key, g);
    }
    g.count++;
    for (const l of f.labels.slice(1)) if (g.also.length < 4 && !g.also.includes(l)) g.also.push(l);
    if (!g.ops.includes(f.op)) g.ops.push(f.op);
    if (g.details.length < 3 && f.detail && !g.details.includes(f.detail)) g.details.push(f.detail);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

export function formatReport(r: Report, replay = 'npm run fuzz --'): string {
  const rate = r.stats.ms > 0 ? Math.round((r.stats.calls / r.stats.ms) * 1000) : 0;
  const ops = Object.entries(r.stats.byOp)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const res = Object.entries(r.stats.byResult)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const exp = Object.entries(r.stats.byExpect)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const lines = [
    `attnkit API fuzz [${r.backend}] seed ${r.seed}, calls ${r.start}..${r.start + r.count - 1}`,
    `${r.calls} calls in ${(r.ms / 1000).toFixed(1)} s: ${rate} calls/s (generate, build, call, check; ${(r.stats.ms / 1000).toFixed(1)} s without process starts and hang waits); ${ops}`,
    `calls that must give: ${exp}; they gave: ${res}`,
    `${r.restarts} restarts, ${r.skipped} skipped (quarantined after repeated hangs/crashes)${r.stoppedEarly ? '; STOPPED EARLY' : ''}`,
  ];
  if (!r.failures.length) return [...lines, 'no failures'].join('\n');
  lines.push(`FAIL: ${r.failures.length} failures in ${r.groups.length} groups (kind · labels):`);
  const backend = r.backend.startsWith('js') ? 'js' : 'native';
  for (const g of r.groups) {
    lines.push(
      `  [${g.count}] ${g.key} (${g.ops.join(', ')})${g.also.length ? `; also with: ${g.also.join('; ')}` : ''}`,
    );
    for (const d of g.details) lines.push(`        ${d}`);
    lines.push(
      `        replay: ${replay} --seed ${g.first.seed} --index ${g.first.index} --backend ${backend}${r.ops ? ` --ops ${r.ops.join(',')}` : ''}`,
    );
  }
  return lines.join('\n');
}
