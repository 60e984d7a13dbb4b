import { type InValue, LibsqlError } from '@libsql/client';
import { and, asc, desc, eq, gt, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { insertedKeys, rawRun } from '../db/hot-queries';
import { events } from '../db/schema';
import { customerSealer, openAllForCustomers } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import { customerView, shopperMessage } from './customer-view';
import { appTopic, type BusEvent } from './event-bus';

type Deps = Pick<
  ServiceDeps,
  'clock' | 'bus' | 'database' | 'sealer' | 'config' | 'outbox' | 'messageEvents'
>;
type ReadDeps = Pick<ServiceDeps, 'database' | 'sealer' | 'messageEvents'> &
  Partial<Pick<ServiceDeps, 'logger'>>;

export interface NewEvent {
  appId: string;
  /** The customer the event is about; `appTopic(appId)` for staff events about no customer. */
  customerId: string;
  type: string;
  data: unknown;
  /**
   * Default `customer`: the customer's sessions (and the app's agents) see it, cut down to its
   * customer-facing schema. `staff`: only the app's agents, as given.
   */
  audience?: 'customer' | 'staff';
  /**
   * The stored message a `message.created` event shows. The log then keeps only this reference,
   * not a second sealed copy of the message: readers build the payload from the message row (its
   * text opened with its customer's key), so a send seals, serialises and checks its text once, and
   * an erased or expired message leaves its event unreadable with it (issue 18).
   */
  messageId?: string;
}

/** What a referencing `message.created` row holds in `data` instead of the message. */
interface MessageReference {
  $message: string;
}

const isMessageReference = (data: unknown): data is MessageReference =>
  typeof data === 'object' && data !== null && typeof (data as MessageReference).$message === 'string';

/**
 * Builds the wire messages of message ids (left out: messages gone, or erased customers'), for
 * events stored by reference, each with the app and customer its row belongs to (a reference is
 * shown only where they are its event row's own). The conversations domain, which owns the message
 * row and its wire shape, provides it as `deps.messageEvents` (realtime cannot import
 * conversations, which imports realtime). Without it, message events are stored as sealed copies.
 */
export type MessageEventResolver = (
  messageIds: string[],
) => Promise<Map<string, { appId: string; customerId: string; message: unknown }>>;

/**
 * Appends an event to the log inside the caller's transaction and publishes it once that
 * transaction commits — never before, so no stream sees an event that could still roll back.
 * Customer events are cut down to what customers may see (`customerView`); every event about a
 * customer is sealed with that customer's data key (staff events about no customer — presence,
 * queue figures — hold no customer data and are stored as they are).
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
 * The wake-ups of one logged event: its customer's topic (customer events only) and its app's
 * (`appTopic`, what agents listen to). Both carry the log id; readers read the log after their
 * cursor, so across processes the data is left out.
 */
export function wakeUpsOf(event: {
  id: number;
  appId: string;
  customerId: string;
  type: string;
  audience: 'customer' | 'staff';
  data?: unknown;
}): BusEvent[] {
  const app = appTopic(event.appId);
  const base = { id: event.id, appId: event.appId, type: event.type, data: event.data };
  return event.audience === 'customer' && event.customerId !== app
    ? [
        { topic: event.customerId, ...base },
        { topic: app, ...base },
      ]
    : [{ topic: app, ...base }];
}

/**
 * Appends several events in one statement, in the order given (their ids rise in that order), and
 * publishes them in that order once the caller's transaction commits. Returns each event as its
 * customer's topic sees it (the app's topic for staff events).
 */
export async function appendEvents(
  deps: Deps,
  db: Db,
  onCommit: (callback: () => void) => void,
  given: NewEvent[],
): Promise<BusEvent[]> {
  if (given.length === 0) return [];
  // Messages, conversation and ticket changes are webhook events too: into the outbox, same transaction.
  await deps.outbox?.fromRealtime(db, onCommit, given);
  const list = given.map((event) => {
    const audience = event.audience ?? ('customer' as const);
    // Only where this process can also read references back (deps.messageEvents, set by createApp).
    const byReference =
      deps.messageEvents !== undefined &&
      event.messageId !== undefined &&
      event.type === 'message.created' &&
      audience === 'customer';
    return {
      ...event,
      audience,
      byReference,
      // By reference, the customer-facing cut is made when the log is read (`readAfter`); the
      // wake-ups carry no data (feeds read the log, never a wake-up's payload, for messages).
      data: byReference
        ? undefined
        : audience === 'staff'
          ? event.data
          : customerView(event.type, event.data),
    };
  });
  const now = deps.clock.now();
  // Events of one append belong to one customer (a send, a ticket); seal each with its customer's key.
  const sealers = new Map<string, ((plain: string) => string) | null>();
  for (const event of list)
    if (!event.byReference && !sealers.has(event.customerId))
      sealers.set(
        event.customerId,
        event.customerId === appTopic(event.appId) ? null : await customerSealer(deps, db, onCommit, event),
      );
  const args: InValue[] = [];
  for (const event of list) {
    const seal = sealers.get(event.customerId);
    // Stored as a JSON string holding the ciphertext of the JSON payload (or, about no customer,
    // the payload itself; or the reference to the message it shows).
    const data = event.byReference
      ? JSON.stringify({ $message: event.messageId! } satisfies MessageReference)
      : JSON.stringify(seal ? seal(JSON.stringify(event.data)) : event.data);
    args.push(event.appId, event.customerId, event.type, data, event.audience, now);
  }
  // A multi-row INSERT assigns consecutive ids (the table's AUTOINCREMENT key) in VALUES order.
  const { lastInsertRowid } = await rawRun(db, appendEventsSql(list.length), args);
  const ids = insertedKeys(lastInsertRowid, list.length);
  const published = list.map((event, i) => wakeUpsOf({ ...event, id: ids[i]! }));
  onCommit(() => {
    for (const wakeUps of published) for (const wakeUp of wakeUps) deps.bus.publish(wakeUp);
  });
  return published.map((wakeUps) => wakeUps[0]!);
}

const appendSqlByCount = new Map<number, string>();
/**
 * `INSERT … VALUES (…)×count`, run raw: drizzle's building and mapping cost more here, and the ids
 * follow from the last rowid, so no RETURNING (which costs; see `rawRun`).
 */
function appendEventsSql(count: number): string {
  let text = appendSqlByCount.get(count);
  if (text === undefined) {
    const row = '(?, ?, ?, ?, ?, ?)';
    text = `insert into "events" ("app_id", "customer_id", "type", "data", "audience", "created_at") values ${Array.from({ length: count }, () => row).join(', ')}`;
    if (count <= 4) appendSqlByCount.set(count, text);
  }
  return text;
}

/** Which rows a reader reads: a customer's customer-facing events, or everything of an app. */
const forCustomer = (customerId: string) =>
  and(eq(events.customerId, customerId), eq(events.audience, 'customer'));
const forApp = (appId: string) => eq(events.appId, appId);

async function readAfter(
  deps: ReadDeps,
  topic: string,
  scope: SQL | undefined,
  after: number,
  limit: number,
  /** The customer's own feed: messages as the shopper sees them (`shopperMessage`). */
  forShopper = false,
): Promise<BusEvent[]> {
  const stored = await deps.database.db
    .select({
      id: events.id,
      appId: events.appId,
      customerId: events.customerId,
      type: events.type,
      // Parsed here, row by row (not by the column's mapping, which fails the whole page): a row
      // that is not JSON is left out and logged.
      json: sql<string>`${events.data}`,
    })
    .from(events)
    .where(and(scope, gt(events.id, after)))
    .orderBy(asc(events.id))
    .limit(limit);
  const rows = stored.flatMap(({ json, ...row }) => {
    try {
      return [{ ...row, data: JSON.parse(json) as unknown }];
    } catch (error) {
      skipped(deps, 'event row is not JSON', { eventId: row.id, type: row.type, error: String(error) });
      return [];
    }
  });
  const opened = await openPayloads(deps, rows);
  const referenced = rows.flatMap((r) => (isMessageReference(r.data) ? [r.data.$message] : []));
  if (referenced.length > 0 && !deps.messageEvents)
    throw new Error(
      'the event log holds message events by reference: deps.messageEvents is needed to read them',
    );
  const shown = referenced.length > 0 ? await resolveMessages(deps, referenced) : new Map();
  const asShown = (type: string, data: unknown) =>
    forShopper && type === 'message.created' ? shopperMessage(data) : data;
  return rows.flatMap((r, i) => {
    // Rows written before encryption (and staff events about no customer) hold the payload itself;
    // an erased customer's opens as null and is left out, as does a referenced message that is gone.
    const base = { topic, id: r.id, appId: r.appId, type: r.type };
    if (isMessageReference(r.data)) {
      // A reference shows only a message of its own event's app and customer: the row is read by id
      // alone, and a log row must never hand one customer's (or app's) message to another's feed.
      const found = shown.get(r.data.$message);
      if (found === undefined || found.appId !== r.appId || found.customerId !== r.customerId) return [];
      // The payload is built from the message row when read, so a row that fails the event's
      // schema (written by hand, a bad migration) is left out and logged, not a feed that fails on
      // every read until its cursor passes it.
      const view = customerViewOrSkip(deps, r.type, found.message, {
        eventId: r.id,
        messageId: r.data.$message,
      });
      return view === SKIP ? [] : [{ ...base, data: asShown(r.type, view) }];
    }
    if (typeof r.data !== 'string') return [{ ...base, data: asShown(r.type, r.data) }];
    const text = opened[i];
    if (text === null || text === undefined) return [];
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      skipped(deps, 'event payload is not JSON', { eventId: r.id, type: r.type, error: String(error) });
      return [];
    }
    return [{ ...base, data: asShown(r.type, data) }];
  });
}

