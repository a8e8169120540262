// Issue 24's API fuzzing: 20 000 generated calls with a fixed seed, valid and hostile mixed (see
// generate.ts), run in a watched child process. Each must return the float64 reference's answer or
// throw a coded attnkit error within 2 s; no other error, hang or crash. A failure prints its group
// and a replay command (`npm run fuzz -- --seed S --index I --backend B`).
import { describe, expect, it } from 'vitest';
import { generateCall } from './generate';
import { describeCall } from './spec';
import { formatReport, supervise } from './supervise';

const SEED = 24;
const COUNT = 20_000;
const backend = process.env.ATTNKIT_BACKEND === 'js' ? 'js' : 'native';

describe(`API fuzz [${backend}]`, () => {
  it('the generator is pure: a call depends on (seed, index) only, and a run mixes valid and hostile calls', () => {
    const a = Array.from({ length: 300 }, (_, i) => describeCall(generateCall(SEED, i)));
    const b = Array.from({ length: 300 }, (_, i) => describeCall(generateCall(SEED, 299 - i))).reverse();
    expect(b).toEqual(a);
    const expects = Array.from({ length: 2000 }, (_, i) => generateCall(SEED, i).expect);
    for (const e of ['value', 'either', 'error', 'nocrash'])
      expect(expects.filter((x) => x === e).length, e).toBeGreaterThan(e === 'nocrash' ? 10 : 100);
  });

  it(`${COUNT} calls with seed ${SEED}: the reference's answer or a coded attnkit error, never anything else`, async () => {
    // A hang costs hangMs and a restart; after 10 restarts the run stops (it has failed by then).
    const report = await supervise({
      seed: SEED,
      count: COUNT,
      backend,
      hangMs: 5000,
      quarantineAfter: 1,
      maxRestarts: 10,
    });
    const text = formatReport(report);
    console.log(text.split('\n').slice(0, 4).join('\n'));
    expect(report.failures.length, text).toBe(0);
  }, 600_000);
});
