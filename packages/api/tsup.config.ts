import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      cli: 'src/cli.ts',
      webhooks: 'src/webhooks/signing.ts',
      // Loaded by path (new Worker) from the chunk that holds timeline-drain-thread.ts.
      'timeline-drain-worker': 'src/livestream/timeline-drain-worker.ts',
      // Loaded by path (new Worker) from the chunk that holds identity/seal-thread.ts.
      'seal-worker': 'src/identity/seal-worker.ts',
      // Loaded by path (new Worker) from the chunk that holds insights/fold-thread.ts.
      'insights-fold-worker': 'src/insights/insights-fold-worker.ts',
      // Loaded by path (new Worker) from the chunk that holds db/wal-checkpointer.ts.
      'wal-checkpoint-worker': 'src/db/wal-checkpoint-worker.ts',
    },
    format: ['esm'],
    dts: { entry: { index: 'src/index.ts', webhooks: 'src/webhooks/signing.ts' } },
    clean: true,
    target: 'node20',
    platform: 'node',
    // The workspace protocol package is bundled in so the published API has one source of truth inside.
    noExternal: ['@threadline/sdk-core'],
    banner: { js: '' },
  },
]);
