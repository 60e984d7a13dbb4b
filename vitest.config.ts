import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against sources; bundle-level tests load dist/ explicitly.
    alias: [
      {
        find: /^@threadline\/sdk-core\/protocol$/,
        replacement: src('./packages/sdk-core/src/protocol/index.ts'),
      },
      {
        find: /^@threadline\/sdk-core\/testing$/,
        replacement: src('./packages/sdk-core/src/testing/index.ts'),
      },
      {
        find: /^@threadline\/sdk-core\/fetch$/,
        replacement: src('./packages/sdk-core/src/fetch-platform.ts'),
      },
      { find: /^@threadline\/sdk-core$/, replacement: src('./packages/sdk-core/src/index.ts') },
      { find: /^@threadline\/api$/, replacement: src('./packages/api/src/index.ts') },
    ],
  },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      // Whole-repository checks (a fresh clone, npm start).
      'test/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './scripts/summary-reporter.mjs'],
  },
});
