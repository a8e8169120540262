import type { Backend } from '../types';
import { linearJs } from './linear';
import { sdpaJs } from './sdpa-js';

export const jsBackend: Backend = {
  name: 'js',
  sdpa: sdpaJs,
  sdpaAsync: async (plan) => sdpaJs(plan),
  linear: linearJs,
  info: () => ({ simd: 'none', threads: 1 }),
};
