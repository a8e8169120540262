// MultiHeadAttention.backward against PyTorch autograd of nn.MultiheadAttention (float64 on float32-valued
// weights and inputs): fixtures written by test/fixtures/gen_mha_grads.py with torch 1.13. Each gradient's
// error is max |ours − torch| / max |torch| over the tensor.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MultiHeadAttention, backendInfo, type MaskTensor, type Tensor } from '../../src/index';

const DIR = path.resolve(__dirname, '..', 'fixtures', 'mha-grads');
const TOLERANCE = 1e-4;
const worst = { err: 0, label: '' };

interface Json {
  shape: number[];
  data: number[];
}
const f32 = (t: Json): Tensor => ({ data: Float32Array.from(t.data), shape: t.shape });

afterAll(() => {
  console.log(
    `[${backendInfo().backend}] MultiHeadAttention.backward vs torch autograd: largest relative error ${worst.err.toExponential(2)} (${worst.label})`,
  );
});

function relError(got: ArrayLike<number>, want: Json, label: string): number {
  expect(got.length, label).toBe(want.data.length);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < got.length; i++) {
    scale = Math.max(scale, Math.abs(want.data[i]));
    const d = Math.abs(got[i] - want.data[i]);
    if (!(d <= diff)) diff = d;
  }
  const err = diff / Math.max(scale, 1e-30);
  if (!(err <= worst.err)) Object.assign(worst, { err, label });
  return err;
}

const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));

describe('MultiHeadAttention.backward vs nn.MultiheadAttention autograd', () => {
  it('has the four fixtures', () => expect(files.length).toBe(4));
  for (const file of files) {
    const fx = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));
    it(`${fx.name}: every gradient within ${TOLERANCE} relative`, () => {
      const mha = new MultiHeadAttention(fx.options).loadPyTorch(
        Object.fromEntries(Object.entries(fx.stateDict).map(([k, v]) => [k, f32(v as Json)])),
      );
      const options = {
        train: true,
        ...(fx.causal ? { causal: true } : {}),
        ...(fx.keyPaddingMask
          ? {
              keyPaddingMask: {
                data: Uint8Array.from(fx.keyPaddingMask.data),
                shape: fx.keyPaddingMask.shape,
              } as MaskTensor,
            }
          : {}),
        ...(fx.attnMask ? { attnMask: f32(fx.attnMask) } : {}),
      };
      const q = f32(fx.query);
      const { output } = fx.selfAttention
        ? mha.forward(q, undefined, undefined, options)
        : mha.forward(q, f32(fx.key), f32(fx.value), options);
      expect(relError(output.data, fx.output, `${fx.name} output`)).toBeLessThanOrEqual(TOLERANCE);
      const g = mha.backward(f32(fx.dOut));
      expect(Object.keys(g.grads).sort()).toEqual(Object.keys(fx.grads).sort());
      for (const [name, want] of Object.entries(fx.grads))
        expect(relError(g.grads[name], want as Json, `${fx.name} ${name}`), name).toBeLessThanOrEqual(TOLERANCE);
      expect(relError(g.dQuery.data, fx.dQuery, `${fx.name} dQuery`)).toBeLessThanOrEqual(TOLERANCE);
      if (fx.selfAttention) {
        expect(g.dKey).toBeNull();
        expect(g.dValue).toBeNull();
      } else {
        expect(relError(g.dKey!.data, fx.dKey, `${fx.name} dKey`)).toBeLessThanOrEqual(TOLERANCE);
        expect(relError(g.dValue!.data, fx.dValue, `${fx.name} dValue`)).toBeLessThanOrEqual(TOLERANCE);
      }
    });
  }
});
