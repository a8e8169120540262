// examples/train (docs/training.md): a tiny configuration of the reverse task trains for a few epochs in
// a child process (the example imports the built package, dist/) and its loss falls; every step's loss
// is finite. The full run's accuracy and time are measured in bench/results, not asserted here.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..', '..');

interface Row {
  epoch: number;
  loss: number;
  evalAccuracy: number;
}

it('the reverse-task model learns: the loss falls over a few epochs, from near ln(vocab)', () => {
  const script = `
    import { train } from './examples/train/train.mjs';
    const losses = [];
    const { history } = train(
      { vocab: 8, seqLen: 8, embedDim: 32, numHeads: 2, batch: 32, stepsPerEpoch: 15, maxEpochs: 4, evalSequences: 64, target: 1.01, lr: 1e-2 },
      { onStep: (e, s, loss) => losses.push(loss) },
    );
    console.log(JSON.stringify({ history, losses }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: process.env,
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const { history, losses } = JSON.parse(r.stdout) as { history: Row[]; losses: number[] };
  expect(history).toHaveLength(4);
  expect(losses).toHaveLength(60);
  expect(losses.every(Number.isFinite)).toBe(true);
  // Untrained, the loss is about ln 8 ≈ 2.08 (uniform predictions).
  expect(Math.abs(losses[0] - Math.log(8))).toBeLessThan(0.5);
  expect(history[3].loss).toBeLessThan(0.8 * history[0].loss);
  expect(history[3].evalAccuracy).toBeGreaterThan(history[0].evalAccuracy);
});