/**
 * An error of the database itself (drizzle keeps the driver's in `cause`), not of one row: never a
 * reason to leave an event out — the read fails as a whole and is tried again, so nothing is lost.
 */
function isDatabaseError(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 6 && e instanceof Error; depth++) {
    if (e instanceof LibsqlError) return true;
    e = e.cause;
  }
  return false;
}

const SKIP: unique symbol = Symbol('skip');

/** `customerView`, or SKIP (logged) for a payload that fails its type's customer-facing schema. */
function customerViewOrSkip(deps: ReadDeps, type: string, data: unknown, where: Record<string, unknown>) {
  try {
    return customerView(type, data);
  } catch (error) {
    skipped(deps, 'message event fails its schema', { ...where, type, error: String(error) });
    return SKIP;
  }
}

function skipped(deps: ReadDeps, what: string, fields: Record<string, unknown>) {
  deps.logger?.warn(`event feed: ${what}; left out`, fields);
}

/**
 * The sealed payloads of one page, opened with their customers' keys (null: erased, left out). One
 * pass for the page; if it fails on a value that cannot be opened (a tampered or truncated sealed
 * text), each is opened alone and only the failing ones are left out (and logged).
 */
async function openPayloads(deps: ReadDeps, rows: { id: number; type: string; data: unknown }[]) {
  const values = rows.map((r) => (typeof r.data === 'string' ? r.data : null));
  try {
    return await openAllForCustomers(deps, values);
  } catch (error) {
    if (isDatabaseError(error)) throw error;
    const opened: (string | null)[] = [];
    for (const [i, value] of values.entries()) {
      try {
        opened.push((await openAllForCustomers(deps, [value]))[0] ?? null);
      } catch (one) {
        if (isDatabaseError(one)) throw one;
        skipped(deps, 'event payload cannot be opened', {
          eventId: rows[i]!.id,
          type: rows[i]!.type,
          error: String(one),
        });
        opened.push(null);
      }
    }
    return opened;
  }
}

