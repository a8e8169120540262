import { defineConfig } from 'vitest/config';

// Every suite runs once per backend. ATTNKIT_BACKEND=native makes a missing or broken addon an error,
// so a failed build can never pass quietly as a JavaScript run.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'native', env: { ATTNKIT_BACKEND: 'native' } } },
      { extends: true, test: { name: 'js', env: { ATTNKIT_BACKEND: 'js' } } },
    ],
  },
});
