import { defineConfig } from 'vitest/config';

// LiteRT's wasm runtime segfaults under the vmThreads pool; forks is the safe default.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['compiler/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