/**
 * The referenced messages of one page. One query for the page; if building it fails — a row
 * the resolver cannot read (bad JSON in a column, a date that is no date) — each message is built
 * alone, and only the ones that fail are left out (and logged). The slow way is taken only then.
 */
async function resolveMessages(
  deps: ReadDeps,
  ids: string[],
): Promise<Awaited<ReturnType<MessageEventResolver>>> {
  const resolve = deps.messageEvents!;
  try {
    return await resolve(ids);
  } catch (error) {
    if (isDatabaseError(error)) throw error;
    const shown: Awaited<ReturnType<MessageEventResolver>> = new Map();
    for (const id of new Set(ids)) {
      try {
        for (const [key, value] of await resolve([id])) shown.set(key, value);
      } catch (one) {
        if (isDatabaseError(one)) throw one;
        skipped(deps, 'referenced message cannot be read', { messageId: id, error: String(one) });
      }
    }
    return shown;
  }
}

/** The customer's events after a cursor, oldest first (staff-only events are never among them). */
export const readEventsAfter = (deps: ReadDeps, customerId: string, after: number, limit = 500) =>
  readAfter(deps, customerId, forCustomer(customerId), after, limit, true);

/** Every event of an app after a cursor, oldest first: customers' and staff-only alike (index `(app_id, id)`). */
export const readAppEventsAfter = (deps: ReadDeps, appId: string, after: number, limit = 500) =>
  readAfter(deps, appTopic(appId), forApp(appId), after, limit);

