// Hostile values for scaledDotProductAttention's options: wrong types, edge numbers, odd containers.
import type { Rng } from '../../src/util/rng';
import {
  BAD_INTEGERS,
  chance,
  int,
  list,
  mark,
  obj,
  options,
  perHeadEdge,
  pick,
  scaleEdge,
  softcapEdge,
  spoilElem,
  tensorSpec,
  wrongType,
} from './gen-values';
import { batch, diagonals, ensureOpts, heads, outDims, scoreDims, type SdpaCtx } from './sdpa-model';

/** A wrong type or an edge value for one option. */
export function badOption(r: Rng, c: SdpaCtx): void {
  const { m, s } = c;
  const o = ensureOpts(c).own;
  const name = pick(r, [
    'scale',
    'causal',
    'causalAlignment',
    'layout',
    'compute',
    'softcap',
    'window',
    'alibiSlopes',
    'sinks',
    'kvLengths',
    'relativeBias',
    'mask',
    'out',
    'weightsOut',
    'unknown',
  ]);
  const typeErr = (v: unknown) => {
    o[name] = v;
    mark(s, 'error', `option ${name}: wrong type`);
  };
  switch (name) {
    case 'scale':
    case 'softcap': {
      if (chance(r, 0.3)) return typeErr(wrongType(r, 'number'));
      const [v, e] = name === 'scale' ? scaleEdge(r) : softcapEdge(r);
      o[name] = v;
      if (e !== 'error') {
        if (name === 'scale') m.scale = v;
        else m.softcap = v;
        if (m.overflow) {
          // The overflow contract is checked without softcap and with a positive scale only.
          m.overflow = false;
          for (const t of [c.q, c.k]) if (t.fill === 'overflow') t.fill = 'normal';
          s.labels = s.labels.filter((l) => !l.startsWith('overflow'));
        }
        if (name === 'scale' && Math.abs(Math.fround(v)) > 1e3) c.q.fill = 'zero';
      }
      return mark(s, e, `option ${name}: edge value${e === 'error' ? ' (refused)' : ''}`);
    }
    case 'causal':
      return typeErr(wrongType(r, 'boolean'));
    case 'causalAlignment':
      return typeErr(pick(r, ['top_left', 'TOP-LEFT', '', 'bottom right', 1, null, obj('string-object')]));
    case 'layout':
      return typeErr(pick(r, ['BHSD', 'bsdh', 'bhsd ', '', 4, null, obj('string-object')]));
    case 'compute':
      return typeErr(pick(r, ['fp16', 'BF16', 'bf16 ', 'float32', true, null]));
    case 'window': {
      const k = int(r, 0, 4);
      if (k === 0) return typeErr(pick(r, ['x', 5, null, true, obj('array'), obj('fn')]));
      if (k === 1) {
        o.window = options({ [pick(r, ['left', 'right'])]: pick(r, BAD_INTEGERS) });
        return mark(s, 'error', 'option window: bad side');
      }
      if (k === 2) {
        o.window = options({ left: 1, [pick(r, ['top', 'Left', 'size'])]: 2 });
        return mark(s, 'error', 'option window: unknown key');
      }
      if (k === 3) {
        o.window = options({ left: -0 });
        m.window = { left: 0 };
        return mark(s, 'either', 'option window: -0');
      }
      const side = pick(r, ['left', 'right'] as const);
      const v = pick(r, [2 ** 31, 2 ** 40, 2 ** 53 - 1]);
      o.window = options({ [side]: v });
      m.window = { [side]: v };
      return mark(s, 'either', 'option window: side > 2^31-1');
    }
    case 'alibiSlopes':
    case 'sinks': {
      const k = int(r, 0, 3);
      const values = Array.from({ length: heads(m) }, () => 0.25);
      if (k === 0 && m.Hq > 0) {
        const [v, e] = perHeadEdge(r);
        values[int(r, 0, heads(m) - 1)] = v;
        o[name] = list(pick(r, ['f64', 'array']), values);
        if (e !== 'error') {
          if (name === 'sinks') m.sinks = values;
          else m.alibi = values;
        }
        return mark(s, e, `option ${name}: edge entry${e === 'error' ? ' (refused)' : ''}`);
      }
      if (k === 1 && m.Hq > 0) {
        o[name] = list('array', [pick(r, ['1', null, undefined, 1n, obj('number-object')]), ...values.slice(1)]);
        return mark(s, 'error', `option ${name}: entry of wrong type`);
      }
      if (k === 2) {
        o[name] = list(pick(r, ['i32', 'u8', 'arraylike']), values);
        return mark(s, 'error', `option ${name}: not an array, Float32Array or Float64Array`);
      }
      return typeErr(pick(r, ['x', 5, null, true, obj('empty'), obj('fn')]));
    }
    case 'kvLengths': {
      const k = int(r, 0, 4);
      // Valid counts; a huge batch gets a short list (batch()), refused either way.
      const counts = (n: number): unknown[] => Array.from({ length: n }, () => int(r, 0, Math.min(m.Lk, 2 ** 31 - 1)));
      if (k === 0) return typeErr(pick(r, ['x', 5, null, true, obj('empty'), obj('fn'), obj('map')]));
      if (k === 1) {
        o.kvLengths = list(pick(r, ['f32', 'f64', 'u8', 'arraylike']), counts(batch(m)));
        return mark(s, 'error', 'option kvLengths: not an Int32Array or array');
      }
      if (k === 2) {
        o.kvLengths = list(
          pick(r, ['i32', 'array']),
          counts(batch(m) > 0 && chance(r, 0.5) ? batch(m) - 1 : batch(m) + 1),
        );
        return mark(s, 'error', 'option kvLengths: wrong count');
      }
      if (m.B === 0 || m.B > 64) return typeErr(pick(r, ['x', 5, null]));
      const values = counts(m.B);
      const at = int(r, 0, m.B - 1);
      if (k === 3) {
        values[at] = pick(r, [
          -1,
          m.Lk + 1,
          0.5,
          1.5,
          NaN,
          Infinity,
          -Infinity,
          2 ** 31,
          2 ** 53,
          '2',
          null,
          undefined,
          1n,
          obj('number-object'),
        ]);
        o.kvLengths = list('array', values);
        return mark(s, 'error', 'option kvLengths: bad entry');
      }
      values[at] = -0; // the integer 0
      o.kvLengths = list('array', values);
      m.kvLengths = values.map((x) => (x as number) + 0);
      return mark(s, 'value', 'option kvLengths: -0 entry');
    }
    case 'relativeBias': {
      if (chance(r, 0.5)) return typeErr(wrongType(r, 'object'));
      const t = tensorSpec('relativeBias', [1, diagonals(m)], chance(r, 0.5) ? 'inf' : 'nan');
      if (t.length === 0 || chance(r, 0.3)) t.elem = 'f64';
      o.relativeBias = t;
      return mark(s, 'error', 'option relativeBias: not finite float32');
    }
    case 'mask': {
      if (chance(r, 0.4)) return typeErr(wrongType(r, 'object'));
      const t = tensorSpec('mask', scoreDims(m), pick(r, ['nan', 'inf']), 'f32');
      o.mask = t;
      return mark(s, 'nocrash', 'option mask: NaN or +Infinity');
    }
    case 'out':
    case 'weightsOut': {
      if (chance(r, 0.5)) return typeErr(wrongType(r, 'object'));
      const t = tensorSpec(name, name === 'out' ? outDims(m) : scoreDims(m), 'sentinel');
      spoilElem(r, s, t);
      o[name] = t;
      return;
    }
    default:
      o[pick(r, ['Scale', 'foo', 'is_causal', 'dropout', 'constructor'])] = 1;
      return mark(s, 'error', 'unknown option');
  }
}

