// Sgd, AdamW and clipGradNorm against float64 transcriptions of the algorithm boxes in torch.optim's
// documentation (SGD, AdamW) and clip_grad_norm_'s definition, over several steps and parameters.
import { describe, expect, it } from 'vitest';
import { AdamW, AttnkitRangeError, AttnkitTypeError, ErrorCode, Sgd, clipGradNorm } from '../../src/index';
import { expectError } from '../helpers/expect-error';
import { randn, rng } from '../helpers/random';

const r = rng(11);
const sizes = { w: 37, b: 5 };
const params = () => ({ w: randn(sizes.w, r), b: randn(sizes.b, r) });
const gradSeq = Array.from({ length: 6 }, () => ({ w: randn(sizes.w, r), b: randn(sizes.b, r) }));

/** torch.optim.SGD's algorithm box, per parameter, in float64. */
function sgdReference(
  p0: Float32Array,
  grads: Float32Array[],
  lr: number,
  mu: number,
  tau: number,
  wd: number,
  nesterov: boolean,
): Float64Array {
  const theta = Float64Array.from(p0);
  let b: Float64Array | null = null;
  for (let t = 1; t <= grads.length; t++) {
    const g = Float64Array.from(grads[t - 1]);
    for (let i = 0; i < g.length; i++) g[i] += wd * theta[i];
    if (mu !== 0) {
      if (t > 1 && b) for (let i = 0; i < g.length; i++) b[i] = mu * b[i] + (1 - tau) * g[i];
      else b = Float64Array.from(g);
      for (let i = 0; i < g.length; i++) g[i] = nesterov ? g[i] + mu * b[i] : b[i];
    }
    for (let i = 0; i < g.length; i++) theta[i] -= lr * g[i];
  }
  return theta;
}

/** torch.optim.AdamW's algorithm box (amsgrad off), in float64. */
function adamwReference(
  p0: Float32Array,
  grads: Float32Array[],
  lr: number,
  b1: number,
  b2: number,
  eps: number,
  wd: number,
): Float64Array {
  const theta = Float64Array.from(p0);
  const m = new Float64Array(p0.length);
  const v = new Float64Array(p0.length);
  for (let t = 1; t <= grads.length; t++) {
    const g = grads[t - 1];
    for (let i = 0; i < g.length; i++) {
      theta[i] -= lr * wd * theta[i];
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      const mHat = m[i] / (1 - b1 ** t);
      const vHat = v[i] / (1 - b2 ** t);
      theta[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  }
  return theta;
}

function expectNear(got: Float32Array, want: Float64Array): void {
  for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-6 * (1 + Math.abs(want[i])));
}

describe('Sgd', () => {
  for (const [label, o] of [
    ['plain', { lr: 0.1 }],
    ['momentum, dampening, weight decay', { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }],
    ['nesterov', { lr: 0.05, momentum: 0.8, nesterov: true }],
  ] as const)
    it(`${label}: six steps match the documented algorithm`, () => {
      const p = params();
      const start = { w: p.w.slice(), b: p.b.slice() };
      const opt = new Sgd(p, o);
      for (const g of gradSeq) opt.step(g);
      expect(opt.steps).toBe(6);
      const mu = 'momentum' in o ? o.momentum : 0;
      const tau = 'dampening' in o ? o.dampening : 0;
      const wd = 'weightDecay' in o ? o.weightDecay : 0;
      const nesterov = 'nesterov' in o;
      for (const name of ['w', 'b'] as const)
        expectNear(
          p[name],
          sgdReference(
            start[name],
            gradSeq.map((g) => g[name]),
            o.lr,
            mu,
            tau,
            wd,
            nesterov,
          ),
        );
    });
});

describe('AdamW', () => {
  it('defaults: six steps match the documented algorithm', () => {
    const p = params();
    const start = { w: p.w.slice(), b: p.b.slice() };
    const opt = new AdamW(p);
    for (const g of gradSeq) opt.step(g);
    for (const name of ['w', 'b'] as const)
      expectNear(
        p[name],
        adamwReference(
          start[name],
          gradSeq.map((g) => g[name]),
          1e-3,
          0.9,
          0.999,
          1e-8,
          1e-2,
        ),
      );
  });
  it('custom betas, eps, weight decay', () => {
    const p = params();
    const start = { w: p.w.slice(), b: p.b.slice() };
    const opt = new AdamW(p, { lr: 0.01, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1 });
    for (const g of gradSeq) opt.step(g);
    for (const name of ['w', 'b'] as const)
      expectNear(
        p[name],
        adamwReference(
          start[name],
          gradSeq.map((g) => g[name]),
          0.01,
          0.8,
          0.99,
          1e-6,
          0.1,
        ),
      );
  });
});

describe('clipGradNorm', () => {
  it('scales every gradient by maxNorm / (norm + 1e-6) when the global norm is larger, returns the norm', () => {
    const g = { a: Float32Array.from([3, 0]), b: Float32Array.from([0, 4]) };
    expect(clipGradNorm(g, 1)).toBeCloseTo(5, 6);
    const f = 1 / (5 + 1e-6);
    expect(Array.from(g.a)).toEqual([Math.fround(3 * f), 0]);
    expect(Array.from(g.b)).toEqual([0, Math.fround(4 * f)]);
  });
  it('leaves gradients under the bound alone', () => {
    const g = { a: Float32Array.from([0.3, 0.4]) };
    expect(clipGradNorm(g, 1)).toBeCloseTo(0.5, 6);
    expect(Array.from(g.a)).toEqual([Math.fround(0.3), Math.fround(0.4)]);
  });
});

describe('argument errors', () => {
  it('Sgd needs lr', () =>
    expectError(
      () => new Sgd(params(), {} as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /Sgd: options\.lr must be a learning rate >= 0/,
    ));
  it('a missing gradient is named', () => {
    const opt = new AdamW(params());
    expectError(
      () => opt.step({ w: new Float32Array(sizes.w) } as never),
      AttnkitTypeError,
      ErrorCode.TYPE,
      /AdamW\.step: grads\.b must be a Float32Array/,
    );
  });
  it('a gradient of the wrong length', () => {
    const opt = new Sgd(params(), { lr: 1 });
    expectError(
      () => opt.step({ w: new Float32Array(sizes.w), b: new Float32Array(4) }),
      AttnkitRangeError,
      ErrorCode.SHAPE,
      "Sgd.step: grads.b must be of length 5 (its parameter's), got length 4",
    );
  });
  it('betas outside [0, 1)', () =>
    expectError(
      () => new AdamW(params(), { betas: [0.9, 1] }),
      AttnkitRangeError,
      ErrorCode.VALUE,
      /options\.betas\[1\] must be a number in \[0, 1\)/,
    ));
});