let wakeSeq = 0;
/** Counts wake-ups process-wide, so a feed knows whether a shared read started after its wake-up. */
export const nextWakeSeq = () => ++wakeSeq;

const sharedReads = new WeakMap<
  ServiceDeps['database'],
  Map<string, { startSeq: number; read: Promise<BusEvent[]> }>
>();

/**
 * A log read shared by the feeds that ask for the same topic and cursor at once (many tabs of one
 * customer, a broadcast to a room, every agent of an app): one query instead of one per stream. A
 * feed joins a running read only if that read started after the feed's last wake-up (`notBefore`),
 * or it could miss the event that woke it. The answer is shared: callers must not change it.
 */
function readShared(
  deps: ReadDeps,
  topic: string,
  after: number,
  limit: number,
  notBefore: number,
  read: () => Promise<BusEvent[]>,
): Promise<BusEvent[]> {
  let reads = sharedReads.get(deps.database);
  if (!reads) {
    reads = new Map();
    sharedReads.set(deps.database, reads);
  }
  const key = `${topic}\n${after}\n${limit}`;
  const running = reads.get(key);
  if (running && running.startSeq >= notBefore) return running.read;
  const entry = { startSeq: wakeSeq, read: read() };
  reads.set(key, entry);
  const forget = () => {
    if (reads.get(key) === entry) reads.delete(key);
  };
  entry.read.then(forget, forget);
  return entry.read;
}

/** `readEventsAfter`, shared between the feeds of one customer (see `readShared`). */
export const readEventsAfterShared = (
  deps: ReadDeps,
  customerId: string,
  after: number,
  limit: number,
  notBefore: number,
) =>
  readShared(deps, customerId, after, limit, notBefore, () =>
    readEventsAfter(deps, customerId, after, limit),
  );

/** `readAppEventsAfter`, shared between the feeds of one app (see `readShared`). */
export const readAppEventsAfterShared = (
  deps: ReadDeps,
  appId: string,
  after: number,
  limit: number,
  notBefore: number,
) =>
  readShared(deps, appTopic(appId), after, limit, notBefore, () =>
    readAppEventsAfter(deps, appId, after, limit),
  );

async function latestIn(db: Db, scope: SQL | undefined): Promise<number> {
  const [row] = await db
    .select({ id: events.id })
    .from(events)
    .where(scope)
    .orderBy(desc(events.id))
    .limit(1);
  return row?.id ?? 0;
}

/** The newest cursor of a customer, so a client that starts without one tails from now. */
export const latestEventId = (db: Db, customerId: string) => latestIn(db, forCustomer(customerId));

/** The newest cursor of an app. */
export const latestAppEventId = (db: Db, appId: string) => latestIn(db, forApp(appId));

/** Cursors travel as strings; anything that is not a non-negative integer is refused upstream. */
export function parseCursor(value: string | undefined | null): number | null {
  if (value === undefined || value === null || value === '') return null;
  return /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
}
