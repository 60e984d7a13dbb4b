import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from './deps';
import { RedisRefusedError, redisUrlProblem } from './redis-url';

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
  /**
   * Settles once both connections are ready, or after `timeoutMs` (then they keep retrying), or
   * as soon as Redis refuses the credentials (`refused()` says why).
   */
  ready(timeoutMs?: number): Promise<boolean>;
  /** Why Redis refused this process (a wrong or missing password), or null. */
  refused(): string | null;
  close(): Promise<void>;
}

/**
 * How long one Redis command may take before its caller falls back (ms). A Redis that hangs —
 * paused, swapping, stuck on a slow script — keeps its socket open, so without this a rate-limit
 * check would wait for ever and take the request with it.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1_000;
/** How often a process checks that Redis still answers (ms). */
const WATCHDOG_MS = 1_000;

export { RedisRefusedError, redisUrlProblem };

const REFUSALS = /NOAUTH|WRONGPASS|invalid password|invalid username|AUTH.*without any password|NOPERM/i;

/** Opens the two connections; they reconnect by themselves (backoff up to 2 s) for as long as they live. */
export function connectRedis(url: string, logger: Logger, keyPrefix = 'threadline:'): RedisLink {
  const problem = redisUrlProblem(url);
  if (problem) throw new RedisRefusedError(problem);
  const options = {
    keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, 2_000),
    lazyConnect: false,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 5_000,
  };
  const commands = new Redis(url, options);
  // keyPrefix does not apply to channel names: the bus names its channel itself.
  const subscriber = new Redis(url, { ...options, keyPrefix: undefined, autoResubscribe: false });
  let warned = false;
  let refusal: string | null = null;
  for (const [name, connection] of [
    ['commands', commands],
    ['subscriber', subscriber],
  ] as const) {
    connection.on('error', (error: Error) => {
      if (REFUSALS.test(error.message)) refusal = error.message;
      // ioredis reports every failed reconnect; one line per outage is enough.
      if (!warned) logger.warn('redis unavailable', { connection: name, error: error.message });
      warned = true;
    });
    connection.on('ready', () => {
      if (warned) logger.info('redis back', { connection: name });
      warned = false;
      refusal = null;
    });
  }
  const isReady = (c: Redis) => c.status === 'ready';
  // A hung Redis still looks connected ("ready"): every caller would pay the command timeout, one
  // by one. When a PING goes unanswered, drop both connections; while they reconnect, callers see
  // "not ready" and fall back at once (limits per process, streams on the log sweep), and the
  // subscriber's return fires the bus's resync.
  let probing = false;
  const watchdog = setInterval(() => {
    if (probing || !isReady(commands)) return;
    probing = true;
    commands
      .ping()
      .catch((error: Error) => {
        if (!isReady(commands)) return;
        logger.warn('redis not answering; reconnecting', { error: error.message });
        warned = true;
        commands.disconnect(true);
        subscriber.disconnect(true);
      })
      .finally(() => {
        probing = false;
      });
  }, WATCHDOG_MS);
  watchdog.unref();
  return {
    commands,
    subscriber,
    processId: `${process.pid}-${randomBytes(6).toString('hex')}`,
    ready: (timeoutMs = 5_000) =>
      new Promise<boolean>((resolve) => {
        const check = () => {
          if ((isReady(commands) && isReady(subscriber)) || refusal) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(!refusal);
          }
        };
        const poll = setInterval(check, 20);
        const timer = setTimeout(() => {
          clearInterval(poll);
          resolve(false);
        }, timeoutMs);
        check();
      }),
    refused: () => refusal,
    close: async () => {
      clearInterval(watchdog);
      await Promise.allSettled([commands.quit(), subscriber.quit()]);
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}
