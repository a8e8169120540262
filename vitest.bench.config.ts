import { defineConfig } from 'vitest/config';

// `npm run test:bench`: the bench harness (bench/*.mjs, bench/lib, the probes addon). These suites spawn
// benchmarks and read the machine, not the kernels' answers, so they run once, on the native backend,
// apart from `npm test`.
export default defineConfig({
  test: {
    name: 'bench',
    include: ['test/bench/**/*.test.ts'],
    testTimeout: 120_000,
    env: { ATTNKIT_BACKEND: 'native' },
  },
});
