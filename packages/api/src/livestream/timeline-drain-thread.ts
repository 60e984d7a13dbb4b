import type { Worker } from 'node:worker_threads';
import type { Database } from '../db/database';
import type { ServiceDeps } from '../platform/deps';
import { startWorker, workerScript } from '../platform/worker-script';
import type { DrainReply, DrainRequest, DrainWorkerData } from './timeline-drain-worker';

/**
 * The timeline drain on a worker thread: the request thread keeps the comment batches, the
 * understanding and the rooms' windows; the drain's `messages` inserts (about a quarter of a
 * flood's SQL) run on the second core, on the worker's own connection to the same file.
 *
 * - **Lock:** every drain runs inside `database.lendWriteTurn`: this process's own writes wait
 *   (and then share one group commit) while the worker holds the lock, reads go on (WAL). The two
 *   connections never race for the lock; another process's lock is the worker's `write`'s to wait
 *   out, as for any writer.
 * - **Crash:** the drain is one transaction per pass and the queue is durable, so a worker that
 *   dies mid-drain leaves nothing half-written. Its request fails, the caller drains in-thread
 *   this once, and the next drain starts a new worker; after `MAX_FAILURES` deaths in a row the
 *   process keeps draining in-thread (logged).
 * - **Shutdown:** `close()` lets the request under way finish, then the worker closes its
 *   connection and ends; the worker is unref'd, so it never keeps a process alive.
 * - **Where it is not used** (`createDrainThread` returns null): a remote libSQL database or
 *   `:memory:` (no second connection to the same data), or no worker script next to this module.
 */

/** Worker deaths in a row after which the process drains in-thread for good. */
const MAX_FAILURES = 3;

export interface DrainThread {
  /** Drains on the worker (at most `passes` transactions); rejects when the worker failed or died. */
  drain(passes: number): Promise<number>;
  /** True once the worker failed `MAX_FAILURES` times in a row: drain in-thread instead. */
  readonly broken: boolean;
  close(): void;
}

export interface DrainThreadOptions {
  /**
   * Fault injection for the crash tests only: the first `crashWorkers` workers started exit
   * inside their first drain transaction, before its COMMIT.
   */
  crashWorkers?: number;
}

export function createDrainThread(
  deps: Pick<ServiceDeps, 'database' | 'logger'>,
  options: DrainThreadOptions = {},
): DrainThread | null {
  const database: Database = deps.database;
  const url = database.localFileUrl;
  const lend = database.lendWriteTurn?.bind(database);
  const script = workerScript(import.meta.url, 'timeline-drain-worker');
  if (!url || !lend || !script) return null;

  let worker: Worker | null = null;
  let failures = 0;
  let closed = false;
  let nextId = 1;
  let started = 0;
  const pending = new Map<number, { resolve(taken: number): void; reject(error: Error): void }>();

  const failAll = (error: Error) => {
    for (const request of pending.values()) request.reject(error);
    pending.clear();
  };

  function start(): Worker {
    started++;
    const data: DrainWorkerData = { url: url!, exitInsideFirstDrain: started <= (options.crashWorkers ?? 0) };
    const thread = startWorker(script!, { workerData: data });
    thread.unref();
    thread.on('message', (reply: DrainReply) => {
      const request = pending.get(reply.id);
      if (!request) return;
      pending.delete(reply.id);
      if (pending.size === 0) thread.unref();
      if (reply.ok) request.resolve(reply.taken);
      else request.reject(new Error(`timeline drain worker: ${reply.error}`));
    });
    thread.on('error', (error) => {
      deps.logger.warn('livestream timeline drain worker failed', { error: String(error) });
    });
    thread.on('exit', (code) => {
      if (worker === thread) worker = null;
      if (pending.size === 0 && closed) return;
      failures++;
      deps.logger.warn('livestream timeline drain worker ended', { code, failures });
      failAll(new Error(`timeline drain worker ended (code ${code})`));
    });
    return thread;
  }

  return {
    get broken() {
      return failures >= MAX_FAILURES;
    },
    drain(passes) {
      if (closed) return Promise.reject(new Error('timeline drain worker closed'));
      return lend(
        () =>
          new Promise<number>((resolve, reject) => {
            worker ??= start();
            const id = nextId++;
            pending.set(id, {
              resolve: (taken) => {
                failures = 0;
                resolve(taken);
              },
              reject,
            });
            // Referenced while a drain is under way (a CLI command that reads a timeline must not
            // exit before it is drained), unreferenced when idle (it never keeps a process alive).
            worker.ref();
            worker.postMessage({ id, op: 'drain', passes } satisfies DrainRequest);
          }),
      );
    },
    close() {
      if (closed) return;
      closed = true;
      worker?.postMessage({ op: 'close' } satisfies DrainRequest);
    },
  };
}
