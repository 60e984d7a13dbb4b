import type { AppOptions } from './app';
import type { LimiterStore, SlotStore } from './http/rate-limits';
import { createRedisSlots, redisLimiterStore } from './http/shared-limits';
import type { Logger } from './platform/deps';
import { createRedisInFlightMarks, type InFlightMarks } from './platform/in-flight';
import { connectRedis, type RedisLink, RedisRefusedError } from './platform/redis';
import { createRedisEventBus, type RedisEventBus } from './realtime/redis-bus';

/**
 * Everything several API processes share through Redis (`REDIS_URL`): the event bus (wake-ups
 * and cursors), rate-limit windows, open-stream counts and in-flight sends. The database is
 * shared by pointing every process at the same file or libSQL server.
 */
export interface SharedState {
  link: RedisLink;
  bus: RedisEventBus;
  limiterStore: LimiterStore;
  slots: SlotStore;
  inFlight: InFlightMarks;
  /** The `createApp` options that make an app use this state. */
  appOptions: Pick<AppOptions, 'bus' | 'limiterStore' | 'slots' | 'inFlight'>;
  close(): Promise<void>;
}

/**
 * Connects to Redis and builds the shared parts. Waits up to `readyTimeoutMs` for the first
 * connection; if Redis is not there yet the process starts anyway (limits per process, streams
 * catching up from the log) and joins in when Redis comes.
 */
export async function connectSharedState(
  url: string,
  logger: Logger,
  readyTimeoutMs = 5_000,
): Promise<SharedState> {
  const link = connectRedis(url, logger);
  if (!(await link.ready(readyTimeoutMs))) {
    const refusal = link.refused();
    if (refusal) {
      // A wrong or missing password does not mend itself: starting anyway would run every process
      // on its own limits and the 2 s log sweep, for ever, with only a warning to show for it.
      await link.close();
      throw new RedisRefusedError(
        `Redis at ${redactUrl(url)} refused this process: ${refusal} (check the password in REDIS_URL: redis://:password@host:6379)`,
      );
    }
    logger.warn('redis not reachable yet; starting without it', { url: redactUrl(url) });
  }
  const bus = createRedisEventBus(link, logger);
  const limiterStore = redisLimiterStore(link);
  const slots = createRedisSlots(link, logger);
  const inFlight = createRedisInFlightMarks(link);
  return {
    link,
    bus,
    limiterStore,
    slots,
    inFlight,
    appOptions: { bus, limiterStore, slots, inFlight },
    async close() {
      slots.close();
      await bus.close();
      await link.close();
    },
  };
}

/** A URL fit for a log line: no password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}
