// The worker process of supervise.ts (run with vite-node): runs a range of calls and writes one line
// per event to fd 3, synchronously, so the line naming a call is out before the call can hang or crash.
import { writeSync } from 'node:fs';
import * as api from '../../src/index';
import { runRange } from './runner';
import type { Op } from './spec';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const send = (line: string) => writeSync(3, `${line}\n`);

const stats = await runRange(
  api,
  {
    seed: Number(arg('seed')),
    start: Number(arg('start')),
    count: Number(arg('count')),
    ops: arg('ops') ? (arg('ops')!.split(',') as Op[]) : undefined,
    skip: new Set(JSON.parse(arg('skip') ?? '[]') as string[]),
  },
  {
    start: (i, op, expect, key) => send(`s ${i} ${op} ${expect} ${key}`),
    failure: (f) => send(`f ${JSON.stringify(f)}`),
    end: (i, result) => send(`e ${i} ${result}`),
    skipped: (i, key) => send(`k ${i} - - ${key}`),
  },
);
const info = api.backendInfo();
send(`d ${JSON.stringify({ ...stats, backend: `${info.backend}${info.simd ? `/${info.simd}` : ''}` })}`);
