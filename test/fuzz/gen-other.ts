// linear(), tensor(), MultiHeadAttention (constructor and forward) and selfAttention(): a valid call,
// then at most one hostile change from gen-hostile.ts with the options each of them knows.
import type { Rng } from '../../src/util/rng';
import { applyHostile, isTensor, type GenericCtx } from './gen-hostile';
import {
  BAD_INTEGERS,
  chance,
  int,
  list,
  mark,
  obj,
  options,
  pick,
  product,
  scaleEdge,
  size,
  softcapEdge,
  tensorSpec,
  wrongType,
} from './gen-values';
import type { CallSpec, MhaModel, OptionsSpec, TensorSpec } from './spec';

const foreign = (t: TensorSpec): TensorSpec => ({ ...t, foreign: true });

function optsOf(s: CallSpec, at: number): () => OptionsSpec {
  return () => {
    const cur = s.args[at];
    if (typeof cur === 'object' && cur !== null && (cur as OptionsSpec).kind === 'options') return cur as OptionsSpec;
    const o = options({});
    while (s.args.length < at) s.args.push(undefined);
    s.args[at] = o;
    return o;
  };
}

const tensorsIn = (xs: unknown[]): TensorSpec[] =>
  xs.flatMap((x) =>
    isTensor(x)
      ? [x]
      : x && typeof x === 'object' && (x as OptionsSpec).kind === 'options'
        ? Object.values((x as OptionsSpec).own).filter(isTensor)
        : [],
  );

export function genLinear(r: Rng, s: CallSpec): void {
  const lead = Array.from({ length: pick(r, [0, 1, 1, 2, 3]) }, () => size(r, [1, 2, 3, 5]));
  const inF = size(r, [1, 2, 3, 4, 7, 8, 16, 17, 33]);
  const outF = size(r, [1, 2, 3, 5, 8, 17]);
  const x = tensorSpec('x', [...lead, inF]);
  const w = tensorSpec('weight', [outF, inF]);
  const biasKind = pick(r, ['absent', 'undefined', 'null', 'tensor', 'tensor']);
  const bias = biasKind === 'tensor' ? tensorSpec('bias', [outF]) : biasKind === 'null' ? null : undefined;
  const outShape = [...lead, outF];
  s.args = biasKind === 'absent' ? [x, w] : [x, w, bias];
  const withOut = chance(r, 0.3);
  if (withOut) s.args[3] = options({ out: tensorSpec('out', outShape, 'sentinel') });
  else if (chance(r, 0.2)) s.args[3] = chance(r, 0.5) ? options({}) : undefined;
  s.linear = { rows: product(lead), inF, outF, bias: biasKind === 'tensor', out: withOut, outShape };
  if (!chance(r, 0.6)) return;
  const c: GenericCtx = {
    s,
    hasOptions: true,
    tensors: () => tensorsIn(s.args),
    opts: optsOf(s, 3),
    optsPath: 'options',
    pollutable: { out: () => foreign(tensorSpec('out', outShape, 'sentinel')) },
    badValue: () => [
      pick(r, [
        null,
        5,
        'x',
        obj('array'),
        tensorSpec('out', [...lead, outF + 1], 'sentinel'),
        { ...tensorSpec('out', outShape), elem: 'f64' },
      ]),
      'error',
      'option out: wrong type or shape',
    ],
    laterValue: () => pick(r, [foreign(tensorSpec('out', outShape, 'sentinel')), undefined]),
    output: () => {
      const o = optsOf(s, 3)();
      o.own.out ??= tensorSpec('out', outShape, 'sentinel');
      s.linear!.out = true;
      return o.own.out as TensorSpec;
    },
  };
  if (chance(r, 0.15)) {
    // Relations: weight's inFeatures, bias length, rank-0 x.
    const kind = pick(r, ['weight', 'bias', 'x rank 0']);
    if (kind === 'weight') Object.assign(w, tensorSpec('weight', [outF, inF + 1]));
    else if (kind === 'bias') s.args[2] = tensorSpec('bias', [outF + 1]);
    else Object.assign(x, tensorSpec('x', []));
    return mark(s, 'error', `shape mismatch: ${kind}`);
  }
  applyHostile(r, c);
}

