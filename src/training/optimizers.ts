// SGD and AdamW over { name: Float32Array } parameter maps, with torch.optim's update rules, state kept
// in float64. step(grads) reads one gradient per parameter name and updates the parameters in place.
import { shapeError, typeError, valueError } from '../validation/error-factory';
import { readOwn, snapshotOptions } from '../validation/snapshot';
import { checkTypedArray } from '../validation/tensor-checks';

/** Parameters or gradients by name (e.g. the names of MultiHeadAttention's state dict). */
export type ParameterMap = Record<string, Float32Array>;

function checkMap(op: string, arg: string, value: unknown, names?: readonly string[]): Map<string, Float32Array> {
  if (typeof value !== 'object' || value === null) throw typeError(op, arg, 'an object { name: Float32Array }', value);
  const keys = names ?? Object.keys(value);
  const map = new Map<string, Float32Array>();
  for (const key of keys) {
    const v = readOwn(op, `${arg}.${key}`, value, key);
    if (v === undefined) throw typeError(op, `${arg}.${key}`, 'a Float32Array (one per parameter)', v);
    map.set(key, checkTypedArray<Float32Array>(op, `${arg}.${key}`, v, [Float32Array], 'Float32Array'));
  }
  return map;
}

function number(op: string, arg: string, v: unknown, fallback: number, lo: number, hi: number, text: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw typeError(op, arg, text, v);
  if (!(v >= lo && v <= hi)) throw valueError(op, arg, text, String(v));
  return v;
}

abstract class Optimizer {
  protected readonly params: Map<string, Float32Array>;
  protected readonly names: readonly string[];
  /** Completed steps. */
  steps = 0;

  constructor(
    protected readonly op: string,
    params: ParameterMap,
  ) {
    this.params = checkMap(op, 'params', params);
    this.names = [...this.params.keys()];
  }

  /** The gradients of every parameter, each the parameter's length. */
  protected gradients(grads: ParameterMap): Map<string, Float32Array> {
    const g = checkMap(`${this.op}.step`, 'grads', grads, this.names);
    for (const [name, grad] of g) {
      const n = this.params.get(name)!.length;
      if (grad.length !== n)
        throw shapeError(
          `${this.op}.step`,
          `grads.${name}`,
          `of length ${n} (its parameter's)`,
          `length ${grad.length}`,
        );
    }
    return g;
  }

  abstract step(grads: ParameterMap): void;
}

export interface SgdOptions {
  /** Learning rate (required). */
  lr: number;
  momentum?: number;
  dampening?: number;
  /** L2 penalty added to the gradient (coupled, as torch.optim.SGD). */
  weightDecay?: number;
  nesterov?: boolean;
}

/** torch.optim.SGD: g ← g + wd·p; b ← μ·b + (1 − τ)·g (b = g at the first step); p ← p − lr·(nesterov ? g + μ·b : b). */
export class Sgd extends Optimizer {
  private readonly lr: number;
  private readonly momentum: number;
  private readonly dampening: number;
  private readonly weightDecay: number;
  private readonly nesterov: boolean;
  private readonly buffers = new Map<string, Float64Array>();

  constructor(params: ParameterMap, options: SgdOptions) {
    super('Sgd', params);
    const o = snapshotOptions('Sgd', options, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov']);
    if (o.lr === undefined) throw typeError('Sgd', 'options.lr', 'a learning rate >= 0', undefined);
    this.lr = number('Sgd', 'options.lr', o.lr, 0, 0, Number.MAX_VALUE, 'a finite number >= 0');
    this.momentum = number('Sgd', 'options.momentum', o.momentum, 0, 0, Number.MAX_VALUE, 'a finite number >= 0');
    this.dampening = number(
      'Sgd',
      'options.dampening',
      o.dampening,
      0,
      -Number.MAX_VALUE,
      Number.MAX_VALUE,
      'a finite number',
    );
    this.weightDecay = number(
      'Sgd',
      'options.weightDecay',
      o.weightDecay,
      0,
      0,
      Number.MAX_VALUE,
      'a finite number >= 0',
    );
    if (o.nesterov !== undefined && typeof o.nesterov !== 'boolean')
      throw typeError('Sgd', 'options.nesterov', 'a boolean', o.nesterov);
    this.nesterov = o.nesterov === true;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0))
      throw valueError(
        'Sgd',
        'options.nesterov',
        'used with momentum > 0 and dampening 0 (as torch.optim.SGD)',
        'true',
      );
  }

  step(grads: ParameterMap): void {
    const g = this.gradients(grads);
    for (const name of this.names) {
      const p = this.params.get(name)!;
      const grad = g.get(name)!;
      let buf = this.buffers.get(name);
      const first = buf === undefined;
      if (this.momentum !== 0 && buf === undefined) {
        buf = new Float64Array(p.length);
        this.buffers.set(name, buf);
      }
      for (let i = 0; i < p.length; i++) {
        let d = grad[i] + this.weightDecay * p[i];
        if (buf) {
          buf[i] = first ? d : this.momentum * buf[i] + (1 - this.dampening) * d;
          d = this.nesterov ? d + this.momentum * buf[i] : buf[i];
        }
        p[i] -= this.lr * d;
      }
    }
    this.steps++;
  }
}

