import type { Db } from '../db/database';
import { CUSTOMER_MERGED } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import { appTopic, type BusEvent } from './event-bus';
import { latestAppEventId, latestEventId, readAppEventsAfter, readEventsAfter } from './events';

const PAGE = 500;

export interface EventFeed {
  /** The next events after the cursor, waiting up to `waitMs` for some; [] on timeout or close. */
  next(waitMs: number): Promise<BusEvent[]>;
  /** The id of the last event handed out (or the start cursor). */
  cursor(): number;
  close(): void;
}
/** Where a feed's events come from: a bus topic for live ones, the log for the rest. */
interface FeedSource {
  topic: string;
  read(db: Db, after: number, limit: number): Promise<BusEvent[]>;
  latest(db: Db): Promise<number>;
}

const customerSource = (customerId: string): FeedSource => ({
  topic: customerId,
  read: (db, after, limit) => readEventsAfter(db, customerId, after, limit),
  latest: (db) => latestEventId(db, customerId),
});

const appSource = (appId: string): FeedSource => ({
  topic: appTopic(appId),
  read: (db, after, limit) => readAppEventsAfter(db, appId, after, limit),
  latest: (db) => latestAppEventId(db, appId),
});

/**
 * A customer's events from a cursor on, with no gap and no duplicate. Follows the customer through
 * a merge. Staff-only events never reach it.
 */
export function createCustomerFeed(
  deps: Pick<ServiceDeps, 'database' | 'bus'>,
  options: { customerId: string; after?: number },
): Promise<EventFeed> {
  return openFeed(deps, customerSource(options.customerId), options.after, (event) =>
    event.type === CUSTOMER_MERGED ? customerSource((event.data as { into: string }).into) : undefined,
  );
}

/** Every event of an app from a cursor on — what agents see. Bus-only notices (no cursor) are dropped. */
export function createAppFeed(
  deps: Pick<ServiceDeps, 'database' | 'bus'>,
  options: { appId: string; after?: number },
): Promise<EventFeed> {
  return openFeed(deps, appSource(options.appId), options.after, (event) =>
    event.id === 0 ? 'drop' : undefined,
  );
}

/**
 * The feed itself: it subscribes to the bus first and reads the log second, so an event committed
 * in between is in one or the other, and anything at or below the cursor is dropped. `redirect`
 * may move the feed to another source (a merged customer) or drop a notice.
 */
async function openFeed(
  deps: Pick<ServiceDeps, 'database' | 'bus'>,
  initial: FeedSource,
  after: number | undefined,
  redirect: (event: BusEvent) => FeedSource | 'drop' | undefined,
): Promise<EventFeed> {
  let source = initial;
  let cursor = -1;
  let live: BusEvent[] = [];
  let needsBackfill = true;
  let closed = false;
  let wake: (() => void) | null = null;

  const onEvent = (event: BusEvent) => {
    const next = redirect(event);
    if (next === 'drop') return;
    if (next) {
      unsubscribe();
      source = next;
      unsubscribe = deps.bus.subscribe(source.topic, onEvent);
      needsBackfill = true;
    } else {
      live.push(event);
    }
    wake?.();
  };
  let unsubscribe = deps.bus.subscribe(source.topic, onEvent);
  cursor = after ?? (await source.latest(deps.database.db));

  const take = async (): Promise<BusEvent[]> => {
    if (needsBackfill) {
      needsBackfill = false;
      const stored = await source.read(deps.database.db, cursor, PAGE);
      // A full page means more wait in the log: stay in backfill until it is drained.
      if (stored.length === PAGE) needsBackfill = true;
      live = live.filter((e) => e.id > (stored.at(-1)?.id ?? cursor));
      if (stored.length > 0) {
        cursor = stored.at(-1)!.id;
        return stored;
      }
    }
    const fresh = live.filter((e) => e.id > cursor).sort((a, b) => a.id - b.id);
    live = [];
    if (fresh.length > 0) cursor = fresh.at(-1)!.id;
    return fresh;
  };

  return {
    async next(waitMs) {
      const deadline = Date.now() + waitMs;
      // Bounded: each round either hands events out, sleeps until woken or the deadline, or
      // consumes what arrived while take() was settling (it found no one to wake then).
      while (!closed) {
        const ready = await take();
        const left = deadline - Date.now();
        if (ready.length > 0 || left <= 0) return ready;
        if (live.length > 0 || needsBackfill) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
      return [];
    },
    cursor: () => cursor,
    close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      wake?.();
    },
  };
}
