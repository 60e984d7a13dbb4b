import { parentPort, workerData } from 'node:worker_threads';
import { createDatabase, WAL_HARD_CAP_PAGES } from '../db/database';
import { DRAIN_MAX, drainTimelineIn } from './timeline-drain';

/**
 * The timeline drain's worker thread (see timeline-drain-thread.ts): its own connection to the
 * same local file, so the drain's `messages` inserts run on the second core while the request
 * thread takes comment batches. It drains only when asked, inside the write turn the request
 * thread lends it, so the two connections of the process never contend for the lock; another
 * process's lock is waited out by this connection's `write` (retries with backoff, up to its
 * busy deadline). Requests are handled one at a time, in order.
 *
 * Messages in: `{ id, op: 'drain' }` (drain until the queue is empty, at most `passes`
 * transactions) and `{ op: 'close' }` (finish the request under way, close the connection, end).
 * Out: `{ id, ok: true, taken }` or `{ id, ok: false, error }`.
 */

export interface DrainWorkerData {
  url: string;
  /** Fault injection for the crash tests only: exit inside the first drain transaction, before COMMIT. */
  exitInsideFirstDrain?: boolean;
}

export type DrainRequest = { id: number; op: 'drain'; passes: number } | { op: 'close' };
export type DrainReply = { id: number; ok: true; taken: number } | { id: number; ok: false; error: string };

const port = parentPort;
if (port) {
  const data = workerData as DrainWorkerData;
  // Checkpoints are the request thread's connection's (or the checkpointer's) to run: this one, lent
  // the write turn, would hold every write of the process while it copied the log.
  const database = createDatabase({ url: data.url, walAutocheckpointPages: WAL_HARD_CAP_PAGES });
  let transactions = 0;
  let chain: Promise<void> = Promise.resolve();

  const drain = async (passes: number): Promise<number> => {
    let total = 0;
    for (let pass = 0; pass < passes; pass++) {
      const taken = await database.write(async (db, onCommit) => {
        const n = await drainTimelineIn(database, db, onCommit);
        transactions++;
        if (data.exitInsideFirstDrain && transactions === 1) process.exit(70);
        return n;
      });
      total += taken;
      if (taken < DRAIN_MAX) break;
    }
    return total;
  };

  port.on('message', (request: DrainRequest) => {
    chain = chain.then(async () => {
      if (request.op === 'close') {
        database.close();
        port.close();
        return;
      }
      try {
        port.postMessage({
          id: request.id,
          ok: true,
          taken: await drain(request.passes),
        } satisfies DrainReply);
      } catch (error) {
        port.postMessage({ id: request.id, ok: false, error: String(error) } satisfies DrainReply);
      }
    });
  });
}
