// The JavaScript kernels read float32 K and V: a float16 / bfloat16 plan gets float32 copies, once per
// call (exact: every 16-bit value is a float32), so the kernels and their arithmetic stay as they are.
import { bfloat16ArrayToFloat32, float16ArrayToFloat32 } from '../../dtypes/half';
import type { Float32KvPlan, SdpaPlan, StridedView } from '../types';

function widen(view: StridedView<Float32Array | Uint16Array>, dtype: 'float16' | 'bfloat16'): StridedView {
  const src = view.data as Uint16Array;
  const data = new Float32Array(src.length);
  if (dtype === 'float16') float16ArrayToFloat32(src, data);
  else bfloat16ArrayToFloat32(src, data);
  return { ...view, data };
}

export function widenKv(p: SdpaPlan): Float32KvPlan {
  if (p.kvDtype === 'float32') return p as Float32KvPlan;
  return { ...p, k: widen(p.k, p.kvDtype), v: widen(p.v, p.kvDtype), kvDtype: 'float32' };
}
