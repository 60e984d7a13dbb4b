import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Test files that only ask the answer engine over the demo store (no server, no database, no
 * globals patched). They share one module graph per worker: loading the engine through vitest's
 * module runner costs ~4–5 s a file, paid once a worker instead of once a file (see docs/notes/citime-36.md).
 * A file joins only if it keeps to that: module-level state of the engine is memoised lookups.
 */
const engineOnly = [
  'ai-bot-followup-who',
  'ai-bot-kinds-31',
  'ai-bot-kinds-32',
  'ai-bot-kinds-32b',
  'ai-bot-kinds-33',
  'ai-bot-kinds-33b',
  'ai-bot-kinds-34',
  'ai-bot-kinds-35',
  'ai-bot-kinds-35b',
  'ai-bot-kinds-36',
  'ai-bot-kinds-36b',
  'ai-bot-kinds-37',
  'ai-bot-suitability',
  'ai-fresh-bot-f-heldout',
  'ai-fresh-bot-f',
  'ai-fresh-bot-g-heldout',
  'ai-fresh-bot-g',
  'ai-fresh-bot-i-heldout',
  'ai-fresh-bot-i',
  'ai-fresh-bot-j-heldout',
  'ai-fresh-bot-j',
  'ai-fresh-review-d',
  'ai-fresh-review-e',
  'ai-fresh-review-f',
  'ai-fresh-review-g',
  'ai-fresh-review-i',
  'ai-fresh-review-j',
  'ai-fresh-review',
  'ai-lead-lexicon',
  'ai-product-facts',
  'ai-review-kinds',
  'ai-using-together',
  'ai-lead-kinds-28',
  'ai-lead-kinds-29',
  'ai-lead-kinds-30',
  'ai-order-change-named',
  'review-o-attacks',
  'review-q-attacks',
  'review-s-attacks',
  'review-u-attacks',
  'review-y-attacks',
  'review-bz-attacks',
].map((name) => `packages/api/test/${name}.test.ts`);

/**
 * Whole-API harness files (createTestApi: a real app on a fresh libSQL file, driven in-process) that
 * share one module graph per worker, like `engineOnly`: evaluating the API through vitest's module
 * runner costs ~5–8 s a file, paid once a worker instead of once a file (docs/notes/citime-37.md).
 * A file joins only after it was read for what could carry into the next file in the same worker:
 * - no `process.env` read or written, no `vi.mock/spyOn/stubEnv/stubGlobal/useFakeTimers`, no msw;
 * - no server, worker thread or child process started (no startServer, spawn, Worker, Redis,
 *   Chromium), no globals or prototypes patched;
 * - every API it creates is closed in afterAll (`api.close()`), and its state lives in its own
 *   database file; the src modules it reaches keep module-level state only as WeakMaps keyed by the
 *   database, SQL text memos, counters or id pools, the same whichever file fills them;
 * - it passed in one graph with the other files, in two orders and next to an engine file.
 * Files that seal on the worker thread (identity/seal-thread.ts holds one worker per process) stay out.
 */
const apiShared = [
  'agents-ownership-races',
  'app-language',
  'app-settings-audit',
  'event-feed-poison-pill',
  'gdpr-erase-races',
  'identity-secret-rotation',
  'ids-in-creation-order',
  'insights-access',
  'insights-agent-time-contacts',
  'insights-high-value-erase',
  'insights-read-paths',
  'insights-slot-totals',
  'message-events-by-reference',
  'omnichannel-customer',
  'send-idempotency',
  'set-variants-same-as-one',
  'storage-full',
].map((name) => `packages/api/test/${name}.test.ts`);

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
    projects: [
      {
        extends: true,
        test: {
          name: 'isolated',
          include: [
            'packages/*/src/**/*.test.ts',
            'packages/*/test/**/*.test.ts',
            'examples/*/test/**/*.test.ts',
            // Whole-repository checks (a fresh clone, npm start).
            'test/**/*.test.ts',
          ],
          exclude: [...engineOnly, ...apiShared],
        },
      },
      { extends: true, test: { name: 'engine', include: engineOnly, isolate: false } },
      { extends: true, test: { name: 'api-shared', include: apiShared, isolate: false } },
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './scripts/summary-reporter.mjs'],
  },
});
