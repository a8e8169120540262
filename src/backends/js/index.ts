import type { Backend } from '../types';
import { sdpaJs } from './sdpa-js';

import { defaultThreads } from '../threads-default';

// Recorded for getNumThreads()/backendInfo(); the JavaScript kernel itself runs on one thread.
let threads = defaultThreads();

export const jsBackend: Backend = {
  name: 'js',
  sdpa: sdpaJs,
  sdpaAsync: async (plan) => sdpaJs(plan),
  info: () => ({ simd: 'none', threads }),
  setThreads: (n) => {
    threads = n;
  },
};
