import type { Db } from '../db/database';
import { CUSTOMER_MERGED, SESSION_ENDED, sessionTopic } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import { appTopic, type BusEvent } from './event-bus';
import { latestAppEventId, latestEventId, readAppEventsAfter, readEventsAfter } from './events';

const PAGE = 500;
/**
 * Live events held for a reader that is not taking them (a stalled client). Past this the feed
 * ends; the client reconnects from its cursor and reads the log instead of our memory.
 */
export const MAX_BUFFERED_EVENTS = 256;
/** An agent's feed carries the whole app's traffic, so it may hold more before giving up. */
export const MAX_BUFFERED_APP_EVENTS = 4096;

type FeedDeps = Pick<ServiceDeps, 'database' | 'bus' | 'sealer'>;

export interface EventFeed {
  /** The next events after the cursor, waiting up to `waitMs` for some; [] on timeout or close. */
  next(waitMs: number): Promise<BusEvent[]>;
  /** The id of the last event handed out (or the start cursor). */
  cursor(): number;
  /**
   * Why the feed stopped by itself, or null while it runs: its session was revoked or now speaks
   * for someone else (`session_ended`), or its reader fell too far behind (`overflow`).
   */
  ended(): 'session_ended' | 'overflow' | null;
  close(): void;
}
/** The customer's feed, as the session routes know it. */
export type CustomerFeed = EventFeed;

/** Where a feed's events come from: a bus topic for live ones, the log for the rest. */
interface FeedSource {
  topic: string;
  read(deps: FeedDeps, after: number, limit: number): Promise<BusEvent[]>;
  latest(db: Db): Promise<number>;
}

const customerSource = (customerId: string): FeedSource => ({
  topic: customerId,
  read: (deps, after, limit) => readEventsAfter(deps, customerId, after, limit),
  latest: (db) => latestEventId(db, customerId),
});

const appSource = (appId: string): FeedSource => ({
  topic: appTopic(appId),
  read: (deps, after, limit) => readAppEventsAfter(deps, appId, after, limit),
  latest: (db) => latestAppEventId(db, appId),
});

/**
 * A customer's events from a cursor on, with no gap and no duplicate. Follows the customer through
 * a merge; ends when its session is revoked or switched to someone else. Staff-only events never
 * reach it.
 */
export function createCustomerFeed(
  deps: FeedDeps,
  options: { customerId: string; sessionId: string; after?: number },
): Promise<EventFeed> {
  return openFeed(deps, {
    source: customerSource(options.customerId),
    after: options.after,
    maxBuffered: MAX_BUFFERED_EVENTS,
    endOn: { topic: sessionTopic(options.sessionId), type: SESSION_ENDED },
    redirect: (event) =>
      event.type === CUSTOMER_MERGED ? customerSource((event.data as { into: string }).into) : undefined,
  });
}

/** Every event of an app from a cursor on — what agents see. Bus-only notices (no cursor) are dropped. */
export function createAppFeed(
  deps: FeedDeps,
  options: { appId: string; after?: number },
): Promise<EventFeed> {
  return openFeed(deps, {
    source: appSource(options.appId),
    after: options.after,
    maxBuffered: MAX_BUFFERED_APP_EVENTS,
    redirect: (event) => (event.id === 0 ? 'drop' : undefined),
  });
}

/**
 * The feed itself: it subscribes to the bus first and reads the log second, so an event committed
 * in between is in one or the other, and anything at or below the cursor is dropped. `redirect`
 * may move the feed to another source (a merged customer) or drop a notice; a notice on `endOn`
 * ends it.
 */
async function openFeed(
  deps: FeedDeps,
  options: {
    source: FeedSource;
    after: number | undefined;
    maxBuffered: number;
    endOn?: { topic: string; type: string };
    redirect: (event: BusEvent) => FeedSource | 'drop' | undefined;
  },
): Promise<EventFeed> {
  let source = options.source;
  let cursor = -1;
  let live: BusEvent[] = [];
  let needsBackfill = true;
  let closed = false;
  let endedBy: 'session_ended' | 'overflow' | null = null;
  let wake: (() => void) | null = null;

  const stop = (reason: 'session_ended' | 'overflow') => {
    endedBy ??= reason;
    close();
  };
  const onEvent = (event: BusEvent) => {
    if (closed) return;
    const next = options.redirect(event);
    if (next === 'drop') return;
    if (next) {
      unsubscribe();
      source = next;
      unsubscribe = deps.bus.subscribe(source.topic, onEvent);
      needsBackfill = true;
    } else {
      live.push(event);
      if (live.length > options.maxBuffered) return stop('overflow');
    }
    wake?.();
  };
  let unsubscribe = deps.bus.subscribe(source.topic, onEvent);
  const endOn = options.endOn;
  const unsubscribeEnd = endOn
    ? deps.bus.subscribe(endOn.topic, (event) => {
        if (event.type === endOn.type) stop('session_ended');
      })
    : () => {};
  cursor = options.after ?? (await source.latest(deps.database.db));

  const take = async (): Promise<BusEvent[]> => {
    if (needsBackfill) {
      needsBackfill = false;
      const stored = await source.read(deps, cursor, PAGE);
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

  function close() {
    if (closed) return;
    closed = true;
    unsubscribe();
    unsubscribeEnd();
    live = [];
    wake?.();
  }

  return {
    async next(waitMs) {
      const deadline = Date.now() + waitMs;
      // Bounded: each round either hands events out, sleeps until woken or the deadline, or
      // consumes what arrived while take() was settling (it found no one to wake then).
      while (!closed) {
        const ready = await take();
        if (closed) return [];
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
    ended: () => endedBy,
    close,
  };
}
