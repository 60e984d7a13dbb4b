import { parentPort, workerData } from 'node:worker_threads';
import { createDatabase, WAL_HARD_CAP_PAGES } from '../db/database';
import { foldMessagesOnce } from './rollup';

/**
 * The insights fold's worker thread (see fold-thread.ts): the messages pass — the fold's costly
 * part, a livestream room's questions and room answers by the ten thousand — on its own
 * connection to the same local file, so the request thread keeps taking comment batches while it
 * runs. It folds only when asked, one batch a request, inside the write turn the request thread
 * lends it: the process's two connections never race for the lock. It needs no keys (the messages
 * pass reads only plain columns), so none are given to it.
 *
 * Messages in: `{ id, op: 'fold', rows, now }` (fold at most `rows` messages after the cursor, in
 * one transaction that also moves the cursor; `now` stamps the cursor, the caller's clock) and
 * `{ op: 'close' }`. Out: `{ op: 'ready' }` once, when loaded and connected; then
 * `{ id, ok: true, folded }` or `{ id, ok: false, error }` per request.
 */

export interface FoldWorkerData {
  url: string;
  /** Fault injection for the crash tests only: exit inside the first fold transaction, before COMMIT. */
  exitInsideFirstFold?: boolean;
}

export type FoldRequest = { id: number; op: 'fold'; rows: number; now: number } | { op: 'close' };
export type FoldReply =
  | { id: number; ok: true; folded: number }
  | { id: number; ok: false; error: string }
  | { op: 'ready' };

const port = parentPort;
if (port) {
  const data = workerData as FoldWorkerData;
  // Checkpoints are the request thread's connection's (or the checkpointer's) to run: this one, lent
  // the write turn, would hold every write of the process while it copied the log.
  const database = createDatabase({ url: data.url, walAutocheckpointPages: WAL_HARD_CAP_PAGES });
  let transactions = 0;
  let chain: Promise<void> = Promise.resolve();
  // Loaded and connected: the first batch may be lent the write turn now (fold-thread.ts boots a
  // worker outside the turn, so this process's writes never wait for a worker's start).
  port.postMessage({ op: 'ready' } satisfies FoldReply);

  port.on('message', (request: FoldRequest) => {
    chain = chain.then(async () => {
      if (request.op === 'close') {
        database.close();
        port.close();
        return;
      }
      try {
        const folded = await foldMessagesOnce(
          { clock: { now: () => request.now } },
          database,
          request.rows,
          () => {
            transactions++;
            if (data.exitInsideFirstFold && transactions === 1) process.exit(70);
          },
        );
        port.postMessage({ id: request.id, ok: true, folded } satisfies FoldReply);
      } catch (error) {
        port.postMessage({ id: request.id, ok: false, error: String(error) } satisfies FoldReply);
      }
    });
  });
}
