import { clientError, HttpError, type ThreadlineError, toThreadlineError } from './errors';
import { toJson } from './json';
import type { SendMessageAnswer } from './protocol/index';
import { type BackoffOptions, backoffDelay, isRetryable } from './retry-policy';
import { type AbortSource, createAbortSource, type Runtime } from './runtime';
import type { SafeStorage } from './safe-storage';
import { STORAGE_KEYS } from './storage-keys';

/** A message waiting for the API's acknowledgement; its clientMessageId never changes. */
export interface PendingMessage {
  clientMessageId: string;
  text: string;
  queuedAt: number;
}

/** What became of a message another client on the same storage sent (kept a few minutes). */
interface SendResult {
  id: string;
  at: number;
  answer?: SendMessageAnswer;
  refused?: { status: number; code: string; message: string };
}

export interface SendQueueOptions {
  storage: SafeStorage;
  runtime: Runtime;
  backoff?: BackoffOptions;
  /**
   * Runs `fn` holding a lock shared by every client on this storage (e.g. other tabs): `write`
   * around each read-merge-write of the stored queue, `flush` while sending.
   */
  lock<T>(name: 'write' | 'flush', fn: () => Promise<T>): Promise<T>;
  /** Posts one message; throws typed errors. */
  deliver(message: PendingMessage): Promise<SendMessageAnswer>;
  /** Acknowledged, whether or not anyone still awaits it (it may be from before a reload). */
  onDelivered(message: PendingMessage, answer: SendMessageAnswer): void;
  /** Refused for good (a 4xx other than 401/408/429); the message is dropped. */
  onRejected(message: PendingMessage, error: ThreadlineError, awaited: boolean): void;
  onRetry(message: PendingMessage, error: ThreadlineError, delayMs: number): void;
  /** A bug or a throwing callback stopped a drain; it is reported, never thrown at the host. */
  onError(error: unknown): void;
}

export interface SendQueue {
  /** Reads what an earlier instance left; later enqueues go after it. Idempotent. */
  load(): Promise<void>;
  enqueue(text: string): Promise<SendMessageAnswer>;
  /** Starts sending, or cuts a backoff wait short (e.g. the network is back). */
  flush(): void;
  pending(): PendingMessage[];
  /** Forgets every pending message (reset: they belong to the person who left). */
  clear(reason: ThreadlineError): Promise<void>;
  /** Stops sending; pending messages stay stored for the next instance. */
  stop(reason: ThreadlineError): void;
}

const RESULTS_KEPT = 20;
const RESULT_TTL_MS = 10 * 60_000;

const realmLocks = new Map<string, Promise<unknown>>();

/** A lock within this JavaScript realm: the fallback when the platform has none to share across tabs. */
export function withRealmLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const run = (realmLocks.get(name) ?? Promise.resolve()).then(fn);
  const tail = run.catch(() => {});
  realmLocks.set(name, tail);
  void tail.then(() => {
    if (realmLocks.get(name) === tail) realmLocks.delete(name);
  });
  return run;
}

