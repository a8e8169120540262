// Checks every argument of scaledDotProductAttentionBackward and builds an SdpaBackwardPlan. The
// forward's arguments and options go through the forward's own planSdpa, so they are checked with
// the same rules and words; the backward adds dOut, lse and the gradient buffers.
import type { SdpaBackwardPlan } from '../backends/backward-types';
import { AttnkitRangeError, AttnkitTypeError } from '../errors';
import type { Tensor } from '../tensor';
import { formatShape, shapeError, typeError } from './error-factory';
import { checkNoOverlap } from './overlap';
import {
  SDPA_BACKWARD_FORWARD_OPTION_NAMES,
  SDPA_BACKWARD_OPTION_NAMES,
  type SdpaGradients,
} from './sdpa-backward-options';
import { float32KvPlan, planSdpa } from './sdpa-plan';
import { checkStillAttached, snapshotOptions } from './snapshot';
import { checkF32, product, resultBuffer } from './tensor-checks';

/** An error planSdpa raised about `from` (its options.out), reworded to name `to` (the backward's `out`). */
function renamed(op: string, from: string, to: string, e: unknown): unknown {
  if (!(e instanceof AttnkitTypeError || e instanceof AttnkitRangeError)) return e;
  const prefix = `${op}: ${from}`;
  const rest = e.message.slice(prefix.length);
  if (!e.message.startsWith(prefix) || !(rest.startsWith(' ') || rest.startsWith('.'))) return e;
  const message = `${op}: ${to}${rest}`;
  const err =
    e instanceof AttnkitTypeError ? new AttnkitTypeError(message, e.code) : new AttnkitRangeError(message, e.code);
  if ((e as { cause?: unknown }).cause !== undefined)
    (err as { cause?: unknown }).cause = (e as { cause?: unknown }).cause;
  return err;
}

/** The forward result's axes, as the forward's error messages name them. */
function resultAxes(rank: number, layout: string): string {
  if (rank === 3) return '[batch, seqQ, dV]';
  return layout === 'bshd' ? '[batch, seqQ, heads, dV]' : '[batch, heads, seqQ, dV]';
}

interface Output {
  name: (typeof GRADIENTS)[number];
  arg: string;
  shape: number[];
  /** The caller's tensor, returned as is, or undefined when allocated here. */
  given: unknown;
  data: Float32Array;
}

const GRADIENTS = ['dq', 'dk', 'dv', 'dSinks', 'dRelativeBias'] as const;

