// MultiHeadAttention against PyTorch nn.MultiheadAttention (float64) fixtures from test/fixtures/make_mha_fixtures.py.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MultiHeadAttention, type MaskTensor, type Tensor } from '../../src/index';

const DIR = path.resolve(__dirname, '..', 'fixtures', 'mha');

interface Json {
  shape: number[];
  data: number[];
}
const f32 = (t: Json): Tensor => ({ data: Float32Array.from(t.data), shape: t.shape });
const u8 = (t: Json): MaskTensor => ({ data: Uint8Array.from(t.data), shape: t.shape });

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));

describe('MultiHeadAttention vs nn.MultiheadAttention fixtures', () => {
  it('has the six fixtures', () => expect(files.length).toBe(6));
  for (const file of files) {
    const fx = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));
    it(`${fx.name}: output and ${fx.averageWeights ? 'averaged' : 'per-head'} weights within 1e-5`, () => {
      const mha = new MultiHeadAttention(fx.options).loadPyTorch(
        Object.fromEntries(Object.entries(fx.stateDict).map(([k, v]) => [k, f32(v as Json)])),
      );
      const query = f32(fx.query);
      const attnMask = fx.attnMask ? (fx.attnMask.kind === 'bool' ? u8(fx.attnMask) : f32(fx.attnMask)) : undefined;
      const { output, weights } = mha.forward(
        query,
        fx.selfAttention ? undefined : f32(fx.key),
        fx.selfAttention ? undefined : f32(fx.value),
        {
          keyPaddingMask: fx.keyPaddingMask ? u8(fx.keyPaddingMask) : undefined,
          attnMask,
          causal: fx.causal,
          needWeights: true,
          averageWeights: fx.averageWeights,
        },
      );
      expect(output.shape).toEqual(fx.output.shape);
      expect(weights?.shape).toEqual(fx.weights.shape);
      const errOut = maxDiff(output.data, fx.output.data);
      if (process.env.ATTNKIT_REPORT) console.log(fx.name, errOut, maxDiff((weights as Tensor).data, fx.weights.data));
      expect(errOut).toBeLessThanOrEqual(1e-5);
      expect(maxDiff((weights as Tensor).data, fx.weights.data)).toBeLessThanOrEqual(1e-5);
    });
  }
  it('the plain { wq, ..., bo } form gives the same result as the PyTorch names', () => {
    const fx = JSON.parse(fs.readFileSync(path.join(DIR, 'self_basic.json'), 'utf8'));
    const E = fx.options.embedDim;
    const inW = fx.stateDict.in_proj_weight.data as number[];
    const inB = fx.stateDict.in_proj_bias.data as number[];
    const part = (a: number[], i: number, n: number) => Float32Array.from(a.slice(i * n, (i + 1) * n));
    const mha = new MultiHeadAttention(fx.options).loadWeights({
      wq: { data: part(inW, 0, E * E), shape: [E, E] },
      wk: { data: part(inW, 1, E * E), shape: [E, E] },
      wv: { data: part(inW, 2, E * E), shape: [E, E] },
      wo: f32(fx.stateDict['out_proj.weight']),
      bq: { data: part(inB, 0, E), shape: [E] },
      bk: { data: part(inB, 1, E), shape: [E] },
      bv: { data: part(inB, 2, E), shape: [E] },
      bo: f32(fx.stateDict['out_proj.bias']),
    });
    expect(maxDiff(mha.forward(f32(fx.query)).output.data, fx.output.data)).toBeLessThanOrEqual(1e-5);
  });
});
