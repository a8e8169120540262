// The property of one call: it returns the reference's answer (valid calls) or throws an attnkit error
// (AttnkitTypeError / AttnkitRangeError with an ERR_ATTNKIT_ code), never anything else, within 2 s.
// Crashes and hangs are caught one level up, in supervise.ts.
import type * as Attnkit from '../../src/index';
import { bufferOf, build, lengthOf, type Built } from './build';
import {
  firstMismatch,
  linearExpected,
  mhaExpected,
  sdpaExpected,
  selfAttentionExpected,
  type Expected,
} from './oracle';
import type { CallSpec, Op, Role } from './spec';

export type Api = typeof Attnkit;

/** A call whose work is tiny must return within this (the generator keeps every valid call tiny). */
export const SLOW_MS = 2000;

export interface Failure {
  seed: number;
  index: number;
  op: Op;
  kind: string;
  labels: string[];
  detail: string;
  ms: number;
}

export interface Outcome {
  failures: Failure[];
  /** 'value' returned, 'coded' attnkit error, 'other' anything else thrown. */
  result: 'value' | 'coded' | 'other';
  ms: number;
}

type Problem = [kind: string, detail: string];

const INPUTS: Record<Op, Role[]> = {
  sdpa: ['q', 'k', 'v', 'mask', 'relativeBias'],
  sdpaAsync: ['q', 'k', 'v', 'mask', 'relativeBias'],
  linear: ['x', 'weight', 'bias'],
  tensor: [],
  mha: ['q', 'k', 'v', 'keyPaddingMask', 'attnMask'],
  selfAttention: ['x'],
};

function isCoded(api: Api, e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (
    (e instanceof api.AttnkitTypeError || e instanceof api.AttnkitRangeError) &&
    typeof code === 'string' &&
    code.startsWith('ERR_ATTNKIT_')
  );
}

const errorName = (e: unknown): string => (e instanceof Error ? e.constructor.name : typeof e);
const errorText = (e: unknown): string =>
  (e instanceof Error
    ? `${e.constructor.name}${(e as { code?: string }).code ? ` [${(e as { code?: string }).code}]` : ''}: ${e.message}`
    : String(e)
  ).slice(0, 300);

/** The elements of a typed array by its intrinsic length (works on spoofed or detached views). */
function contents(view: ArrayBufferView | undefined): Float64Array {
  if (!view) return new Float64Array(0);
  const n = lengthOf(view);
  const v = view as unknown as ArrayLike<number>;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = v[i];
  return out;
}

async function invoke(api: Api, s: CallSpec, b: Built, keep: (x: unknown) => void): Promise<unknown> {
  const a = b.args as [never, never, never, never];
  switch (s.op) {
    case 'sdpa':
      return api.scaledDotProductAttention(...a);
    case 'sdpaAsync': {
      const p = api.scaledDotProductAttentionAsync(...a);
      b.afterCall();
      return await p;
    }
    case 'linear':
      return api.linear(...a);
    case 'tensor': {
      const parts = b.parts.data!;
      return api.tensor(parts.data as Float32Array, parts.shape as number[]);
    }
    case 'mha': {
      const m = new api.MultiHeadAttention(b.ctor as never);
      keep(m);
      return s.mha!.ctorOnly ? m : m.forward(...a);
    }
    case 'selfAttention':
      return api.selfAttention(...(a as unknown as [never, never]));
  }
}

/** Result tensor against the expectation; `outObj` is options.out when given (returned as is). */
function checkTensor(
  what: string,
  res: unknown,
  e: Expected | Expected['weights'],
  outObj: unknown,
  outView: ArrayBufferView | undefined,
  b: Built,
): Problem[] {
  if (!e) return [];
  if (typeof res !== 'object' || res === null) return [[`${what}: not a tensor`, `got ${typeof res}`]];
  let data: Float64Array;
  if (outObj !== undefined) {
    if (res !== outObj) return [[`${what}: options.out not returned as is`, 'returned another object']];
    data = contents(outView);
  } else {
    if (Object.values(b.objects).includes(res))
      return [[`${what}: returned an argument`, 'the result is one of the inputs']];
    const t = res as { data?: unknown; shape?: unknown };
    if (!(t.data instanceof Float32Array)) return [[`${what}: data not a Float32Array`, String(t.data)]];
    const shape = Array.isArray(t.shape) ? t.shape.join(',') : String(t.shape);
    if (shape !== e.shape.join(',')) return [[`${what}: wrong shape`, `[${shape}], expected [${e.shape.join(',')}]`]];
    data = contents(t.data);
  }
  const bad = firstMismatch(data, e.values, e.tol, e.zeroOk);
  return bad ? [[`${what}: wrong values`, bad]] : [];
}

function checkSideEffects(s: CallSpec, res: unknown, b: Built): Problem[] {
  const out: Problem[] = [];
  const resData =
    res && typeof res === 'object' && !Object.values(b.objects).includes(res)
      ? (res as { data?: unknown; output?: unknown }).data
      : undefined;
  for (const f of b.foreign) {
    if (res === f.obj || resData === f.raw || (res as { output?: unknown })?.output === f.obj)
      out.push(['returned a value it should never have read', "a polluted prototype or a getter's later value"]);
    const a = new Uint8Array(f.raw.buffer, f.raw.byteOffset, f.raw.byteLength);
    const c = new Uint8Array(f.copy.buffer, f.copy.byteOffset, f.copy.byteLength);
    if (a.length !== c.length || a.some((x, i) => x !== c[i]))
      out.push(['wrote into a buffer it should never have read', "a polluted prototype or a getter's later value"]);
  }
  for (const role of INPUTS[s.op]) {
    const view = b.views[role];
    const want = b.data[role];
    if (!view || !want || b.unstable.has(role)) continue;
    const got = contents(view);
    if (
      got.length === want.length &&
      got.some((x, i) => !Object.is(x, want[i]) && !(Number.isNaN(x) && Number.isNaN(want[i])))
    )
      out.push(['modified an input', role]);
  }
  for (const view of b.guarded) {
    const buf = bufferOf(view);
    if (buf.byteLength === 0) continue; // detached by a trap
    const all = new Uint8Array(buf);
    const end = view.byteOffset + view.byteLength;
    if (all.some((x, i) => (i < view.byteOffset || i >= end) && x !== 0x7f))
      out.push(['wrote outside a view', 'bytes around an offset view changed']);
  }
  return out;
}

