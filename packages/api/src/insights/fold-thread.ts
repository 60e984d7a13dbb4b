import type { Worker } from 'node:worker_threads';
import type { Database } from '../db/database';
import type { ServiceDeps } from '../platform/deps';
import { startWorker, workerScript } from '../platform/worker-script';
import type { FoldReply, FoldRequest, FoldWorkerData } from './insights-fold-worker';

/**
 * The background insights fold's messages pass on a worker thread. Every API process folds the
 * stored messages into the insights rollups each minute; a livestream room's questions and room
 * answers are tens of thousands of messages, and a fold landing among comment batches cost the
 * request thread more than the batches themselves (issue 16: 140–205 µs per comment in such a
 * round against 54–66). On the worker the pass runs on the second core.
 *
 * - **Lock:** each batch runs inside `database.lendWriteTurn` (as the timeline drain worker's):
 *   this process's writes wait for it and then share one group commit; the two connections never
 *   race for the lock. Another process's lock is the worker's `write`'s to wait out.
 * - **Exactly once:** the batch and its cursor move commit together in one transaction that reads
 *   the cursor under the lock, as in-thread: a reader's fold, an erasure's, another process's and
 *   the worker's never fold a message twice, and a worker that dies mid-batch leaves nothing (the
 *   batch rolls back, the cursor stays). Its request fails; the caller folds in-thread this once,
 *   and the next batch starts a new worker; after `MAX_FAILURES` deaths in a row the process folds
 *   in-thread for good (logged).
 * - **Where it is not used** (`createFoldThread` returns null): a remote libSQL database or an
 *   in-memory one (no second connection to the same data), or no worker script next to this module.
 */

/** Worker deaths (or failed batches) in a row after which the process folds in-thread for good. */
const MAX_FAILURES = 3;

export interface FoldThread {
  /** Folds one batch of at most `rows` messages on the worker; rejects when it failed or died. */
  foldMessages(rows: number, now: number): Promise<number>;
  /** True once the worker failed `MAX_FAILURES` times in a row: fold in-thread instead. */
  readonly broken: boolean;
  /** Closes the worker's connection; settles once its thread has ended (bounded: 2 s, then terminated). */
  close(): Promise<void>;
}

export interface FoldThreadOptions {
  /** Fault injection for the crash tests only: the first `crashWorkers` workers exit inside their first batch. */
  crashWorkers?: number;
}

/** True for libSQL URLs of an in-memory database, which a second connection would not share. */
const inMemory = (url: string) => url.includes(':memory:') || /[?&]mode=memory\b/.test(url);

export function createFoldThread(
  deps: Pick<ServiceDeps, 'database' | 'logger'>,
  options: FoldThreadOptions = {},
): FoldThread | null {
  const database: Database = deps.database;
  const url = database.localFileUrl;
  const lend = database.lendWriteTurn?.bind(database);
  const script = workerScript(import.meta.url, 'insights-fold-worker');
  if (!url || inMemory(url) || !lend || !script) return null;

  let worker: Worker | null = null;
  let failures = 0;
  let closed = false;
  let closing: Promise<void> | undefined;
  let nextId = 1;
  let started = 0;
  // Keyed by the worker that holds them: an old worker's exit fails only its own requests.
  const pending = new Map<Worker, Map<number, { resolve(n: number): void; reject(error: Error): void }>>();
  /** Per worker: settles when it said it is loaded and connected (rejects if it ended first). */
  const readiness = new WeakMap<Worker, Promise<void>>();

  function start(): Worker {
    started++;
    const data: FoldWorkerData = { url: url!, exitInsideFirstFold: started <= (options.crashWorkers ?? 0) };
    const thread = startWorker(script!, { workerData: data });
    const own = new Map<number, { resolve(n: number): void; reject(error: Error): void }>();
    pending.set(thread, own);
    let becameReady: () => void = () => {};
    let neverReady: (error: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      becameReady = resolve;
      neverReady = reject;
    });
    ready.catch(() => {});
    readiness.set(thread, ready);
    thread.unref();
    thread.on('message', (reply: FoldReply) => {
      if ('op' in reply) {
        becameReady();
        return;
      }
      const request = own.get(reply.id);
      if (!request) return;
      own.delete(reply.id);
      if (own.size === 0) thread.unref();
      if (reply.ok) request.resolve(reply.folded);
      else request.reject(new Error(`insights fold worker: ${reply.error}`));
    });
    thread.on('error', (error) => {
      deps.logger.warn('insights fold worker failed', { error: String(error) });
    });
    thread.on('exit', (code) => {
      if (worker === thread) worker = null;
      neverReady(new Error(`insights fold worker ended before it was ready (code ${code})`));
      pending.delete(thread);
      if (own.size === 0 && closed) return;
      failures++;
      deps.logger.warn('insights fold worker ended', { code, failures });
      for (const request of own.values())
        request.reject(new Error(`insights fold worker ended (code ${code})`));
      own.clear();
    });
    return thread;
  }

  return {
    get broken() {
      return failures >= MAX_FAILURES;
    },
    async foldMessages(rows, now) {
      if (closed) throw new Error('insights fold worker closed');
      // Booted outside the write turn: a worker's start (loading its module, opening its
      // connection: ~0.1–0.5 s built, seconds from the sources under tsx) must not hold this
      // process's writes. One that ends before it is ready fails this batch (folded in-thread).
      worker ??= start();
      const booting = worker;
      await readiness.get(booting);
      if (closed) throw new Error('insights fold worker closed');
      return lend(
        () =>
          new Promise<number>((resolve, reject) => {
            const thread = worker;
            if (thread !== booting || !pending.has(thread)) {
              reject(new Error('insights fold worker ended before its batch'));
              return;
            }
            const id = nextId++;
            pending.get(thread)!.set(id, {
              resolve: (folded) => {
                failures = 0;
                resolve(folded);
              },
              reject: (error) => {
                reject(error);
              },
            });
            // Referenced while a batch is under way, unreferenced when idle (it never keeps a
            // process alive).
            thread.ref();
            thread.postMessage({ id, op: 'fold', rows, now } satisfies FoldRequest);
          }),
      );
    },
    close() {
      if (closing) return closing;
      closed = true;
      const thread = worker;
      // Awaited by a closing server before it closes the database: a worker still booting (seconds
      // from the sources under load) otherwise opened its connection after the server had "closed",
      // and its descriptors on the file outlived close() (review-r's many-servers test, ckpt-33).
      closing = thread
        ? new Promise<void>((resolve) => {
            thread.once('exit', () => resolve());
            thread.ref();
            thread.postMessage({ op: 'close' } satisfies FoldRequest);
            const timer = setTimeout(() => void thread.terminate(), 2_000);
            timer.unref();
          })
        : Promise.resolve();
      return closing;
    },
  };
}
