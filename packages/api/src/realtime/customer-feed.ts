import { eq } from 'drizzle-orm';
import { customers, sessions } from '../db/schema';
import { CUSTOMER_MERGED, SESSION_ENDED, sessionTopic } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import type { BusEvent } from './event-bus';
import { latestEventId, nextWakeSeq, readEventsAfterShared } from './events';

const PAGE = 500;
/**
 * With a shared (Redis) bus, how often an open feed re-checks its session and customer in the
 * database, jittered: a notice (session ended, customer merged) lost because the process that
 * committed it died before publishing still reaches the stream within this.
 */
export const REVALIDATE_MS = 120_000;

export interface CustomerFeed {
  /** The next events after the cursor, waiting up to `waitMs` for some; [] on timeout or close. */
  next(waitMs: number): Promise<BusEvent[]>;
  /** The id of the last event handed out (or the start cursor). */
  cursor(): number;
  /** `session_ended` once the feed's session was revoked or now speaks for someone else; else null. */
  ended(): 'session_ended' | null;
  close(): void;
}

/**
 * A customer's events from a cursor on, with no gap and no duplicate. The bus only wakes the feed
 * (`{topic, id}`); what it hands out is always read from the event log after its cursor, so it
 * does not matter in which order wake-ups arrive, from which process, or whether one was lost —
 * the log has every committed event in id order. It subscribes first and reads second, so an
 * event committed in between wakes it. Follows the customer through a merge.
 */
export async function createCustomerFeed(
  deps: Pick<ServiceDeps, 'database' | 'bus' | 'sealer'>,
  options: { customerId: string; sessionId: string; after?: number },
): Promise<CustomerFeed> {
  let customerId = options.customerId;
  let cursor = Number.MAX_SAFE_INTEGER;
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
  const follow = (into: string) => {
    if (into === customerId) return;
    unsubscribe();
    customerId = into;
    unsubscribe = deps.bus.subscribe(customerId, onEvent);
  };
  const onEvent = (event: BusEvent) => {
    if (closed) return;
    if (event.type === CUSTOMER_MERGED) follow((event.data as { into: string }).into);
    else if (event.id <= cursor) return;
    poke();
  };
  const stop = () => {
    endedBy ??= 'session_ended';
    close();
  };
  let unsubscribe = deps.bus.subscribe(customerId, onEvent);
  // The session's own topic: revoked, or switched to another customer, the feed ends at once.
  const unsubscribeSession = deps.bus.subscribe(sessionTopic(options.sessionId), (event) => {
    if (event.type === SESSION_ENDED) stop();
  });
  // Listening from here on: the first read must start after this point.
  wokenAt = nextWakeSeq();

  // What a notice would have said, read from the database instead: after a Redis outage (notices
  // published meanwhile are gone) and, with a shared bus, now and then.
  const revalidate = async () => {
    const db = deps.database.db;
    const [customer] = await db
      .select({ mergedInto: customers.mergedInto })
      .from(customers)
      .where(eq(customers.id, customerId));
    if (closed) return;
    if (customer?.mergedInto) follow(customer.mergedInto);
    const [session] = await db
      .select({ customerId: sessions.customerId, revokedAt: sessions.revokedAt })
      .from(sessions)
      .where(eq(sessions.id, options.sessionId));
    if (closed) return;
    if (!session || session.revokedAt !== null || session.customerId !== customerId) return stop();
    poke();
  };
  const stopResync = deps.bus.onResync(() => {
    if (!closed) poke();
    revalidate().catch(() => undefined);
  });
  const revalidating = deps.bus.shared
    ? setInterval(
        () => revalidate().catch(() => undefined),
        REVALIDATE_MS + Math.floor(Math.random() * REVALIDATE_MS * 0.25),
      )
    : null;
  revalidating?.unref();

  try {
    cursor = options.after ?? (await latestEventId(deps.database.db, customerId));
  } catch (error) {
    close();
    throw error;
  }

  const take = async (): Promise<BusEvent[]> => {
    if (!pending) return [];
    pending = false;
    const stored = await readEventsAfterShared(deps, customerId, cursor, PAGE, wokenAt);
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
