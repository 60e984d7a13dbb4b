import { CUSTOMER_MERGED, SESSION_ENDED, sessionTopic } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import type { BusEvent } from './event-bus';
import { latestEventId, readEventsAfter } from './events';

const PAGE = 500;
/**
 * Live events held for a reader that is not taking them (a stalled client). Past this the feed
 * ends; the client reconnects from its cursor and reads the log instead of our memory.
 */
export const MAX_BUFFERED_EVENTS = 256;

export interface CustomerFeed {
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

/**
 * A customer's events from a cursor on, with no gap and no duplicate: it subscribes to the bus
 * first and reads the log second, so an event committed in between is in one or the other, and
 * anything at or below the cursor is dropped. Follows the customer through a merge.
 */
export async function createCustomerFeed(
  deps: Pick<ServiceDeps, 'database' | 'bus' | 'sealer'>,
  options: { customerId: string; sessionId: string; after?: number },
): Promise<CustomerFeed> {
  let customerId = options.customerId;
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
    if (event.type === CUSTOMER_MERGED) {
      unsubscribe();
      customerId = (event.data as { into: string }).into;
      unsubscribe = deps.bus.subscribe(customerId, onEvent);
      needsBackfill = true;
    } else {
      live.push(event);
      if (live.length > MAX_BUFFERED_EVENTS) return stop('overflow');
    }
    wake?.();
  };
  let unsubscribe = deps.bus.subscribe(customerId, onEvent);
  // The session's own topic: revoked, or switched to another customer, the feed ends at once.
  const unsubscribeSession = deps.bus.subscribe(sessionTopic(options.sessionId), (event) => {
    if (event.type === SESSION_ENDED) stop('session_ended');
  });
  cursor = options.after ?? (await latestEventId(deps.database.db, customerId));

  const take = async (): Promise<BusEvent[]> => {
    if (needsBackfill) {
      needsBackfill = false;
      const stored = await readEventsAfter(deps, customerId, cursor, PAGE);
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
    unsubscribeSession();
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
