import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// SIMD levels this CPU can run, best first, decided when the config loads: the whole suite runs once
// per level (ATTNKIT_SIMD forces it), so every kernel path is checked against the reference.
function simdLevels(): string[] {
  const levels: string[] = [];
  if (process.arch === 'x64' && process.platform === 'linux') {
    const flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1].split(/\s+/) ?? [];
    if (flags.includes('avx2') && flags.includes('fma')) {
      if (['avx512f', 'avx512dq', 'avx512bw', 'avx512vl'].every((f) => flags.includes(f))) levels.push('avx512');
      levels.push('avx2');
    }
  }
  if (process.arch === 'arm64') levels.push('neon');
  return [...levels, 'scalar'];
}

// Every suite runs once per backend. ATTNKIT_BACKEND=native makes a missing or broken addon an error,
// so a failed build can never pass quietly as a JavaScript run. 'native' is the best level (auto).
const levels = simdLevels();
export default defineConfig({
  test: {
    testTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'native', env: { ATTNKIT_BACKEND: 'native' } } },
      // The best level already runs as 'native'; the others are forced.
      ...levels.slice(1).map((level) => ({
        extends: true,
        test: { name: `native-${level}`, env: { ATTNKIT_BACKEND: 'native', ATTNKIT_SIMD: level } },
      })),
      { extends: true, test: { name: 'js', env: { ATTNKIT_BACKEND: 'js' } } },
    ],
  },
});
