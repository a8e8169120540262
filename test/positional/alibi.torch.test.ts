// alibiSlopes against Hugging Face BLOOM's slope code run in torch (make_alibi_fixture.py), 1..40 heads and more.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { alibiSlopes } from '../../src/index';

const { slopes } = JSON.parse(readFileSync(join(__dirname, 'alibi-slopes.torch.json'), 'utf8')) as {
  slopes: Record<string, number[]>;
};

it('alibiSlopes(n) equals BLOOM build_alibi_tensor slopes for every n in the fixture', () => {
  for (const [n, ref] of Object.entries(slopes)) {
    const got = alibiSlopes(Number(n));
    expect(got.length, `n = ${n}`).toBe(ref.length);
    for (let h = 0; h < ref.length; h++)
      expect(Math.abs(got[h] - ref[h]) / ref[h], `n = ${n}, head ${h}`).toBeLessThan(1e-12);
  }
});
