import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from './deps';

/**
 * The Redis connections one API process holds when `REDIS_URL` is set: `commands` for rate-limit
 * counters, shared in-flight state and PUBLISH; `subscriber` for the bus (a subscribed connection
 * can run nothing else). Commands fail fast while Redis is away (no offline queue): every caller
 * has a fallback — limits use their in-process insurance, the bus relies on streams re-reading
 * the log — so a Redis outage degrades sharing, never a request.
 */
export interface RedisLink {
  commands: Redis;
  subscriber: Redis;
  /** This process, as Redis sees it (the owner of its open-stream counts and in-flight marks). */
  processId: string;
  /** Settles once both connections are ready, or after `timeoutMs` (then they keep retrying). */
  ready(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Opens the two connections; they reconnect by themselves (backoff up to 2 s) for as long as they live. */
export function connectRedis(url: string, logger: Logger, keyPrefix = 'threadline:'): RedisLink {
  const options = {
    keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, 2_000),
    lazyConnect: false,
  };
  const commands = new Redis(url, options);
  // keyPrefix does not apply to channel names: the bus names its channel itself.
  const subscriber = new Redis(url, { ...options, keyPrefix: undefined, autoResubscribe: false });
  let warned = false;
  for (const [name, connection] of [
    ['commands', commands],
    ['subscriber', subscriber],
  ] as const) {
    connection.on('error', (error: Error) => {
      // ioredis reports every failed reconnect; one line per outage is enough.
      if (!warned) logger.warn('redis unavailable', { connection: name, error: error.message });
      warned = true;
    });
    connection.on('ready', () => {
      if (warned) logger.info('redis back', { connection: name });
      warned = false;
    });
  }
  const isReady = (c: Redis) => c.status === 'ready';
  return {
    commands,
    subscriber,
    processId: `${process.pid}-${randomBytes(6).toString('hex')}`,
    ready: (timeoutMs = 5_000) =>
      new Promise<boolean>((resolve) => {
        const check = () => {
          if (isReady(commands) && isReady(subscriber)) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(true);
          }
        };
        const poll = setInterval(check, 20);
        const timer = setTimeout(() => {
          clearInterval(poll);
          resolve(false);
        }, timeoutMs);
        check();
      }),
    close: async () => {
      await Promise.allSettled([commands.quit(), subscriber.quit()]);
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}
