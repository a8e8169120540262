// Trains a one-layer attention model (sinusoidal positions, Xavier init, AdamW) to reverse sequences of
// 12 tokens, printing loss and accuracy per epoch, until 99 % of held-out tokens are right.
//
//   npm run build:ts && node examples/train/reverse.mjs            (or: npm run train:example)
//   node examples/train/reverse.mjs --layers 2 --seq-len 16
//   node examples/train/reverse.mjs --compare-scales [--heads 1] [--gain 2] [--svg examples/train/scale-loss.svg] [--json f]
//
// --compare-scales trains the same model from the same seeds with the attention scale 1/√d_k, 1 and
// 1/(2√d_k) for a fixed number of epochs and prints, then plots, the loss curves: what the scale does to
// learning, run for real (attnkit explain gives the static side of the argument).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendInfo } from 'attnkit';
import { DEFAULTS, train } from './train.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const a = { compare: false, svg: path.join(HERE, 'scale-loss.svg'), json: null, config: {} };
  const num = (flag, v) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${flag} needs a number, got ${v}`);
    return n;
  };
  const keys = {
    '--layers': 'layers',
    '--seq-len': 'seqLen',
    '--epochs': 'maxEpochs',
    '--steps': 'stepsPerEpoch',
    '--batch': 'batch',
    '--heads': 'numHeads',
    '--embed': 'embedDim',
    '--lr': 'lr',
    '--seed': 'seed',
    '--gain': 'gain',
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    if (f === '--compare-scales') a.compare = true;
    else if (f === '--svg') a.svg = argv[++i];
    else if (f === '--json') a.json = argv[++i];
    else if (f in keys) a.config[keys[f]] = num(f, argv[++i]);
    else throw new Error(`unknown option ${f} (see the comment at the top of examples/train/reverse.mjs)`);
  }
  return a;
}

/** A one-line progress bar for the current epoch, redrawn in place on a terminal. */
function progress(epoch, step, steps, loss) {
  if (!process.stdout.isTTY) return;
  const width = 24;
  const done = Math.round((step / steps) * width);
  process.stdout.write(
    `\r  epoch ${String(epoch).padStart(2)} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${step}/${steps} loss ${loss.toFixed(3)}`,
  );
}

function clearLine() {
  if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
}

const pct = (x) => `${(100 * x).toFixed(2)} %`;

function printEpoch(r) {
  clearLine();
  console.log(
    `  epoch ${String(r.epoch).padStart(2)}  loss ${r.loss.toFixed(4)}  train acc ${pct(r.trainAccuracy).padStart(8)}  held-out acc ${pct(r.evalAccuracy).padStart(8)}  ${r.seconds.toFixed(1)} s`,
  );
}

function describe(c) {
  const info = backendInfo();
  return `${c.layers} layer(s), E = ${c.embedDim}, ${c.numHeads} heads (d_k = ${c.embedDim / c.numHeads}), in_proj Xavier gain ${c.gain}, sequences of ${c.seqLen} tokens over ${c.vocab}, batch ${c.batch}, AdamW lr ${c.lr}; attnkit ${info.backend} (${info.simd}, ${info.threads} threads)`;
}

function single(config) {
  const c = { ...DEFAULTS, ...config };
  console.log(`Reversing sequences: ${describe(c)}`);
  const { history } = train(c, { onStep: (e, s, loss) => progress(e, s, c.stepsPerEpoch, loss), onEpoch: printEpoch });
  const last = history[history.length - 1];
  const reached = last.evalAccuracy >= c.target;
  console.log(
    reached
      ? `Reached ${pct(last.evalAccuracy)} held-out token accuracy in ${last.seconds.toFixed(1)} s (${last.epoch} epochs of ${c.stepsPerEpoch} steps).`
      : `Stopped after ${last.epoch} epochs at ${pct(last.evalAccuracy)}.`,
  );
  return history;
}

const SCALES = [
  { name: '1/√d_k (standard)', factor: (d) => 1 / Math.sqrt(d), color: '#1f77b4', marker: 'circle' },
  { name: '1 (unscaled)', factor: () => 1, color: '#d62728', marker: 'square' },
  { name: '1/(2√d_k)', factor: (d) => 1 / (2 * Math.sqrt(d)), color: '#2ca02c', marker: 'triangle' },
];

async function compare(config, svgPath, jsonPath) {
  const c = { ...DEFAULTS, maxEpochs: 8, stepsPerEpoch: 25, ...config, target: 1.01 };
  const dK = c.embedDim / c.numHeads;
  console.log(`Scale comparison, same seeds: ${describe(c)}; ${c.maxEpochs} epochs of ${c.stepsPerEpoch} steps each`);
  const runs = [];
  for (const s of SCALES) {
    const scale = s.factor(dK);
    console.log(`scale ${s.name} = ${scale.toPrecision(4)}`);
    const { history, initialScoreStd } = train(
      { ...c, scale },
      { onStep: (e, st, loss) => progress(e, st, c.stepsPerEpoch, loss), onEpoch: printEpoch },
    );
    console.log(
      `  at the start: unscaled scores q·k have σ = ${initialScoreStd.toFixed(3)}, scaled σ = ${(initialScoreStd * scale).toFixed(3)}`,
    );
    runs.push({ ...s, scale, history, initialScoreStd });
  }
  console.log('\nHeld-out token accuracy (loss) per epoch:');
  console.log(['epoch', ...runs.map((r) => r.name)].join(' | '));
  for (let e = 0; e < c.maxEpochs; e++)
    console.log(
      [String(e + 1), ...runs.map((r) => `${pct(r.history[e].evalAccuracy)} (${r.history[e].loss.toFixed(3)})`)].join(
        ' | ',
      ),
    );
  for (const r of runs) {
    const first = r.history.find((h) => h.evalAccuracy >= 0.99);
    console.log(
      `${r.name}: ${first ? `99 % held-out accuracy after epoch ${first.epoch}` : 'never reached 99 %'}, final loss ${r.history[r.history.length - 1].loss.toFixed(4)}`,
    );
  }
  if (jsonPath)
    fs.writeFileSync(
      jsonPath,
      `${JSON.stringify({ config: c, runs: runs.map(({ name, scale, history, initialScoreStd }) => ({ name, scale, initialScoreStd, history })) }, null, 1)}\n`,
    );
  const { lineChart } = await import('../../dist/explain/svg/line-chart.js');
  const svg = lineChart({
    title: 'Training loss of the reverse task by attention scale',
    subtitle: `same seeds and data; ${c.layers} layer(s), d_k = ${dK}, in_proj Xavier gain ${c.gain}; mean cross-entropy per epoch of ${c.stepsPerEpoch} steps`,
    x: { kind: 'linear', label: 'epoch', min: 1, max: c.maxEpochs },
    y: {
      kind: 'log',
      label: 'training loss',
      min: Math.min(...runs.flatMap((r) => r.history.map((h) => h.loss))) * 0.8,
      max: Math.log(c.vocab) * 1.1,
    },
    series: runs.map((r) => ({
      name: r.name,
      color: r.color,
      marker: r.marker,
      points: r.history.map((h) => [h.epoch, h.loss]),
    })),
  });
  fs.writeFileSync(svgPath, svg);
  console.log(`Wrote ${path.relative(process.cwd(), svgPath)}`);
}

const args = parseArgs(process.argv.slice(2));
if (args.compare) await compare(args.config, args.svg, args.json);
else single(args.config);
