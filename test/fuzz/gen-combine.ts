// A second hostile change may only touch what the first left alone: two changes to one tensor or option
// overwrite each other (a spoof replacing a spoof, a length spoiled twice back to its right value), and
// the call's expectation, the weaker of both, then describes a call that was never made.
import { isTagged, type CallSpec, type Trap } from './spec';
import type { SdpaCtx } from './sdpa-model';

const text = (x: unknown): string =>
  JSON.stringify(x, (_k, v) =>
    typeof v === 'bigint'
      ? `${v}n`
      : typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))
        ? String(Object.is(v, -0) ? '-0' : v)
        : v,
  ) ?? 'undefined';

/** Where a trap acts: the tensor or option its getter sits on, and the tensor it detaches or shrinks. */
function targets(t: Trap): string[] {
  const out: string[] = [];
  if ('path' in t) {
    const [head, key] = t.path.split('.');
    out.push(head === 'options' ? key : head);
  }
  if ('victim' in t) out.push(t.victim);
  if ('key' in t) out.push(t.key);
  return out;
}

/** A fingerprint of each thing a change can touch: q, k, v, each option key, the options container. */
function footprint(c: SdpaCtx): Map<string, string> {
  const f = new Map<string, string>();
  const add = (key: string, v: string) => f.set(key, (f.get(key) ?? '') + v);
  const args = c.s.args;
  const opts = isTagged(args[3]) && args[3].kind === 'options' ? args[3] : undefined;
  add('options', opts ? `options ${opts.container ?? ''}` : text(args[3]));
  for (const [i, role] of ['q', 'k', 'v'].entries()) add(role, text(args[i]));
  for (const [key, v] of Object.entries(opts?.own ?? {})) add(key, text(v));
  for (const [key, v] of Object.entries(opts?.inherit ?? {})) add(key, `inherit ${text(v)}`);
  const all = [...args.slice(0, 3), ...Object.values(opts?.own ?? {})];
  for (const t of all)
    if (isTagged(t) && t.kind === 'tensor' && t.alias) add(t.alias.of, ` aliased by ${t.role} ${t.alias.mode}`);
  for (const trap of c.s.traps) for (const key of targets(trap)) add(key, ` trap ${text(trap)}`);
  return f;
}

const changed = (a: Map<string, string>, b: Map<string, string>): Set<string> =>
  new Set([...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)));

/** Runs `change` twice at most: the second run is undone when it touched what the first one did. */
export function applyTwo(c: SdpaCtx, first: boolean, second: boolean, change: () => void): void {
  const before = footprint(c);
  if (first) change();
  if (!second) return;
  const mid = footprint(c);
  const touched = changed(before, mid);
  const saved = structuredClone({ s: c.s, opts: c.opts, changes: c.changes, sealed: c.sealed });
  change();
  if (![...changed(mid, footprint(c))].some((k) => touched.has(k))) return;
  restore(c, saved);
}

function restore(c: SdpaCtx, saved: { s: CallSpec; opts: SdpaCtx['opts']; changes?: number; sealed?: boolean }): void {
  const s = c.s as unknown as Record<string, unknown>;
  for (const key of Object.keys(s)) delete s[key];
  Object.assign(s, saved.s);
  c.m = c.s.sdpa!;
  [c.q, c.k, c.v] = c.s.args as SdpaCtx['q'][];
  c.opts = saved.opts;
  c.changes = saved.changes;
  c.sealed = saved.sealed;
}
