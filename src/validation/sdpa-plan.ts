// Checks every argument of scaledDotProductAttention and turns them into an SdpaPlan,
// so backends receive sizes and strides they can trust.
import type { Float32KvPlan, MaskPlan, SdpaPlan, StridedView } from '../backends/types';
import { checkKvTensor, checkSameKvDtype } from './kv-tensor';
import { formatShape, shapeError, typeError, valueError } from './error-factory';
import { maskStrides } from './mask-broadcast';
import { checkNoOverlap } from './overlap';
import { quote } from './quote';
import { SDPA_OPTION_NAMES, type SdpaOptions } from './sdpa-options';
import { checkExtras } from './sdpa-extras';
import { checkStillAttached, snapshotOptions } from './snapshot';
import { didYouMean } from './suggest';
import { MAX_ELEMENTS, allocateF32, checkTensor, product, type CheckedTensor } from './tensor-checks';

type Layout = 'bhsd' | 'bshd';

/** [B, H, L, D] sizes read from a tensor of the given rank and layout. */
interface Dims4 {
  b: number;
  h: number;
  l: number;
  d: number;
}

function dimsOf(shape: number[], layout: Layout): Dims4 {
  if (shape.length === 3) return { b: shape[0], h: 1, l: shape[1], d: shape[2] };
  return layout === 'bhsd'
    ? { b: shape[0], h: shape[1], l: shape[2], d: shape[3] }
    : { b: shape[0], l: shape[1], h: shape[2], d: shape[3] };
}

function shapeFor(rank: number, layout: Layout, x: Dims4): number[] {
  if (rank === 3) return [x.b, x.l, x.d];
  return layout === 'bhsd' ? [x.b, x.h, x.l, x.d] : [x.b, x.l, x.h, x.d];
}

function viewOf<T extends Float32Array | Uint16Array>(data: T, rank: number, layout: Layout, x: Dims4): StridedView<T> {
  if (rank === 3 || layout === 'bhsd') return { data, strideB: x.h * x.l * x.d, strideH: x.l * x.d, strideL: x.d };
  return { data, strideB: x.l * x.h * x.d, strideH: x.d, strideL: x.h * x.d };
}

function axisNames(rank: number, layout: Layout, heads: string, seq: string, dim: string): string {
  if (rank === 3) return `[batch, ${seq}, ${dim}]`;
  return layout === 'bhsd' ? `[batch, ${heads}, ${seq}, ${dim}]` : `[batch, ${seq}, ${heads}, ${dim}]`;
}

/** The expected shape with free sizes shown as '*'. */
function pattern(rank: number, layout: Layout, x: { b?: number; h?: number; l?: number; d?: number }): string {
  const s = (n: number | undefined) => (n === undefined ? '*' : String(n));
  if (rank === 3) return `[${s(x.b)}, ${s(x.l)}, ${s(x.d)}]`;
  return layout === 'bhsd'
    ? `[${s(x.b)}, ${s(x.h)}, ${s(x.l)}, ${s(x.d)}]`
    : `[${s(x.b)}, ${s(x.l)}, ${s(x.h)}, ${s(x.d)}]`;
}

function checkOptions(op: string, options: unknown): SdpaOptions {
  return snapshotOptions(op, options, SDPA_OPTION_NAMES) as SdpaOptions;
}