export interface AdamWOptions {
  /** Learning rate; default 1e-3. */
  lr?: number;
  /** [β1, β2]; default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay; default 1e-2. */
  weightDecay?: number;
}

/**
 * torch.optim.AdamW: p ← p·(1 − lr·wd); m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
 * p ← p − lr·(m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + eps).
 */
export class AdamW extends Optimizer {
  private readonly lr: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private readonly m = new Map<string, Float64Array>();
  private readonly v = new Map<string, Float64Array>();

  constructor(params: ParameterMap, options: AdamWOptions = {}) {
    super('AdamW', params);
    const o = snapshotOptions('AdamW', options, ['lr', 'betas', 'eps', 'weightDecay']);
    this.lr = number('AdamW', 'options.lr', o.lr, 1e-3, 0, Number.MAX_VALUE, 'a finite number >= 0');
    let betas: unknown[] = [0.9, 0.999];
    if (o.betas !== undefined) {
      if (!Array.isArray(o.betas) || o.betas.length !== 2)
        throw typeError('AdamW', 'options.betas', 'an array [beta1, beta2]', o.betas);
      betas = [o.betas[0], o.betas[1]];
    }
    this.beta1 = number('AdamW', 'options.betas[0]', betas[0], 0.9, 0, 1 - Number.EPSILON, 'a number in [0, 1)');
    this.beta2 = number('AdamW', 'options.betas[1]', betas[1], 0.999, 0, 1 - Number.EPSILON, 'a number in [0, 1)');
    this.eps = number('AdamW', 'options.eps', o.eps, 1e-8, 0, Number.MAX_VALUE, 'a finite number >= 0');
    this.weightDecay = number(
      'AdamW',
      'options.weightDecay',
      o.weightDecay,
      1e-2,
      0,
      Number.MAX_VALUE,
      'a finite number >= 0',
    );
    for (const [name, p] of this.params) {
      this.m.set(name, new Float64Array(p.length));
      this.v.set(name, new Float64Array(p.length));
    }
  }

  step(grads: ParameterMap): void {
    const g = this.gradients(grads);
    const t = this.steps + 1;
    const c1 = 1 - this.beta1 ** t;
    const c2 = Math.sqrt(1 - this.beta2 ** t);
    for (const name of this.names) {
      const p = this.params.get(name)!;
      const grad = g.get(name)!;
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      for (let i = 0; i < p.length; i++) {
        const gi = grad[i];
        m[i] = this.beta1 * m[i] + (1 - this.beta1) * gi;
        v[i] = this.beta2 * v[i] + (1 - this.beta2) * gi * gi;
        const decayed = p[i] * (1 - this.lr * this.weightDecay);
        p[i] = decayed - (this.lr / c1) * (m[i] / (Math.sqrt(v[i]) / c2 + this.eps));
      }
    }
    this.steps = t;
  }
}

/**
 * Scales every gradient in place so that their global L2 norm is at most maxNorm
 * (torch.nn.utils.clip_grad_norm_: factor min(1, maxNorm / (norm + 1e-6))). Returns the norm before clipping.
 */
export function clipGradNorm(grads: ParameterMap, maxNorm: number): number {
  const op = 'clipGradNorm';
  const g = checkMap(op, 'grads', grads);
  const max = number(op, 'maxNorm', maxNorm, NaN, 0, Number.MAX_VALUE, 'a finite number >= 0');
  if (Number.isNaN(max)) throw typeError(op, 'maxNorm', 'a finite number >= 0', maxNorm);
  let sum = 0;
  for (const grad of g.values()) for (let i = 0; i < grad.length; i++) sum += grad[i] * grad[i];
  const norm = Math.sqrt(sum);
  const factor = max / (norm + 1e-6);
  if (factor < 1) for (const grad of g.values()) for (let i = 0; i < grad.length; i++) grad[i] *= factor;
  return norm;
}
