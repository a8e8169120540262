// Compiled by test/package/entry-points.test.ts: an ESM TypeScript user's view of the package.
import { scaledDotProductAttention, tensor, backendInfo, type Tensor, type SdpaOptions } from 'attnkit';

const q: Tensor = tensor(new Float32Array(8), [1, 1, 2, 4]);
const options: SdpaOptions = { causal: true, causalAlignment: 'top-left', layout: 'bhsd' };
const out: Tensor = scaledDotProductAttention(q, q, q, options);
const backend: 'native' | 'js' = backendInfo().backend;
// @ts-expect-error: layout names are checked
scaledDotProductAttention(q, q, q, { layout: 'hbsd' });
export { out, backend };