function checkEnum<T extends string>(op: string, arg: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw typeError(op, arg, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  if (!(allowed as readonly string[]).includes(value))
    throw valueError(
      op,
      arg,
      `one of ${allowed.map((a) => `'${a}'`).join(', ')}`,
      quote(value) + didYouMean(value, allowed),
    );
  return value as T;
}

const F32 = [Float32Array] as const;

/** Validates the call and builds the plan. Throws TypeError/RangeError subclasses before any backend runs. */
export function planSdpa(
  op: string,
  qIn: unknown,
  kIn: unknown,
  vIn: unknown,
  optionsIn: unknown,
): { plan: SdpaPlan; outShape: number[]; out: unknown } {
  const options = checkOptions(op, optionsIn);
  const layout = checkEnum<Layout>(op, 'options.layout', options.layout, ['bhsd', 'bshd'], 'bhsd');
  const q = checkTensor<Float32Array>(op, 'q', qIn, F32, 'Float32Array');
  const k = checkKvTensor(op, 'k', kIn);
  const v = checkKvTensor(op, 'v', vIn);
  checkSameKvDtype(op, k, v);

  const rank = q.shape.length;
  if (rank !== 3 && rank !== 4)
    throw shapeError(
      op,
      'q',
      `4-D ${axisNames(4, layout, 'heads', 'seqQ', 'dHead')} or 3-D [batch, seqQ, dHead]`,
      formatShape(q.shape),
    );
  const qd = dimsOf(q.shape, layout);
  const kvHeads = 'kvHeads';
  if (k.shape.length !== rank || dimsOf(k.shape, layout).b !== qd.b || dimsOf(k.shape, layout).d !== qd.d)
    throw shapeError(
      op,
      'k',
      `${axisNames(rank, layout, kvHeads, 'seqK', 'dHead')} = ${pattern(rank, layout, { b: qd.b, d: qd.d })}`,
      formatShape(k.shape),
    );
  const kd = dimsOf(k.shape, layout);
  const vExpect = { b: qd.b, h: kd.h, l: kd.l };
  if (
    v.shape.length !== rank ||
    dimsOf(v.shape, layout).b !== qd.b ||
    dimsOf(v.shape, layout).h !== kd.h ||
    dimsOf(v.shape, layout).l !== kd.l
  )
    throw shapeError(
      op,
      'v',
      `${axisNames(rank, layout, kvHeads, 'seqK', 'dV')} = ${pattern(rank, layout, vExpect)}`,
      formatShape(v.shape),
    );
  const vd = dimsOf(v.shape, layout);
  if (qd.h > 0 ? kd.h === 0 || qd.h % kd.h !== 0 : false)
    throw shapeError(
      op,
      'k',
      `a head count dividing q's ${qd.h} heads (grouped-query attention)`,
      `${kd.h} heads in ${formatShape(k.shape)}`,
    );

  let scale = qd.d > 0 ? 1 / Math.sqrt(qd.d) : 1;
  if (options.scale !== undefined) {
    if (typeof options.scale !== 'number') throw typeError(op, 'options.scale', 'a finite number', options.scale);
    if (!Number.isFinite(Math.fround(options.scale)))
      throw valueError(
        op,
        'options.scale',
        'a finite number within float32 range (|scale| <= 3.4028234663852886e38)',
        String(options.scale),
      );
    scale = options.scale;
  }
  if (options.causal !== undefined && typeof options.causal !== 'boolean')
    throw typeError(op, 'options.causal', 'a boolean', options.causal);
  const alignment = checkEnum(
    op,
    'options.causalAlignment',
    options.causalAlignment,
    ['bottom-right', 'top-left'],
    'bottom-right',
  );
  const positionOffset = alignment === 'bottom-right' ? kd.l - qd.l : 0;
  const causalOffset = options.causal ? positionOffset : null;
  const extras = checkExtras(op, options, qd.b, qd.h, qd.l, kd.l);
  const compute = checkEnum(op, 'options.compute', options.compute, ['fp32', 'bf16'], 'fp32');

  const outDims = { b: qd.b, h: qd.h, l: qd.l, d: vd.d };
  const outShape = shapeFor(rank, layout, outDims);
  if (outShape.reduce((a, b) => a * b, 1) > MAX_ELEMENTS)
    throw shapeError(op, 'out', `at most 2^31 - 1 elements`, formatShape(outShape));
  let outData: Float32Array;
  if (options.out !== undefined) {
    const out = checkTensor<Float32Array>(op, 'options.out', options.out, F32, 'Float32Array');
    if (formatShape(out.shape) !== formatShape(outShape))
      throw shapeError(
        op,
        'options.out',
        `${axisNames(rank, layout, 'heads', 'seqQ', 'dV')} = ${formatShape(outShape)}`,
        formatShape(out.shape),
      );
    outData = out.data;
  } else {
    outData = allocateF32(
      op,
      'the output',
      outShape.reduce((a, b) => a * b, 1),
    );
  }

  const scoreShape = rank === 3 ? [qd.b, qd.l, kd.l] : [qd.b, qd.h, qd.l, kd.l];
  const scoreAxes = rank === 3 ? (['b', 'q', 'k'] as const) : (['b', 'h', 'q', 'k'] as const);
  const scoreNames = rank === 3 ? '[batch, seqQ, seqK]' : '[batch, heads, seqQ, seqK]';

  let weights: Float32Array | null = null;
  if (options.weightsOut !== undefined) {
    const w = checkTensor<Float32Array>(op, 'options.weightsOut', options.weightsOut, F32, 'Float32Array');
    if (formatShape(w.shape) !== formatShape(scoreShape))
      throw shapeError(op, 'options.weightsOut', `${scoreNames} = ${formatShape(scoreShape)}`, formatShape(w.shape));
    weights = w.data;
  }

  // Contiguous [B, Hq, Lq] whatever the layout: the shape the backward's lse argument takes.
  const lseShape = rank === 3 ? [qd.b, qd.l] : [qd.b, qd.h, qd.l];
  let lse: Float32Array | null = null;
  if (options.lseOut !== undefined) {
    const t = checkTensor<Float32Array>(op, 'options.lseOut', options.lseOut, F32, 'Float32Array');
    if (formatShape(t.shape) !== formatShape(lseShape))
      throw shapeError(
        op,
        'options.lseOut',
        `${rank === 3 ? '[batch, seqQ]' : '[batch, heads, seqQ]'} = ${formatShape(lseShape)}`,
        formatShape(t.shape),
      );
    lse = t.data;
  }

  let mask: MaskPlan | null = null;
  let maskData: Uint8Array | Float32Array | undefined;
  let maskLength = 0;
  if (options.mask !== undefined) {
    const m: CheckedTensor<Uint8Array | Float32Array> = checkTensor(
      op,
      'options.mask',
      options.mask,
      [Uint8Array, Float32Array],
      'Uint8Array (boolean, 1 = attend) or Float32Array (additive)',
    );
    maskData = m.data;
    maskLength = product(m.shape);
    mask = {
      kind: m.data instanceof Uint8Array ? 'bool' : 'additive',
      data: m.data,
      ...maskStrides(op, m.shape, scoreShape, scoreAxes),
    };
  }

  checkNoOverlap(op, 'options.out', outData, {
    q: q.data,
    k: k.data,
    v: v.data,
    'options.mask': maskData,
    'options.weightsOut': weights ?? undefined,
    'options.relativeBias': extras.relativeBias?.data,
  });
  if (weights)
    checkNoOverlap(op, 'options.weightsOut', weights, {
      q: q.data,
      k: k.data,
      v: v.data,
      'options.mask': maskData,
      'options.relativeBias': extras.relativeBias?.data,
    });
  if (lse)
    checkNoOverlap(op, 'options.lseOut', lse, {
      q: q.data,
      k: k.data,
      v: v.data,
      'options.out': outData,
      'options.weightsOut': weights ?? undefined,
      'options.mask': maskData,
      'options.relativeBias': extras.relativeBias?.data,
    });

  // Getters run up to the last tensor read above: a late one may have detached an earlier view.
  const diagonals = Math.max(qd.l + kd.l - 1, 0);
  checkStillAttached(op, [
    ['q.data', q.data, product(q.shape)],
    ['k.data', k.data, product(k.shape)],
    ['v.data', v.data, product(v.shape)],
    ['options.out.data', outData, product(outShape)],
    ['options.weightsOut.data', weights, product(scoreShape)],
    ['options.lseOut.data', lse, product(lseShape)],
    ['options.mask.data', maskData, maskLength],
    [
      'options.relativeBias.data',
      extras.relativeBias?.data,
      (extras.relativeBias?.strideH === 0 ? 1 : qd.h) * diagonals,
    ],
  ]);

  const plan: SdpaPlan = {
    batch: qd.b,
    headsQ: qd.h,
    headsKv: kd.h,
    lenQ: qd.l,
    lenK: kd.l,
    dimQk: qd.d,
    dimV: vd.d,
    q: viewOf(q.data, rank, layout, qd),
    k: viewOf(k.data, rank, layout, kd),
    v: viewOf(v.data, rank, layout, vd),
    kvDtype: k.dtype,
    out: viewOf(outData, rank, layout, outDims),
    weights,
    lse,
    mask,
    // Both backends compute with the float32 value the native kernel receives.
    scale: Math.fround(scale),
    causalOffset,
    positionOffset,
    ...extras,
    kvLengthsShift: alignment === 'bottom-right',
    computeBf16: compute === 'bf16',
  };
  return { plan, outShape, out: options.out };
}

/**
 * Whether the call writes anything: an empty output and no (or empty) weights or lse return at once.
 * Each output bounds the rows a kernel loops over, since each holds at most 2^31 - 1 elements.
 */
export function sdpaHasWork(p: SdpaPlan): boolean {
  return p.batch * p.headsQ * p.lenQ > 0 && (p.dimV > 0 || p.lse !== null || (p.weights !== null && p.lenK > 0));
}

/** The plan when its K and V are float32 (what the backward pass and the JavaScript kernels read), else null. */
export function float32KvPlan(p: SdpaPlan): Float32KvPlan | null {
  return p.kvDtype === 'float32' ? (p as Float32KvPlan) : null;
}
