import type { Backend } from '../types';
import { sdpaJs } from './sdpa-js';

export const jsBackend: Backend = {
  name: 'js',
  sdpa: sdpaJs,
  sdpaAsync: async (plan) => sdpaJs(plan),
  info: () => ({ simd: 'none', threads: 1 }),
};
