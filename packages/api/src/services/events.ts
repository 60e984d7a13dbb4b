import { and, asc, desc, eq, gt } from 'drizzle-orm';
import type { Db } from '../db/database';
import { events } from '../db/schema/index';
import type { ServiceDeps } from '../deps';
import type { BusEvent } from '../realtime/event-bus';

export interface NewEvent {
  appId: string;
  customerId: string;
  type: string;
  data: unknown;
}

/**
 * Appends an event to the log inside the caller's transaction and publishes it once that
 * transaction commits — never before, so no stream sees an event that could still roll back.
 */
export async function appendEvent(
  deps: Pick<ServiceDeps, 'clock' | 'bus'>,
  db: Db,
  onCommit: (callback: () => void) => void,
  event: NewEvent,
): Promise<BusEvent> {
  const [row] = await db
    .insert(events)
    .values({ ...event, createdAt: deps.clock.now() })
    .returning({ id: events.id });
  const stored: BusEvent = { id: row!.id, ...event };
  onCommit(() => deps.bus.publish(stored));
  return stored;
}

/** The customer's events after a cursor, oldest first. */
export async function readEventsAfter(
  db: Db,
  customerId: string,
  after: number,
  limit = 500,
): Promise<BusEvent[]> {
  const rows = await db
    .select()
    .from(events)
    .where(and(eq(events.customerId, customerId), gt(events.id, after)))
    .orderBy(asc(events.id))
    .limit(limit);
  return rows.map((r) => ({
    id: r.id,
    appId: r.appId,
    customerId: r.customerId,
    type: r.type,
    data: r.data,
  }));
}

/** The newest cursor of a customer, so a client that starts without one tails from now. */
export async function latestEventId(db: Db, customerId: string): Promise<number> {
  const [row] = await db
    .select({ id: events.id })
    .from(events)
    .where(eq(events.customerId, customerId))
    .orderBy(desc(events.id))
    .limit(1);
  return row?.id ?? 0;
}

/** Cursors travel as strings; anything that is not a non-negative integer is refused upstream. */
export function parseCursor(value: string | undefined | null): number | null {
  if (value === undefined || value === null || value === '') return null;
  return /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
}
