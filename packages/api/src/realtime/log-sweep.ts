import { asc, gt, max } from 'drizzle-orm';
import { events } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import type { BusEvent } from './event-bus';
import { wakeUpsOf } from './events';
import type { RedisEventBus } from './redis-bus';

/** How often a process reads the tail of the event log for wake-ups it never got (default). */
export const LOG_SWEEP_MS = 2_000;
const BATCH = 5_000;

/**
 * The safety net under the Redis bus. A wake-up is lost without any disconnect when the process
 * that committed the event dies between COMMIT and PUBLISH; nobody would ask the log again until
 * the customer's next event. So each process reads the ids appended since its last look (one
 * range query on the primary key, no payloads) and wakes the feeds it holds for those customers and apps;
 * feeds that already have the event ignore it. Ids are handed out in commit order (one writer), so
 * "after the last id seen" misses nothing. Bounds the delay of a lost wake-up to `intervalMs`.
 */
export function startLogSweep(
  deps: Pick<ServiceDeps, 'database' | 'logger'>,
  bus: RedisEventBus,
  intervalMs = LOG_SWEEP_MS,
): { stop(): void } {
  let mark: number | null = null;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const sweep = async () => {
    const db = deps.database.db;
    if (mark === null) {
      const [row] = await db.select({ top: max(events.id) }).from(events);
      mark = row?.top ?? 0;
      return;
    }
    for (let round = 0; round < 20 && !stopped; round++) {
      const rows = await db
        .select({
          id: events.id,
          customerId: events.customerId,
          appId: events.appId,
          type: events.type,
          audience: events.audience,
        })
        .from(events)
        .where(gt(events.id, mark))
        .orderBy(asc(events.id))
        .limit(BATCH);
      // Each row wakes its customer's topic and its app's (agents); a feed reads everything after
      // its cursor on one wake-up, so only the newest wake-up of each topic is delivered.
      const newest = new Map<string, BusEvent>();
      for (const row of rows) for (const wakeUp of wakeUpsOf(row)) newest.set(wakeUp.topic, wakeUp);
      for (const wakeUp of newest.values()) bus.deliverLocally(wakeUp);
      if (rows.length > 0) mark = rows.at(-1)!.id;
      if (rows.length < BATCH) break;
    }
  };
  const loop = () => {
    timer = setTimeout(() => {
      sweep()
        .catch((error) => deps.logger.warn('event log sweep failed', { error: String(error) }))
        .finally(() => {
          if (!stopped) loop();
        });
    }, intervalMs);
    timer.unref();
  };
  sweep()
    .catch((error) => deps.logger.warn('event log sweep failed', { error: String(error) }))
    .finally(loop);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
