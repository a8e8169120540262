// bench/masks.mjs through `npm run bench`'s runner: the no-mask row and the three masked rows per
// thread count, each masked row with its time over the no-mask median of the same rounds.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..');

describe('bench masks scenario', () => {
  it('times no mask, key padding, bool and additive masks in the same rounds', () => {
    const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'attnkit-masks-')), 'rows.json');
    const r = spawnSync(
      process.execPath,
      [path.join(root, 'bench', 'run.mjs'), '--quick', '--only', 'masks', '--json', json],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(0);
    const rows = JSON.parse(fs.readFileSync(json, 'utf8')).rows as {
      scenario: string;
      shape: string;
      threads: number;
      ms: number;
      overhead?: number;
      note: string;
    }[];
    expect(rows.length % 4).toBe(0);
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (let i = 0; i < rows.length; i += 4) {
      const [plain, ...masked] = rows.slice(i, i + 4);
      expect(plain.note).toBe('no mask');
      expect(plain.shape).toBe('(1,8,512,512,64)');
      expect(plain.overhead).toBeUndefined();
      expect(masked.map((m) => m.note.split(':')[0])).toEqual([
        'key padding [B,1,1,Lk], 1/8 padded',
        'bool [Lq,Lk], 10 % masked',
        'additive [Lq,Lk], 10 % -inf',
      ]);
      for (const m of masked) {
        expect(m.scenario).toBe('masks');
        expect(m.shape).toMatch(/^\(1,8,512,512,64\) (padding|bool|additive) mask$/);
        expect(m.threads).toBe(plain.threads);
        // overhead is this row's median over the no-mask row's, as the note prints it
        expect(m.overhead).toBeCloseTo(m.ms / plain.ms - 1, 10);
        expect(m.note).toContain(`${(100 * (m.overhead as number)).toFixed(1)} % over no mask`);
      }
    }
  });
});