export function genTensor(r: Rng, s: CallSpec): void {
  const dims = Array.from({ length: pick(r, [0, 1, 2, 3, 4]) }, () => size(r, [1, 2, 3, 5, 7]));
  const t = tensorSpec('data', dims, 'normal', chance(r, 0.2) ? 'u8' : 'f32');
  s.args = [t];
  s.tensor = { shape: dims };
  if (!chance(r, 0.6)) return;
  applyHostile(r, {
    s,
    hasOptions: false,
    tensors: () => [t],
    opts: () => options({}),
    optsPath: 'options',
    pollutable: {},
    badValue: () => [undefined, 'error', ''],
    maskLike: () => true,
  });
}

export function genMha(r: Rng, s: CallSpec): void {
  const numHeads = pick(r, [1, 2, 3, 4]);
  const numKvHeads = pick(r, [1, numHeads]);
  const headDim = pick(r, [1, 2, 3, 4]);
  const explicitHeadDim = chance(r, 0.3);
  const embedDim = explicitHeadDim ? pick(r, [2, 3, 5, 8]) : numHeads * headDim;
  const config = {
    embedDim,
    numHeads,
    numKvHeads,
    headDim,
    kdim: embedDim,
    vdim: embedDim,
    bias: chance(r, 0.7),
    seed: int(r, 0, 9),
  };
  const ctor: Record<string, unknown> = { embedDim, numHeads, seed: config.seed };
  if (numKvHeads !== numHeads || chance(r, 0.3)) ctor.numKvHeads = numKvHeads;
  if (explicitHeadDim) ctor.headDim = headDim;
  if (!config.bias || chance(r, 0.3)) ctor.bias = config.bias;
  const self = chance(r, 0.5);
  if (!self && chance(r, 0.5)) ctor.kdim = config.kdim = pick(r, [1, 3, 5]);
  if (!self && chance(r, 0.5)) ctor.vdim = config.vdim = pick(r, [1, 3, 5]);
  const B = size(r, [1, 1, 2, 3]);
  const Lq = size(r, [1, 2, 3, 5, 7]);
  const Lk = self ? Lq : size(r, [1, 2, 3, 5, 7]);
  const m: MhaModel = {
    config,
    ctorOnly: false,
    B,
    Lq,
    Lk,
    self,
    causal: false,
    padding: false,
    needWeights: false,
    averageWeights: true,
    out: false,
    shapeOnly: false,
  };
  const query = tensorSpec('q', [B, Lq, embedDim]);
  const fo: Record<string, unknown> = {};
  if (chance(r, 0.3)) fo.causal = m.causal = chance(r, 0.8);
  if (chance(r, 0.3)) {
    fo.keyPaddingMask = { ...tensorSpec('keyPaddingMask', [B, Lk], 'bool', 'u8'), density: 0.25 };
    m.padding = true;
  }
  if (chance(r, 0.3)) {
    fo.needWeights = m.needWeights = true;
    if (chance(r, 0.5)) fo.averageWeights = m.averageWeights = chance(r, 0.5);
  }
  if (chance(r, 0.2)) {
    fo.out = tensorSpec('out', [B, Lq, embedDim], 'sentinel');
    m.out = true;
  }
  if (chance(r, 0.15)) {
    m.shapeOnly = true;
    const extra = pick(r, ['positional', 'window', 'softcap', 'sinks']);
    fo[extra] =
      extra === 'positional'
        ? options({ type: 'alibi' })
        : extra === 'window'
          ? options({ left: int(r, 0, 3) })
          : extra === 'softcap'
            ? 5
            : list(
                'array',
                Array.from({ length: numHeads }, () => 0.5),
              );
  }
  const args: unknown[] = [query];
  if (!self) args.push(tensorSpec('k', [B, Lk, config.kdim]), tensorSpec('v', [B, Lk, config.vdim]));
  else if (chance(r, 0.3)) args.push(query, query);
  else if (Object.keys(fo).length) args.push(undefined, undefined);
  if (Object.keys(fo).length || chance(r, 0.1)) args[3] = options(fo);
  s.args = args;
  s.ctor = options(ctor);
  s.mha = m;
  if (!chance(r, 0.6)) return;

  if (chance(r, 0.3)) {
    // The constructor's options.
    m.ctorOnly = true;
    const c: GenericCtx = {
      s,
      hasOptions: true,
      tensors: () => [],
      opts: () =>
        typeof s.ctor === 'object' && s.ctor !== null && (s.ctor as OptionsSpec).kind === 'options'
          ? (s.ctor as OptionsSpec)
          : options({}),
      optsPath: 'ctor',
      pollutable: { numKvHeads: () => 1, headDim: () => 1, bias: () => !config.bias, kdim: () => 3, seed: () => 7 },
      badValue: (key) => {
        if (key === 'bias') return [wrongType(r, 'boolean'), 'error', 'constructor option: wrong type'];
        // seed takes any integer in [0, 2^32); the sizes positive integers up to 2^31 - 1.
        const v = pick(
          r,
          key === 'seed' ? [-1, 1.5, NaN, 2 ** 32, '2', 2n, null] : [0, ...BAD_INTEGERS, 2 ** 31, obj('number-object')],
        );
        return [v, 'error', 'constructor option: bad size'];
      },
      laterValue: (key) => (key === 'bias' ? !config.bias : pick(r, [0, 1e6, NaN])),
    };
    // Pollution and inherited keys must not change the configuration: the forward pass is not needed.
    c.pollutable = Object.fromEntries(Object.entries(c.pollutable).filter(([k]) => !(k in ctor)));
    if (Object.keys(c.pollutable).length === 0) c.pollutable = { seed: () => 7 };
    return applyHostile(r, c);
  }
  const c: GenericCtx = {
    s,
    hasOptions: true,
    tensors: () => tensorsIn(s.args),
    opts: optsOf(s, 3),
    optsPath: 'options',
    pollutable: {
      causal: () => true,
      needWeights: () => true,
      averageWeights: () => false,
      out: () => foreign(tensorSpec('out', [B, Lq, embedDim], 'sentinel')),
      keyPaddingMask: () => foreign({ ...tensorSpec('keyPaddingMask', [B, Lk], 'bool', 'u8'), density: 1 }),
      attnMask: () => foreign({ ...tensorSpec('attnMask', [Lq, Lk], 'bool', 'u8'), density: 1 }),
      softcap: () => 0.01,
      window: () => options({ left: 0, right: 0 }),
      sinks: () =>
        list(
          'array',
          Array.from({ length: numHeads }, () => 5),
        ),
      positional: () => options({ type: 'alibi' }),
    },
    badValue: (key) => {
      if (key === 'causal' || key === 'needWeights' || key === 'averageWeights')
        return [wrongType(r, 'boolean'), 'error', `forward option ${key}: wrong type`];
      if (key === 'softcap') {
        const [v, e] = softcapEdge(r);
        return e === 'error'
          ? [v, e, 'forward option softcap: edge value (refused)']
          : [-1, 'error', 'forward option softcap: negative'];
      }
      if (key === 'window')
        return [options({ left: pick(r, BAD_INTEGERS) }), 'error', 'forward option window: bad side'];
      if (key === 'sinks')
        return [
          list(
            'array',
            Array.from({ length: numHeads + 1 }, () => 0),
          ),
          'error',
          'forward option sinks: wrong length',
        ];
      if (key === 'positional')
        return [
          pick(r, [options({ type: 'nope' }), options({}), 5, options({ type: 'alibi', slopes: 'x' })]),
          'error',
          'forward option positional: bad',
        ];
      if (key === 'keyPaddingMask' || key === 'attnMask')
        return [
          pick(r, [tensorSpec(key, [B + 1, Lk + 1], 'bool', 'u8'), { ...tensorSpec(key, [B, Lk]), elem: 'f64' }, 'x']),
          'error',
          `forward option ${key}: wrong shape or type`,
        ];
      return [
        pick(r, [5, 'x', tensorSpec('out', [B, Lq, embedDim + 1], 'sentinel')]),
        'error',
        'forward option out: wrong type or shape',
      ];
    },
    laterValue: (key) =>
      key === 'causal'
        ? !m.causal
        : key === 'softcap'
          ? -1
          : key === 'out'
            ? foreign(tensorSpec('out', [B, Lq, embedDim], 'sentinel'))
            : undefined,
    maskLike: (t) => t.role === 'keyPaddingMask' || t.role === 'attnMask',
    spoofable: (t) => t.role !== 'keyPaddingMask' && t.role !== 'attnMask',
  };
  if (chance(r, 0.1)) {
    s.args = [query, tensorSpec('k', [B, Lk, config.kdim])];
    return mark(s, 'error', 'key without value');
  }
  applyHostile(r, c);
}

