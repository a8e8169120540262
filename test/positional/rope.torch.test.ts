// applyRope against Hugging Face's own RoPE code run in torch (make_rope_fixture.py): 'half' = LLaMA's
// rotate_half, 'interleaved' = GPT-J's rotate_every_two with partial rotary_dim, with a position offset.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyRope } from '../../src/index';

const fixture = JSON.parse(readFileSync(join(__dirname, 'rope.torch.json'), 'utf8')) as {
  shape: number[];
  x: number[];
  cases: { style: 'half' | 'interleaved'; base: number; offset: number; rotaryDim: number; out: number[] }[];
};

describe('applyRope vs HF transformers (torch, float64)', () => {
  for (const c of fixture.cases)
    it(`${c.style}, base ${c.base}, offset ${c.offset}, rotaryDim ${c.rotaryDim}`, () => {
      const y = applyRope(
        { data: Float32Array.from(fixture.x), shape: fixture.shape },
        { style: c.style, base: c.base, offset: c.offset, rotaryDim: c.rotaryDim },
      );
      let worst = 0;
      for (let i = 0; i < c.out.length; i++) worst = Math.max(worst, Math.abs(y.data[i] - c.out[i]));
      expect(worst).toBeLessThan(1e-6);
    });
});