function checkResult(s: CallSpec, res: unknown, b: Built, instance: unknown): Problem[] {
  if (s.sdpa) {
    const e = sdpaExpected(s.sdpa, b);
    return [
      ...checkTensor('out', res, e, s.sdpa.out ? b.objects.out : undefined, b.views.out, b),
      ...(e.weights
        ? checkTensor('weightsOut', b.objects.weightsOut, e.weights, b.objects.weightsOut, b.views.weightsOut, b)
        : []),
    ];
  }
  if (s.linear)
    return checkTensor(
      'out',
      res,
      linearExpected(s.linear, b),
      s.linear.out ? b.objects.out : undefined,
      b.views.out,
      b,
    );
  if (s.selfAttention)
    return checkTensor('out', res, selfAttentionExpected(s.selfAttention, b), undefined, undefined, b);
  if (s.tensor) {
    const t = res as { data?: unknown; shape?: unknown };
    if (t?.data !== b.parts.data?.data) return [['tensor(): data not the array given', '']];
    const shape = Array.isArray(t.shape) ? t.shape.join(',') : String(t.shape);
    return shape === s.tensor.shape.join(',')
      ? []
      : [['tensor(): wrong shape', `[${shape}], expected [${s.tensor.shape.join(',')}]`]];
  }
  const m = s.mha!;
  const layer = instance as {
    config: Record<string, unknown>;
    weights(): Record<string, { data: Float32Array; shape: readonly number[] }>;
  };
  const cfg = Object.entries(m.config).filter(([k, v]) => layer.config[k] !== v);
  if (cfg.length)
    return [
      [
        'MultiHeadAttention: wrong configuration',
        cfg.map(([k, v]) => `${k} = ${String(layer.config[k])}, expected ${v}`).join('; '),
      ],
    ];
  if (m.ctorOnly) return [];
  const r = res as { output?: { data?: unknown; shape?: unknown }; weights?: unknown };
  if (m.shapeOnly) {
    const o = r?.output;
    // options.out is returned as is; its getters may change after the layer read them once.
    if (m.out) {
      if (o !== b.objects.out)
        return [['MultiHeadAttention.forward: options.out not returned as is', 'returned another object']];
      return contents(b.views.out).every(Number.isFinite)
        ? []
        : [['MultiHeadAttention.forward: wrong output', 'non-finite values in options.out']];
    }
    const ok =
      o &&
      Array.isArray(o.shape) &&
      o.shape.join(',') === [m.B, m.Lq, m.config.embedDim].join(',') &&
      o.data instanceof Float32Array &&
      o.data.every(Number.isFinite);
    return ok ? [] : [['MultiHeadAttention.forward: wrong output', 'shape or non-finite values']];
  }
  const e = mhaExpected(layer as never, b, m);
  const problems = checkTensor('output', r?.output, e, m.out ? b.objects.out : undefined, b.views.out, b);
  if (!m.needWeights && r?.weights !== null)
    problems.push(['MultiHeadAttention.forward: weights returned unasked', '']);
  if (m.needWeights) problems.push(...checkTensor('weights', r?.weights, e.weights, undefined, undefined, b));
  return problems;
}

export async function checkCall(api: Api, s: CallSpec): Promise<Outcome> {
  const b = build(s);
  let res: unknown;
  let error: unknown;
  let threw = false;
  let instance: unknown;
  const disarm = b.arm();
  const t0 = performance.now();
  try {
    res = await invoke(api, s, b, (x) => (instance = x));
  } catch (e) {
    threw = true;
    error = e;
  } finally {
    disarm();
  }
  const ms = performance.now() - t0;
  const failures: Failure[] = [];
  let labels = s.labels;
  const fail = ([kind, detail]: Problem) =>
    failures.push({ seed: s.seed, index: s.index, op: s.op, kind, labels, detail, ms });
  let result: Outcome['result'] = 'value';
  if (threw) {
    result = isCoded(api, error) ? 'coded' : 'other';
    // The fuzzer's own throwing getters name their cause: group the failure under it.
    const text = errorText(error);
    const cause = text.includes('fuzz: reading')
      ? 'getter throws'
      : text.includes('fuzz: polluted')
        ? 'Object.prototype has throwing getters'
        : undefined;
    if (cause && labels.includes(cause)) labels = [cause, ...labels.filter((l) => l !== cause)];
    if (result === 'other') fail([`threw ${errorName(error)} (not a coded attnkit error)`, text]);
    else if (s.expect === 'value') fail(['refused a valid call', text]);
  } else if (s.expect === 'error') {
    fail(['accepted an invalid call', `returned ${res === undefined ? 'undefined' : typeof res}`]);
  } else if (s.expect !== 'nocrash') {
    try {
      for (const p of [...checkResult(s, res, b, instance), ...checkSideEffects(s, res, b)]) fail(p);
    } catch (e) {
      fail(['result unreadable', errorText(e)]);
    }
  }
  if (ms > SLOW_MS) fail([`slow (over ${SLOW_MS / 1000} s)`, `${ms.toFixed(0)} ms`]);
  return { failures, result, ms };
}
