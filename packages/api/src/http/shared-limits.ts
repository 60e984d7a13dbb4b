import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Logger } from '../platform/deps';
import type { RedisLink } from '../platform/redis';
import type { LimiterStore, SlotStore } from './rate-limits';

/**
 * Window counters in Redis (rate-limiter-flexible's own store), so every API process counts
 * against the same numbers: guesses at handoff codes spread over processes still hit the limit.
 * While Redis is unreachable each process falls back to its own in-memory counters (the library's
 * insurance limiter) — limits stay on, only per process, until Redis is back.
 */
export function redisLimiterStore(link: RedisLink): LimiterStore {
  return (options) =>
    new RateLimiterRedis({
      ...options,
      storeClient: link.commands,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(options),
    });
}

/** How long a process's open-stream counts outlive it (its heartbeats stop when it dies). */
const PROCESS_TTL_MS = 15_000;
const HEARTBEAT_MS = 5_000;
/** A count key nobody touched for this long is dropped (a stream open longer still holds its local slot). */
const COUNT_TTL_MS = 24 * 3600_000;

// KEYS[1] the count hash (field per process), KEYS[2] the live-process set (score = expiry, ms).
// ARGV: limit, process id, now, hash ttl. Counts of processes whose heartbeat expired are dropped.
const TAKE = `
local live = {}
for _, p in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[3], '+inf')) do live[p] = true end
local fields = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #fields, 2 do
  if live[fields[i]] or fields[i] == ARGV[2] then total = total + tonumber(fields[i + 1])
  else redis.call('HDEL', KEYS[1], fields[i]) end
end
if total >= tonumber(ARGV[1]) then return -1 end
redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return total + 1`;

const GIVE = `
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if left <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return left`;

type SlotCommands = RedisLink['commands'] & {
  threadlineSlotTake(
    hash: string,
    live: string,
    limit: number,
    owner: string,
    now: number,
    ttl: number,
  ): Promise<number>;
  threadlineSlotGive(hash: string, owner: string): Promise<number>;
};

/**
 * Open-stream counts shared by the API processes. Each process writes only its own share (a hash
 * field per process) and keeps it in memory too; a process that dies stops its heartbeat, and
 * 15 s later its share no longer counts — a SIGKILLed process does not hold its slots forever.
 * After Redis restarts (its data gone), each process writes its shares again. While Redis is
 * unreachable the limit is checked against this process's own streams only.
 */
export function createRedisSlots(
  link: RedisLink,
  logger: Logger,
  timing: { processTtlMs?: number; heartbeatMs?: number } = {},
): SlotStore & { close(): void } {
  const processTtlMs = timing.processTtlMs ?? PROCESS_TTL_MS;
  const heartbeatMs = timing.heartbeatMs ?? HEARTBEAT_MS;
  const redis = link.commands as SlotCommands;
  redis.defineCommand('threadlineSlotTake', { numberOfKeys: 2, lua: TAKE });
  redis.defineCommand('threadlineSlotGive', { numberOfKeys: 1, lua: GIVE });
  const mine = new Map<string, number>();
  const liveKey = 'slots:processes';
  const hashOf = (id: string) => `slots:${id}`;

  const heartbeat = async () => {
    const now = Date.now();
    await redis
      .multi()
      .zadd(liveKey, now + processTtlMs, link.processId)
      .zremrangebyscore(liveKey, '-inf', now - 60_000)
      .exec();
  };
  /** Rewrites this process's shares (after Redis lost them). */
  const republish = async () => {
    await heartbeat();
    const batch = redis.multi();
    for (const [id, count] of mine)
      batch.hset(hashOf(id), link.processId, count).pexpire(hashOf(id), COUNT_TTL_MS);
    await batch.exec();
  };
  const beat = setInterval(() => heartbeat().catch(() => undefined), heartbeatMs);
  beat.unref();
  let first = true;
  const onReady = () => {
    // The first connect has nothing to rewrite; a reconnect may follow a restart that lost everything.
    const run = first ? heartbeat() : republish();
    first = false;
    run.catch((error) => logger.warn('redis stream counts not written', { error: String(error) }));
  };
  redis.on('ready', onReady);
  if (redis.status === 'ready') onReady();

  return {
    async take(id, limit) {
      let granted: boolean;
      try {
        granted =
          (await redis.threadlineSlotTake(
            hashOf(id),
            liveKey,
            limit,
            link.processId,
            Date.now(),
            COUNT_TTL_MS,
          )) >= 0;
      } catch {
        granted = (mine.get(id) ?? 0) < limit;
      }
      if (granted) mine.set(id, (mine.get(id) ?? 0) + 1);
      return granted;
    },
    give(id) {
      const left = (mine.get(id) ?? 1) - 1;
      if (left <= 0) mine.delete(id);
      else mine.set(id, left);
      // A give lost while Redis is away is put right by `republish` when it is back.
      redis.threadlineSlotGive(hashOf(id), link.processId).catch(() => undefined);
    },
    close() {
      clearInterval(beat);
      redis.off('ready', onReady);
    },
  };
}