/** Validates the call and builds the plan, allocating the gradients not given. Nothing is written. */
export function planSdpaBackward(
  op: string,
  dOutIn: unknown,
  qIn: unknown,
  kIn: unknown,
  vIn: unknown,
  outIn: unknown,
  lseIn: unknown,
  optionsIn: unknown,
): { plan: SdpaBackwardPlan; gradients: SdpaGradients } {
  const options = snapshotOptions(op, optionsIn, SDPA_BACKWARD_OPTION_NAMES);
  const dOut = checkF32(op, 'dOut', dOutIn);
  const q = checkF32(op, 'q', qIn);
  const k = checkF32(op, 'k', kIn);
  const v = checkF32(op, 'v', vIn);
  const relativeBias =
    options.relativeBias === undefined ? undefined : checkF32(op, 'options.relativeBias', options.relativeBias);

  // The forward's checks, on copies read once: the caller's `out` stands in the forward's options.out,
  // the place where the forward checks its result's shape and that it shares no memory with an input.
  const forwardOptions = Object.create(null) as Record<string, unknown>;
  for (const name of SDPA_BACKWARD_FORWARD_OPTION_NAMES)
    if (options[name] !== undefined) forwardOptions[name] = options[name];
  if (relativeBias) forwardOptions.relativeBias = relativeBias;
  // Left out, the forward would allocate a result of its own: the backward needs the caller's.
  if (outIn === undefined || outIn === null)
    throw typeError(op, 'out', 'a tensor { data: Float32Array, shape: number[] }', outIn);
  forwardOptions.out = outIn;
  let planned: ReturnType<typeof planSdpa>;
  try {
    planned = planSdpa(op, q, k, v, forwardOptions);
  } catch (e) {
    throw renamed(op, 'options.out', 'out', e);
  }
  const { outShape } = planned;
  // k and v passed checkF32 above: the forward plan's K/V are float32.
  const fwd = float32KvPlan(planned.plan)!;
  const maskLength = fwd.mask ? fwd.mask.data.length : 0; // a plain view: its length is the engine's
  const rank = q.shape.length;
  const layout = typeof options.layout === 'string' ? options.layout : 'bhsd';

  if (formatShape(dOut.shape) !== formatShape(outShape))
    throw shapeError(
      op,
      'dOut',
      `${resultAxes(rank, layout)} = ${formatShape(outShape)} (the forward result's shape)`,
      formatShape(dOut.shape),
    );

  let lse: Float32Array | null = null;
  if (lseIn !== undefined && lseIn !== null) {
    const t = checkF32(op, 'lse', lseIn);
    const lseShape = rank === 3 ? [fwd.batch, fwd.lenQ] : [fwd.batch, fwd.headsQ, fwd.lenQ];
    if (formatShape(t.shape) !== formatShape(lseShape))
      throw shapeError(
        op,
        'lse',
        `${rank === 3 ? '[batch, seqQ]' : '[batch, heads, seqQ]'} = ${formatShape(lseShape)}`,
        formatShape(t.shape),
      );
    lse = t.data;
  }

  const wanted: [Output['name'], number[] | null, string][] = [
    ['dq', q.shape, "q's shape"],
    ['dk', k.shape, "k's shape"],
    ['dv', v.shape, "v's shape"],
    ['dSinks', fwd.sinks ? [fwd.headsQ] : null, '[heads]'],
    ['dRelativeBias', relativeBias ? relativeBias.shape : null, "options.relativeBias's shape"],
  ];
  const outputs: Output[] = [];
  for (const [name, shape, what] of wanted) {
    const arg = `options.${name}Out`;
    const given = options[`${name}Out`];
    if (shape === null) {
      if (given !== undefined)
        throw typeError(op, arg, `undefined without options.${name === 'dSinks' ? 'sinks' : 'relativeBias'}`, given);
      continue;
    }
    const data = resultBuffer(op, arg, name, given, shape, what);
    outputs.push({ name, arg, shape, given, data });
  }

  const inputs: Record<string, ArrayBufferView | undefined> = {
    dOut: dOut.data,
    q: q.data,
    k: k.data,
    v: v.data,
    out: fwd.out.data,
    lse: lse ?? undefined,
    'options.mask': fwd.mask?.data,
    'options.relativeBias': relativeBias?.data,
  };
  for (let x = 0; x < outputs.length; x++) {
    const earlier = Object.fromEntries(outputs.slice(0, x).map((o) => [o.arg, o.data]));
    checkNoOverlap(op, outputs[x].arg, outputs[x].data, { ...inputs, ...earlier });
  }

  // Getters run up to the last tensor read above: a late one may have detached an earlier view.
  checkStillAttached(op, [
    ['dOut.data', dOut.data, product(outShape)],
    ['q.data', q.data, product(q.shape)],
    ['k.data', k.data, product(k.shape)],
    ['v.data', v.data, product(v.shape)],
    ['out.data', fwd.out.data, product(outShape)],
    ['lse.data', lse, fwd.batch * fwd.headsQ * fwd.lenQ],
    ['options.mask.data', fwd.mask?.data, maskLength],
    ['options.relativeBias.data', relativeBias?.data, relativeBias ? product(relativeBias.shape) : 0],
    ...outputs.map((o): [string, Float32Array, number] => [`${o.arg}.data`, o.data, product(o.shape)]),
  ]);

  const byName = Object.fromEntries(outputs.map((o) => [o.name, o])) as Partial<Record<Output['name'], Output>>;
  const plan: SdpaBackwardPlan = {
    fwd,
    dOut: { ...fwd.out, data: dOut.data },
    lse,
    dq: { ...fwd.q, data: byName.dq!.data },
    dk: { ...fwd.k, data: byName.dk!.data },
    dv: { ...fwd.v, data: byName.dv!.data },
    dSinks: byName.dSinks?.data ?? null,
    dRelativeBias: byName.dRelativeBias?.data ?? null,
  };
  const gradients = {} as SdpaGradients;
  for (const o of outputs)
    gradients[o.name] = (o.given as Tensor | undefined) ?? { data: o.data, shape: Object.freeze(o.shape.slice()) };
  return { plan, gradients };
}
