import type { RedisLink } from './redis';

/**
 * Work under way somewhere among the API processes, by key (a send's customer + clientMessageId).
 * One process keeps its own in-flight work in memory; several share these marks through Redis so
 * a retry that lands on another process waits for the first attempt instead of racing it.
 */
export interface InFlightMarks {
  /**
   * Marks `key` as taken by this process for at most `ttlMs`. Answers the release function, or
   * null when another process holds the mark. When Redis cannot be asked, the mark is granted:
   * the database's unique indexes still keep the work from happening twice.
   */
  claim(key: string, ttlMs: number): Promise<(() => void) | null>;
  /** Settles once nobody holds `key`, or after `maxMs`. Polls: marks are short-lived and rare. */
  waitUntilFree(key: string, maxMs: number): Promise<void>;
}

const RELEASE_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** In-flight marks in Redis: SET NX PX with an owner token; released only by their owner. */
export function createRedisInFlightMarks(link: RedisLink): InFlightMarks {
  const redis = link.commands as RedisLink['commands'] & {
    threadlineReleaseMark(key: string, owner: string): Promise<number>;
  };
  redis.defineCommand('threadlineReleaseMark', { numberOfKeys: 1, lua: RELEASE_IF_OWNER });
  let seq = 0;
  return {
    async claim(key, ttlMs) {
      const owner = `${link.processId}:${++seq}`;
      const mark = `inflight:${key}`;
      try {
        const set = await redis.set(mark, owner, 'PX', ttlMs, 'NX');
        if (set !== 'OK') return null;
      } catch {
        return () => {};
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        redis.threadlineReleaseMark(mark, owner).catch(() => undefined);
      };
    },
    async waitUntilFree(key, maxMs) {
      const deadline = Date.now() + maxMs;
      let delay = 10;
      while (Date.now() < deadline) {
        try {
          if ((await redis.exists(`inflight:${key}`)) === 0) return;
        } catch {
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(delay, deadline - Date.now())));
        delay = Math.min(delay * 2, 200);
      }
    },
  };
}
