import { clientError, HttpError, type ThreadlineError, toThreadlineError } from './errors';
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

export interface SendQueueOptions {
  storage: SafeStorage;
  runtime: Runtime;
  backoff?: BackoffOptions;
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

/**
 * The durable send queue: persisted before it is sent, sent strictly in order, retried with backoff
 * while the failure is transient, acknowledged exactly once thanks to the persisted clientMessageId.
 */
export function createSendQueue(options: SendQueueOptions): SendQueue {
  const { storage, runtime } = options;
  let items: PendingMessage[] = [];
  const waiters = new Map<
    string,
    { resolve(answer: SendMessageAnswer): void; reject(error: unknown): void }
  >();
  let loaded: Promise<void> | null = null;
  let draining = false;
  let stopped = false;
  let backoffWait: AbortSource | null = null;

  const persist = () =>
    items.length
      ? storage.set(STORAGE_KEYS.sendQueue, JSON.stringify(items))
      : storage.remove(STORAGE_KEYS.sendQueue);

  const settle = (id: string) => {
    const waiter = waiters.get(id);
    waiters.delete(id);
    return waiter;
  };

  async function drain(): Promise<void> {
    if (draining || stopped) return;
    draining = true;
    let attempt = 0;
    try {
      while (!stopped && items.length) {
        const head = items[0]!;
        try {
          const answer = await options.deliver(head);
          if (items[0] !== head) continue; // cleared meanwhile
          items.shift();
          attempt = 0;
          await persist();
          options.onDelivered(head, answer);
          settle(head.clientMessageId)?.resolve(answer);
        } catch (thrown) {
          if (items[0] !== head) continue;
          const error = toThreadlineError(thrown, 'unexpected');
          if (!isRetryable(error)) {
            items.shift();
            attempt = 0;
            await persist();
            const waiter = settle(head.clientMessageId);
            options.onRejected(head, error, Boolean(waiter));
            waiter?.reject(error);
            continue;
          }
          if (stopped) break;
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
      }
    } finally {
      draining = false;
    }
  }

  const queue: SendQueue = {
    load() {
      loaded ??= storage.get(STORAGE_KEYS.sendQueue).then((stored) => {
        if (!stored) return;
        try {
          const restored = JSON.parse(stored) as PendingMessage[];
          if (Array.isArray(restored)) items = [...restored.filter((m) => m?.clientMessageId), ...items];
        } catch {
          // A corrupt entry cannot be sent anyway; the next persist overwrites it.
        }
      });
      return loaded;
    },
    async enqueue(text) {
      if (stopped) throw clientError('client_closed', 'The client is closed.');
      await queue.load();
      const message: PendingMessage = {
        clientMessageId: `cm_${runtime.randomId(22)}`,
        text,
        queuedAt: runtime.now(),
      };
      const acknowledged = new Promise<SendMessageAnswer>((resolve, reject) => {
        waiters.set(message.clientMessageId, { resolve, reject });
      });
      items.push(message);
      await persist();
      queue.flush();
      return acknowledged;
    },
    flush() {
      if (backoffWait) backoffWait.abort();
      else drain().catch(options.onError);
    },
    pending: () => items.map((m) => ({ ...m })),
    async clear(reason) {
      const dropped = items;
      items = [];
      backoffWait?.abort();
      await persist();
      for (const message of dropped) settle(message.clientMessageId)?.reject(reason);
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
