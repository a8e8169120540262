import type { Backend } from '../types';
import { linearJs } from './linear';
import { sdpaJsAsync } from './async-pool';
import { sdpaJsAny } from './sdpa-js-any';
import { defaultThreads } from '../threads-default';

// Recorded for getNumThreads()/backendInfo(); the JavaScript kernel itself runs on one thread.
let threads = defaultThreads();

export const jsBackend: Backend = {
  name: 'js',
  sdpa: sdpaJsAny,
  sdpaAsync: sdpaJsAsync,
  linear: linearJs,
  info: () => ({ simd: 'none', fmaWidth: 0, bf16: false, threads, gemm: 'js' }),
  setThreads: (n) => {
    threads = n;
  },
};
