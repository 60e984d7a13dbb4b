import { and, asc, desc, eq, gt } from 'drizzle-orm';
import type { Db } from '../db/database';
import { hotQuery, slot } from '../db/hot-queries';
import { events } from '../db/schema';
import { customerSealer, openAllForCustomers } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import { customerView } from './customer-view';
import type { BusEvent } from './event-bus';

type Deps = Pick<ServiceDeps, 'clock' | 'bus' | 'database' | 'sealer' | 'config'>;

export interface NewEvent {
  appId: string;
  customerId: string;
  type: string;
  data: unknown;
}

/**
 * Appends an event to the log inside the caller's transaction and publishes it once that
 * transaction commits — never before, so no stream sees an event that could still roll back.
 * The log is what the customer's sessions read: its data is cut down to what customers may see
 * (`customerView`) and sealed with the customer's data key.
 */
export async function appendEvent(
  deps: Deps,
  db: Db,
  onCommit: (callback: () => void) => void,
  event: NewEvent,
): Promise<BusEvent> {
  const [stored] = await appendEvents(deps, db, onCommit, [event]);
  return stored!;
}

/**
 * Appends several events in one statement, in the order given (their ids rise in that order), and
 * publishes them in that order once the caller's transaction commits.
 */
export async function appendEvents(
  deps: Deps,
  db: Db,
  onCommit: (callback: () => void) => void,
  given: NewEvent[],
): Promise<BusEvent[]> {
  if (given.length === 0) return [];
  const list = given.map((event) => ({ ...event, data: customerView(event.type, event.data) }));
  const now = deps.clock.now();
  const values: Record<string, unknown> = {};
  // Events of one append belong to one customer (a send, a ticket); seal each with its customer's key.
  const sealers = new Map<string, (plain: string) => string>();
  for (const event of list)
    if (!sealers.has(event.customerId))
      sealers.set(event.customerId, await customerSealer(deps, db, onCommit, event));
  list.forEach((event, i) => {
    values[`${i}appId`] = event.appId;
    values[`${i}customerId`] = event.customerId;
    values[`${i}type`] = event.type;
    // Stored as a JSON string holding the ciphertext of the JSON payload.
    values[`${i}data`] = JSON.stringify(sealers.get(event.customerId)!(JSON.stringify(event.data)));
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
  const stored = list.map(
    (event, i): BusEvent => ({
      topic: event.customerId,
      id: ids[i]!,
      appId: event.appId,
      type: event.type,
      data: event.data,
    }),
  );
  for (const event of stored) onCommit(() => deps.bus.publish(event));
  return stored;
}

/** The customer's events after a cursor, oldest first. */
export async function readEventsAfter(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  customerId: string,
  after: number,
  limit = 500,
): Promise<BusEvent[]> {
  const rows = await deps.database.db
    .select()
    .from(events)
    .where(and(eq(events.customerId, customerId), gt(events.id, after)))
    .orderBy(asc(events.id))
    .limit(limit);
  const opened = await openAllForCustomers(
    deps,
    rows.map((r) => (typeof r.data === 'string' ? r.data : null)),
  );
  return rows.flatMap((r, i) => {
    // Rows written before encryption hold the payload itself; an erased customer's opens as null.
    const base = { topic: r.customerId, id: r.id, appId: r.appId, type: r.type };
    if (typeof r.data !== 'string') return [{ ...base, data: r.data }];
    const text = opened[i];
    if (text === null || text === undefined) return [];
    return [{ ...base, data: JSON.parse(text) }];
  });
}

let wakeSeq = 0;
/** Counts wake-ups process-wide, so a feed knows whether a shared read started after its wake-up. */
export const nextWakeSeq = () => ++wakeSeq;

const sharedReads = new WeakMap<
  ServiceDeps['database'],
  Map<string, { startSeq: number; read: Promise<BusEvent[]> }>
>();

/**
 * `readEventsAfter`, shared by the feeds that ask for the same customer and cursor at once (many
 * tabs of one customer, a broadcast to a room): one query instead of one per stream. A feed joins
 * a running read only if that read started after the feed's last wake-up (`notBefore`), or it
 * could miss the event that woke it. The answer is shared: callers must not change it.
 */
export function readEventsAfterShared(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  customerId: string,
  after: number,
  limit: number,
  notBefore: number,
): Promise<BusEvent[]> {
  let reads = sharedReads.get(deps.database);
  if (!reads) {
    reads = new Map();
    sharedReads.set(deps.database, reads);
  }
  const key = `${customerId}\n${after}\n${limit}`;
  const running = reads.get(key);
  if (running && running.startSeq >= notBefore) return running.read;
  const entry = { startSeq: wakeSeq, read: readEventsAfter(deps, customerId, after, limit) };
  reads.set(key, entry);
  const forget = () => {
    if (reads.get(key) === entry) reads.delete(key);
  };
  entry.read.then(forget, forget);
  return entry.read;
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
