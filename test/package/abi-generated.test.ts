// The addon's ABI number, descriptor slots and slot codes are written once, in native/napi/abi.json, and generated
// for both sides of the seam: the generated files must be what the generator makes of it now.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ADDON_ABI,
  KV_DTYPE,
  LINEAR_DESC,
  MASK_KIND,
  SDPA_BACKWARD_DESC,
  SDPA_DESC,
} from '../../src/backends/native/abi-generated';
import { KV_DTYPES } from '../../src/validation/kv-tensor';
import abi from '../../native/napi/abi.json';

const root = path.join(__dirname, '..', '..');

describe('native/napi/abi.json', () => {
  it('abi_generated.h and abi-generated.ts are up to date (npm run gen:abi)', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts/gen-abi.cjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('gives every descriptor consecutive, non-overlapping slots and the ABI the loader checks', () => {
    expect(ADDON_ABI).toBe(abi.abi);
    expect(abi.history.at(-1)).toMatch(new RegExp(`^${abi.abi}: `));
    for (const [desc, spec] of [
      [SDPA_DESC, abi.descriptors.sdpa],
      [SDPA_BACKWARD_DESC, abi.descriptors.sdpaBackward],
      [LINEAR_DESC, abi.descriptors.linear],
    ] as const) {
      let at = 0;
      for (const slot of spec.slots) {
        const [name, width] = Array.isArray(slot) ? slot : [slot, 1];
        expect((desc as Record<string, number>)[name as string], String(name)).toBe(at);
        at += width as number;
      }
      expect(desc.length).toBe(at);
    }
  });

  it('has a kvDtype code for every dtype k and v accept, and codes for no mask and both mask kinds', () => {
    expect(Object.keys(KV_DTYPE)).toEqual([...KV_DTYPES]);
    expect(Object.keys(MASK_KIND)).toEqual(['none', 'bool', 'additive']);
  });
});