export function genSelfAttention(r: Rng, s: CallSpec): void {
  const B = size(r, [1, 2, 3]);
  const L = size(r, [1, 2, 3, 5, 7, 9]);
  const E = size(r, [1, 2, 3, 4, 8, 16]);
  const o: Record<string, unknown> = {};
  const model: NonNullable<CallSpec['selfAttention']> = { B, L, E, causal: false };
  const x = tensorSpec('x', [B, L, E]);
  const padding = pick(r, ['none', 'lengths', 'value']);
  if (padding === 'lengths') {
    const container = pick(r, ['array', 'i32', 'f64'] as const); // drawn before the lengths, as the random stream has it
    model.lengths = Array.from({ length: B }, () => int(r, 0, L));
    o.lengths = list(container, model.lengths);
  }
  if (padding === 'value') {
    o.paddingValue = model.paddingValue = 0;
    x.fill = 'pad-rows';
  }
  if (chance(r, 0.3)) o.causal = model.causal = chance(r, 0.8);
  if (chance(r, 0.2)) {
    const [v, e] = scaleEdge(r);
    o.scale = model.scale = e === 'value' && Math.abs(Math.fround(v)) < 1e3 ? v : 0.5;
  }
  s.args = Object.keys(o).length || chance(r, 0.2) ? [x, options(o)] : [x];
  s.selfAttention = model;
  if (!chance(r, 0.6)) return;
  applyHostile(r, {
    s,
    hasOptions: true,
    tensors: () => tensorsIn(s.args),
    opts: optsOf(s, 1),
    optsPath: 'options',
    pollutable: {
      lengths: () =>
        list(
          'array',
          Array.from({ length: B }, () => 0),
        ),
      paddingValue: () => 0,
      scale: () => 0,
      causal: () => true,
    },
    badValue: (key) => {
      if (key === 'lengths') {
        const k = int(r, 0, 2);
        if (k === 0)
          return [
            list(
              'array',
              Array.from({ length: B + 1 }, () => 0),
            ),
            'error',
            'option lengths: wrong count',
          ];
        if (k === 1 && B > 0)
          return [
            list(
              'array',
              Array.from({ length: B }, (_, i) => (i === 0 ? pick(r, [-1, L + 1, 1.5, NaN, '2', null]) : 0)),
            ),
            'error',
            'option lengths: bad entry',
          ];
        return [pick(r, [5, 'abc', null, true]), 'error', 'option lengths: not an array'];
      }
      if (key === 'paddingValue')
        return [pick(r, ['0', null, 0n, obj('number-object')]), 'error', 'option paddingValue: wrong type'];
      if (key === 'causal') return [wrongType(r, 'boolean'), 'error', 'option causal: wrong type'];
      const [v, e] = scaleEdge(r);
      return e === 'error'
        ? [v, e, 'option scale: edge value (refused)']
        : [wrongType(r, 'number'), 'error', 'option scale: wrong type'];
    },
    laterValue: (key) =>
      key === 'lengths'
        ? list(
            'array',
            Array.from({ length: B }, () => 0),
          )
        : key === 'scale'
          ? NaN
          : key === 'causal'
            ? !model.causal
            : 'x',
  });
  if (o.lengths !== undefined && o.paddingValue !== undefined) mark(s, 'error', 'lengths and paddingValue both');
}
