// Compiled by test/package/entry-points.test.ts: a CommonJS TypeScript user's view of the package.
import attnkit = require('attnkit');

const q: attnkit.Tensor = attnkit.tensor(new Float32Array(8), [1, 1, 2, 4]);
const done: Promise<attnkit.Tensor> = attnkit.scaledDotProductAttentionAsync(q, q, q, { scale: 0.5 });
// @ts-expect-error: scale is a number
attnkit.scaledDotProductAttention(q, q, q, { scale: '0.5' });
export = done;
