import type { Backend, SdpaPlan } from '../types';
import { linearJs } from './linear';
import { sdpaJs } from './sdpa-js';
import { sdpaJsBlocked } from './sdpa-js-blocked';
import { defaultThreads } from '../threads-default';

// weightsOut needs every normalised probability: the row-at-a-time two-pass kernel writes them.
// Everything else takes the blocked online-softmax kernel.
function sdpa(plan: SdpaPlan): void {
  if (plan.weights) sdpaJs(plan);
  else sdpaJsBlocked(plan);
}

// Recorded for getNumThreads()/backendInfo(); the JavaScript kernel itself runs on one thread.
let threads = defaultThreads();

export const jsBackend: Backend = {
  name: 'js',
  sdpa,
  sdpaAsync: async (plan) => sdpa(plan),
  linear: linearJs,
  info: () => ({ simd: 'none', fmaWidth: 0, bf16: false, threads, gemm: 'js' }),
  setThreads: (n) => {
    threads = n;
  },
};
