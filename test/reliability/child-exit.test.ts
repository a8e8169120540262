// A process using the built package exits cleanly (code 0, no signal, no hang) with async calls
// still pending, running, or running in its worker_threads.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../explain/built-cli';
import { isNative, smallCases, TOLERANCE } from './cases';

const CHILD = path.join(__dirname, 'exit-child.cjs');
const DIST = path.join(ROOT, 'dist', 'index.js');

beforeAll(() => ensureBuilt(), 180_000);

interface ChildState {
  backend: string;
  started: number;
  settled: number;
  right: number;
  maxErr: number;
}

// A hang must fail the test, not hold it: the child runs under a time limit.
function run(args: string[], input?: Buffer): ChildState {
  const r = spawnSync(process.execPath, [CHILD, DIST, ...args], {
    cwd: ROOT,
    input,
    env: process.env,
    timeout: 20_000,
  });
  const stderr = r.stderr.toString();
  expect(r.error, `${args.join(' ')}: ${stderr}`).toBeUndefined();
  expect(r.signal, `${args.join(' ')}: ${stderr}`).toBeNull();
  expect(r.status, `${args.join(' ')}: ${stderr}`).toBe(0);
  return JSON.parse(r.stdout.toString()) as ChildState;
}

describe('a child process with async calls in flight', () => {
  it('exits 0 once its unawaited calls have settled, each right', () => {
    const cases = smallCases().map((c) => ({ ...c, tolerance: TOLERANCE }));
    const state = run(['settle'], v8.serialize(cases));
    expect(state.backend).toBe(isNative() ? 'native' : 'js');
    expect(state.started).toBe(50 * cases.length);
    expect(state.settled).toBe(state.started);
    expect(state.right, `largest error ${state.maxErr}`).toBe(state.started);
  });

  it('exits 0 when process.exit() comes while calls run', () => {
    for (const ms of [0, 5, 20]) {
      const state = run(['exit', String(ms)]);
      expect(state.started).toBe(16);
      // Native calls run on the libuv pool: some are still running or queued at exit.
      if (isNative()) expect(state.settled, `exit after ${ms} ms`).toBeLessThan(16);
    }
  });

  it('exits 0 when process.exit() comes while worker_threads run calls too', () => {
    for (const ms of [0, 20]) run(['exit-workers', String(ms)]);
  });
});
