import { eq } from 'drizzle-orm';
import type { Db } from '../db/database';
import { customers, sessions } from '../db/schema';
import { CUSTOMER_MERGED, SESSION_ENDED, sessionTopic } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import { appTopic, type BusEvent } from './event-bus';
import {
  latestAppEventId,
  latestEventId,
  nextWakeSeq,
  readAppEventsAfterShared,
  readEventsAfterShared,
} from './events';

const PAGE = 500;
/**
 * With a shared (Redis) bus, how often an open customer feed re-checks its session and customer in
 * the database, jittered: a notice (session ended, customer merged) lost because the process that
 * committed it died before publishing still reaches the stream within this.
 */
export const REVALIDATE_MS = 120_000;

type FeedDeps = Pick<ServiceDeps, 'database' | 'bus' | 'sealer' | 'messageEvents'>;

export interface EventFeed {
  /** The next events after the cursor, waiting up to `waitMs` for some; [] on timeout or close. */
  next(waitMs: number): Promise<BusEvent[]>;
  /** The id of the last event handed out (or the start cursor). */
  cursor(): number;
  /** `session_ended` once the feed's session was revoked or now speaks for someone else; else null. */
  ended(): 'session_ended' | null;
  close(): void;
}
/** The customer's feed, as the session routes know it. */
export type CustomerFeed = EventFeed;

/** Where a feed reads: the bus topic that wakes it, and the part of the log behind that topic. */
interface FeedSource {
  topic: string;
  read(deps: FeedDeps, after: number, limit: number, notBefore: number): Promise<BusEvent[]>;
  latest(db: Db): Promise<number>;
}

const customerSource = (customerId: string): FeedSource => ({
  topic: customerId,
  read: (deps, after, limit, notBefore) => readEventsAfterShared(deps, customerId, after, limit, notBefore),
  latest: (db) => latestEventId(db, customerId),
});

const appSource = (appId: string): FeedSource => ({
  topic: appTopic(appId),
  read: (deps, after, limit, notBefore) => readAppEventsAfterShared(deps, appId, after, limit, notBefore),
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
    session: options,
  });
}

/**
 * Every event of an app from a cursor on — what agents see: customers' events and staff-only ones,
 * read by `(app_id, id)`. Whether the agent may still read is the stream's business (its token is
 * checked at every heartbeat).
 */
export function createAppFeed(
  deps: FeedDeps,
  options: { appId: string; after?: number },
): Promise<EventFeed> {
  return openFeed(deps, { source: appSource(options.appId), after: options.after });
}

/**
 * The one feed. The bus only wakes it (`{topic, id}`); what it hands out is always read from the
 * event log after its cursor, so it does not matter in which order wake-ups arrive, from which
 * process, or whether one was lost — the log has every committed event in id order. It subscribes
 * first and reads second, so an event committed in between wakes it. It holds no events of its
 * own: a reader that does not take them leaves them in the log. A customer feed (`session`) also
 * follows its customer through a merge and ends with its session.
 */
async function openFeed(
  deps: FeedDeps,
  options: {
    source: FeedSource;
    after: number | undefined;
    session?: { customerId: string; sessionId: string };
  },
): Promise<EventFeed> {
  let source = options.source;
  let cursor = 0;
  /** False until the start cursor is known: every wake-up before then counts. */
  let started = false;
  // Something may be in the log after the cursor: read it before waiting.
  let pending = true;
  /** The wake-up that set `pending`, so a read started before it is not taken as its answer. */
  let wokenAt = 0;
  let closed = false;
  let endedBy: 'session_ended' | null = null;
  let wake: (() => void) | null = null;

  const poke = () => {
    pending = true;
    wokenAt = nextWakeSeq();
    wake?.();
  };
  const session = options.session;
  const follow = (into: string) => {
    if (into === source.topic) return;
    unsubscribe();
    source = customerSource(into);
    unsubscribe = deps.bus.subscribe(source.topic, onEvent);
  };
  const onEvent = (event: BusEvent) => {
    if (closed) return;
    if (session && event.type === CUSTOMER_MERGED) follow((event.data as { into: string }).into);
    // Notices (id 0) other than a merge, and wake-ups for what was handed out, change nothing.
    else if (started && event.id <= cursor) return;
    poke();
  };
  const stop = () => {
    endedBy ??= 'session_ended';
    close();
  };
  let unsubscribe = deps.bus.subscribe(source.topic, onEvent);
  // The session's own topic: revoked, or switched to another customer, the feed ends at once.
  const unsubscribeSession = session
    ? deps.bus.subscribe(sessionTopic(session.sessionId), (event) => {
        if (event.type === SESSION_ENDED) stop();
      })
    : () => {};
  // Listening from here on: the first read must start after this point.
  wokenAt = nextWakeSeq();

  // What a notice would have said, read from the database instead: after a Redis outage (notices
  // published meanwhile are gone) and, with a shared bus, now and then.
  const revalidate = async () => {
    if (!session) return;
    const db = deps.database.db;
    const [customer] = await db
      .select({ mergedInto: customers.mergedInto })
      .from(customers)
      .where(eq(customers.id, source.topic));
    if (closed) return;
    if (customer?.mergedInto) follow(customer.mergedInto);
    const [row] = await db
      .select({ customerId: sessions.customerId, revokedAt: sessions.revokedAt })
      .from(sessions)
      .where(eq(sessions.id, session.sessionId));
    if (closed) return;
    if (!row || row.revokedAt !== null || row.customerId !== source.topic) return stop();
    poke();
  };
  const stopResync = deps.bus.onResync(() => {
    if (!closed) poke();
    revalidate().catch(() => undefined);
  });
  const revalidating =
    session && deps.bus.shared
      ? setInterval(
          () => revalidate().catch(() => undefined),
          REVALIDATE_MS + Math.floor(Math.random() * REVALIDATE_MS * 0.25),
        )
      : null;
  revalidating?.unref();

  try {
    cursor = options.after ?? (await source.latest(deps.database.db));
    started = true;
  } catch (error) {
    close();
    throw error;
  }

  const take = async (): Promise<BusEvent[]> => {
    if (!pending) return [];
    pending = false;
    const stored = await source.read(deps, cursor, PAGE, wokenAt);
    const fresh = stored.filter((e) => e.id > cursor);
    // A full page means more wait in the log.
    if (stored.length === PAGE) pending = true;
    if (fresh.length > 0) cursor = fresh.at(-1)!.id;
    return fresh;
  };

  function close() {
    if (closed) return;
    closed = true;
    unsubscribe();
    unsubscribeSession();
    stopResync();
    if (revalidating) clearInterval(revalidating);
    wake?.();
  }

  return {
    async next(waitMs) {
      const deadline = Date.now() + waitMs;
      // Bounded: each round either hands events out, sleeps until woken or the deadline, or reads
      // again because a wake-up arrived while the last read was running.
      while (!closed) {
        const ready = await take();
        if (closed) return [];
        const left = deadline - Date.now();
        if (ready.length > 0 || left <= 0) return ready;
        if (pending) continue;
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