const parseList = <T>(stored: string | null): T[] | undefined => {
  if (stored === null) return [];
  try {
    const list = JSON.parse(stored);
    return Array.isArray(list) ? list.filter((entry) => entry && typeof entry === 'object') : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The durable send queue: persisted before it is sent, sent strictly in order, retried with backoff
 * while the failure is transient, acknowledged exactly once thanks to the persisted clientMessageId.
 *
 * The stored list is shared with every client on the same storage (browser tabs): each write
 * re-reads it and merges by clientMessageId, and each flush starts from it, so a message queued by
 * a tab that closed is sent by another, and none overwrites another's.
 */
export function createSendQueue(options: SendQueueOptions): SendQueue {
  const { storage, runtime } = options;
  let items: PendingMessage[] = [];
  const waiters = new Map<
    string,
    { resolve(answer: SendMessageAnswer): void; reject(error: unknown): void }
  >();
  /** Ids seen in (or written to) storage: gone from it later means another client finished them. */
  const stored = new Set<string>();
  /** Ids finished here (sent, refused, cleared): never adopted again from a stale stored copy. */
  const finished = new Set<string>();
  let outbox: SendResult[] = [];
  let clearStored = false;
  let writing: Promise<unknown> = Promise.resolve();
  let loaded: Promise<void> | null = null;
  let draining = false;
  let wanted = false;
  let stopped = false;
  let backoffWait: AbortSource | null = null;

  const locked = options.lock;

  const settle = (id: string) => {
    const waiter = waiters.get(id);
    waiters.delete(id);
    return waiter;
  };

  /** Settles messages another client finished, from the results it left. */
  const takeOver = (gone: PendingMessage[], results: SendResult[]) => {
    for (const message of gone) {
      const result = results.find((r) => r.id === message.clientMessageId);
      if (result?.answer) options.onDelivered(message, result.answer);
      const waiter = settle(message.clientMessageId);
      if (!waiter) continue;
      if (result?.answer) waiter.resolve(result.answer);
      else if (result?.refused) waiter.reject(new HttpError(result.refused.status, result.refused));
    }
  };

  /** Re-reads the stored queue, merges it with this one by clientMessageId, writes the union. */
  async function sync(): Promise<void> {
    let gone: PendingMessage[] = [];
    let results: SendResult[] = [];
    await locked('write', async () => {
      const raw = await storage.read(STORAGE_KEYS.sendQueue);
      const found = raw === undefined ? undefined : parseList<PendingMessage>(raw);
      if (found && clearStored) for (const message of found) finished.add(message.clientMessageId);
      clearStored = false;
      const ids = new Set(found?.map((m) => m.clientMessageId));
      gone = found ? items.filter((m) => stored.has(m.clientMessageId) && !ids.has(m.clientMessageId)) : [];
      if (gone.length || outbox.length) {
        const now = runtime.now();
        results = (parseList<SendResult>(await storage.get(STORAGE_KEYS.sendResults)) ?? []).filter(
          (r) => now - r.at < RESULT_TTL_MS,
        );
        if (outbox.length) {
          results = [...results, ...outbox].slice(-RESULTS_KEPT);
          outbox = [];
          // Written before the queue, so a crash in between can only lead to a harmless re-send.
          await storage.set(STORAGE_KEYS.sendResults, toJson(results));
        }
      }
      // Gone with no result (e.g. a write lost to a race without locks): still ours to send if awaited here.
      gone = gone.filter(
        (m) => results.some((r) => r.id === m.clientMessageId) || !waiters.has(m.clientMessageId),
      );
      if (found) {
        // The stored order first (it is the order messages were persisted in, across clients), then ours.
        const local = new Map(items.map((m) => [m.clientMessageId, m]));
        const merged = found
          .filter((m) => typeof m.clientMessageId === 'string' && !finished.has(m.clientMessageId))
          .map((m) => local.get(m.clientMessageId) ?? m);
        items = [...merged, ...items.filter((m) => !ids.has(m.clientMessageId) && !gone.includes(m))];
      }
      const written = items.map((m) => ({ ...m }));
      const ok = await (written.length
        ? storage.set(STORAGE_KEYS.sendQueue, toJson(written))
        : storage.remove(STORAGE_KEYS.sendQueue));
      if (ok) for (const message of written) stored.add(message.clientMessageId);
    });
    takeOver(gone, results);
  }

  /** Writes go one at a time, in call order, each under the shared write lock. */
  const commit = (): Promise<void> => {
    const next = writing.then(sync);
    writing = next.catch(() => {});
    return next;
  };

  /** A message is done here: drop it, leave its result for a client that may await it, write. */
  async function finish(message: PendingMessage, answer?: SendMessageAnswer, error?: ThreadlineError) {
    const id = message.clientMessageId;
    if (finished.has(id)) return; // cleared (reset) while it was being sent
    finished.add(id);
    items = items.filter((m) => m.clientMessageId !== id);
    const waiter = settle(id);
    if (!waiter)
      outbox.push({
        id,
        at: runtime.now(),
        ...(answer
          ? { answer }
          : {
              refused: {
                status: HttpError.isInstance(error) ? error.status : 400,
                code: error!.code,
                message: error!.message,
              },
            }),
      });
    await commit();
    if (answer) {
      options.onDelivered(message, answer);
      waiter?.resolve(answer);
    } else {
      options.onRejected(message, error!, Boolean(waiter));
      waiter?.reject(error);
    }
  }

  async function drain(): Promise<void> {
    if (draining || stopped) return;
    draining = true;
    let attempt = 0;
    /** Sends from the stored queue's head until it is empty or a send must wait to be retried. */
    const pass = async (): Promise<{ head: PendingMessage; error: ThreadlineError } | undefined> => {
      while (!stopped) {
        await commit();
        const head = items[0];
        if (!head) return undefined;
        try {
          const answer = await options.deliver(head);
          attempt = 0;
          await finish(head, answer);
        } catch (thrown) {
          const error = toThreadlineError(thrown, 'unexpected');
          if (!isRetryable(error)) await finish(head, undefined, error);
          else if (!finished.has(head.clientMessageId)) return { head, error };
        }
      }
      return undefined;
    };
    try {
      while (!stopped) {
        wanted = false;
        // One client flushes at a time; the lock is let go during backoff so another may try.
        const failure = await locked('flush', pass);
        if (!failure) {
          if (wanted) continue;
          break;
        }
        if (stopped) break;
        const { head, error } = failure;
        if (wanted && !HttpError.isInstance(error)) {
          // Asked to flush while this pass was failing (the network came back, a new message):
          // one more pass now rather than after a backoff that was meant for the failure.
          attempt = 0;
          continue;
        }
        const delay = backoffDelay(
          attempt++,
          runtime.random,
          options.backoff,
          HttpError.isInstance(error) ? error.retryAfterMs : undefined,
        );
        options.onRetry(head, error, delay);
        backoffWait = createAbortSource();
        await runtime.sleep(delay, backoffWait.signal);
        backoffWait = null;
      }
    } finally {
      draining = false;
    }
  }

  const queue: SendQueue = {
    load() {
      loaded ??= commit();
      return loaded;
    },
    async enqueue(text) {
      if (stopped) throw clientError('client_closed', 'The client is closed.');
      const message: PendingMessage = {
        clientMessageId: `cm_${runtime.randomId(22)}`,
        text,
        queuedAt: runtime.now(),
      };
      const acknowledged = new Promise<SendMessageAnswer>((resolve, reject) => {
        waiters.set(message.clientMessageId, { resolve, reject });
      });
      items.push(message);
      await commit();
      queue.flush();
      return acknowledged;
    },
    flush() {
      wanted = true;
      if (backoffWait) backoffWait.abort();
      else drain().catch(options.onError);
    },
    pending: () => items.map((m) => ({ ...m })),
    async clear(reason) {
      const dropped = items;
      items = [];
      clearStored = true;
      for (const message of dropped) finished.add(message.clientMessageId);
      backoffWait?.abort();
      for (const message of dropped) settle(message.clientMessageId)?.reject(reason);
      await commit();
    },
    stop(reason) {
      stopped = true;
      backoffWait?.abort();
      for (const [id, waiter] of waiters) {
        waiters.delete(id);
        waiter.reject(reason);
      }
    },
  };
  return queue;
}
