import { and, asc, desc, eq, gt, type SQL } from 'drizzle-orm';
import type { Db } from '../db/database';
import { hotQuery, slot } from '../db/hot-queries';
import { events } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import type { BusEvent } from './event-bus';

export interface NewEvent {
  appId: string;
  /** The customer the event is about; `appTopic(appId)` for staff events about no customer. */
  customerId: string;
  type: string;
  data: unknown;
  /** Default `customer`: the customer's sessions see it. `staff`: only the app's agents. */
  audience?: 'customer' | 'staff';
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
    .values({ ...event, audience: event.audience ?? 'customer', createdAt: deps.clock.now() })
    .returning({ id: events.id });
  const stored: BusEvent = { id: row!.id, ...event };
  onCommit(() => deps.bus.publish(stored));
  return stored;
}

/**
 * Appends several events in one statement, in the order given (their ids rise in that order), and
 * publishes them in that order once the caller's transaction commits.
 */
export async function appendEvents(
  deps: Pick<ServiceDeps, 'clock' | 'bus'>,
  db: Db,
  onCommit: (callback: () => void) => void,
  list: NewEvent[],
): Promise<BusEvent[]> {
  const now = deps.clock.now();
  const values: Record<string, unknown> = {};
  list.forEach((event, i) => {
    values[`${i}appId`] = event.appId;
    values[`${i}customerId`] = event.customerId;
    values[`${i}type`] = event.type;
    values[`${i}data`] = JSON.stringify(event.data);
    values[`${i}audience`] = event.audience ?? 'customer';
    values[`${i}createdAt`] = now;
  });
  const build = (d: Db, count: number) =>
    d
      .insert(events)
      .values(
        Array.from({ length: count }, (_, i) => ({
          appId: slot(`${i}appId`),
          customerId: slot(`${i}customerId`),
          type: slot(`${i}type`),
          data: slot(`${i}data`),
          audience: slot(`${i}audience`),
          createdAt: slot(`${i}createdAt`),
        })),
      )
      .returning({ id: events.id })
      .prepare();
  const count = list.length;
  const query = count <= 3 ? hotQuery(db, `events.append${count}`, (d) => build(d, count)) : build(db, count);
  const rows = await query.all(values);
  // A multi-row INSERT assigns rising ids in VALUES order; RETURNING's own order is not promised.
  const ids = rows.map((r) => r.id).sort((a, b) => a - b);
  const stored = list.map((event, i): BusEvent => ({ id: ids[i]!, ...event }));
  for (const event of stored) onCommit(() => deps.bus.publish(event));
  return stored;
}

const toBusEvent = (r: typeof events.$inferSelect): BusEvent => ({
  id: r.id,
  appId: r.appId,
  customerId: r.customerId,
  type: r.type,
  data: r.data,
  audience: r.audience,
});

const forCustomer = (customerId: string) =>
  and(eq(events.customerId, customerId), eq(events.audience, 'customer'));

async function readAfter(db: Db, scope: SQL | undefined, after: number, limit: number): Promise<BusEvent[]> {
  const rows = await db
    .select()
    .from(events)
    .where(and(scope, gt(events.id, after)))
    .orderBy(asc(events.id))
    .limit(limit);
  return rows.map(toBusEvent);
}

async function latestIn(db: Db, scope: SQL | undefined): Promise<number> {
  const [row] = await db
    .select({ id: events.id })
    .from(events)
    .where(scope)
    .orderBy(desc(events.id))
    .limit(1);
  return row?.id ?? 0;
}

/** The customer's events after a cursor, oldest first (staff-only events are never among them). */
export const readEventsAfter = (db: Db, customerId: string, after: number, limit = 500) =>
  readAfter(db, forCustomer(customerId), after, limit);

/** The newest cursor of a customer, so a client that starts without one tails from now. */
export const latestEventId = (db: Db, customerId: string) => latestIn(db, forCustomer(customerId));

/** Every event of an app after a cursor, oldest first: customers' and staff-only alike. */
export const readAppEventsAfter = (db: Db, appId: string, after: number, limit = 500) =>
  readAfter(db, eq(events.appId, appId), after, limit);

/** The newest cursor of an app. */
export const latestAppEventId = (db: Db, appId: string) => latestIn(db, eq(events.appId, appId));

/** Cursors travel as strings; anything that is not a non-negative integer is refused upstream. */
export function parseCursor(value: string | undefined | null): number | null {
  if (value === undefined || value === null || value === '') return null;
  return /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
}
