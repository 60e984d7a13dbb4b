import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../platform/errors';

/**
 * A process's way out (SIGTERM): `drain()` stops taking requests, tells open streams to end with
 * a reconnect hint, and `idle()` settles once the requests already running — sends above all —
 * have answered. The server closes its listener and the database only after that.
 */
export interface Lifecycle {
  draining(): boolean;
  /** Runs `listener` when draining starts (at once if it has); returns the unsubscribe function. */
  onDrain(listener: () => void): () => void;
  drain(): void;
  /** Requests running now (streams included until they end). */
  inFlight(): number;
  /**
   * Counts work that outlives its request's handler (an SSE stream after its response started);
   * call the returned function once when it ends.
   */
  enter(): () => void;
  /** Settles when no request is running, or after `timeoutMs` with false. */
  idle(timeoutMs: number): Promise<boolean>;
  /** Counts every request; refuses new ones with a retryable 503 once draining. */
  middleware: MiddlewareHandler;
}

/** Seconds a client is told to wait when it reaches a process on its way out. */
export const DRAINING_RETRY_AFTER_SEC = 1;

export function createLifecycle(): Lifecycle {
  let draining = false;
  let running = 0;
  const drainListeners = new Set<() => void>();
  const idleWaiters = new Set<() => void>();
  const settleIfIdle = () => {
    if (running > 0) return;
    for (const waiter of [...idleWaiters]) waiter();
  };
  const call = (listener: () => void) => {
    try {
      listener();
    } catch {
      // A stream that cannot be told must not stop the others from being told.
    }
  };
  return {
    draining: () => draining,
    onDrain(listener) {
      if (draining) {
        queueMicrotask(() => call(listener));
        return () => {};
      }
      drainListeners.add(listener);
      return () => {
        drainListeners.delete(listener);
      };
    },
    drain() {
      if (draining) return;
      draining = true;
      for (const listener of [...drainListeners]) call(listener);
      drainListeners.clear();
    },
    inFlight: () => running,
    enter() {
      running++;
      let left = false;
      return () => {
        if (left) return;
        left = true;
        running--;
        settleIfIdle();
      };
    },
    idle: (timeoutMs) =>
      new Promise<boolean>((resolve) => {
        const done = (value: boolean) => {
          clearTimeout(timer);
          idleWaiters.delete(waiter);
          resolve(value);
        };
        const waiter = () => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        idleWaiters.add(waiter);
        settleIfIdle();
      }),
    middleware: async (c, next) => {
      if (draining) {
        c.header('Connection', 'close');
        throw new ApiError(
          'unavailable',
          'This server is restarting; try again.',
          undefined,
          { 'Retry-After': String(DRAINING_RETRY_AFTER_SEC) },
          DRAINING_RETRY_AFTER_SEC,
        );
      }
      running++;
      try {
        await next();
      } finally {
        running--;
        settleIfIdle();
      }
    },
  };
}