/** The options argument itself: wrong types, odd containers. */
export function badContainer(r: Rng, c: SdpaCtx): void {
  const { s } = c;
  const k = int(r, 0, 2);
  if (k < 2) c.sealed = true;
  if (k === 0) {
    const v = pick(r, [null, 5, 'x', true, obj('array'), obj('fn'), obj('revoked-proxy')]);
    s.args[3] = v;
    return mark(s, 'error', 'options not an object');
  }
  if (k === 1 && !(c.m.layout === 'bshd' && c.m.rank === 4)) {
    // A Map or a Date has no own option keys: the call runs with the defaults.
    const v = pick(r, ['map', 'date'] as const);
    s.args[3] = obj(v);
    const m = c.m;
    Object.assign(m, {
      scale: undefined,
      causal: false,
      topLeft: false,
      softcap: undefined,
      window: undefined,
      alibi: undefined,
      sinks: undefined,
      kvLengths: undefined,
      mask: undefined,
      relativeBias: undefined,
      out: false,
      weightsOut: false,
      bf16: false,
    });
    if (c.q.fill === 'zero') c.q.fill = 'normal';
    return mark(s, 'either', `options a ${v}`);
  }
  if (k === 1) {
    s.args[3] = null;
    return mark(s, 'error', 'options not an object');
  }
  const o = ensureOpts(c);
  o.container = pick(r, ['null-proto', 'frozen', 'proxy', 'class-instance', 'json-proto'] as const);
  mark(
    s,
    o.container === 'json-proto' ? 'either' : 'value',
    `options container ${o.container}`,
    o.container !== 'json-proto' ? 2 : 0,
  );
}
