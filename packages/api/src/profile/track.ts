import type { CustomerEventsBody } from '@threadline/sdk-core/protocol';
import { and, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { AppRow } from '../apps';
import type { Db } from '../db/database';
import { customerEvents } from '../db/schema';
import { customerSealer, openAllForCustomers, type SessionRow } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { selectCustomer } from './customers';

const PROPERTIES_MAX_BYTES = 8 * 1024;

/** Stores one tracked event; it feeds the profile (cart, recent views) and the AI's personal answers. */
export async function trackEvent(
  deps: ServiceDeps,
  input: {
    appId: string;
    customerId: string;
    session?: SessionRow;
    name: string;
    properties?: Record<string, unknown>;
  },
): Promise<void> {
  const properties = input.properties ?? {};
  assertPropertiesFit(properties);
  await deps.database.write(async (db, onCommit) => {
    const seal = await customerSealer(deps, db, onCommit, input);
    const [stored] = await db
      .insert(customerEvents)
      .values({
        appId: input.appId,
        // A session's customer was read when the request was authenticated: a merge (sign-in) that
        // committed since moved this customer's tracked events to the survivor, and this one goes
        // there too — found by this same statement (an alias row names its survivor), so the usual
        // case costs no extra query. The properties stay sealed with the key read above: a sealed
        // value names its key, as for every row a merge moves.
        customerId: sql`coalesce((select "merged_into" from "customers" where "id" = ${input.customerId} and "app_id" = ${input.appId}), ${input.customerId})`,
        sessionId: input.session?.id ?? null,
        channel: input.session?.channel ?? null,
        name: input.name,
        properties: sealProperties(seal, properties),
        createdAt: deps.clock.now(),
      })
      .returning({ customerId: customerEvents.customerId });
    if (input.name in MARKETING_CONSENT_EVENTS)
      await deps.followUps?.setMarketingOptOut(
        db,
        onCommit,
        { appId: input.appId, customerId: stored!.customerId },
        MARKETING_CONSENT_EVENTS[input.name]!,
      );
  });
}

/** Tracked events that change the shopper's consent to proactive messages (follow-ups). */
const MARKETING_CONSENT_EVENTS: Record<string, boolean> = {
  marketing_opt_out: true,
  marketing_opt_in: false,
};

/** Events the merchant backend sends for a customer (secret key); `at` defaults to now. */
export async function recordCustomerEvents(
  deps: ServiceDeps,
  app: Pick<AppRow, 'id' | 'settings'>,
  body: CustomerEventsBody,
): Promise<{ customer: { id: string; identified: boolean }; accepted: number }> {
  for (const event of body.events) assertPropertiesFit(event.properties ?? {});
  return deps.database.write(async (db, onCommit) => {
    const customer = await selectCustomer(deps, db, onCommit, app, body.customer);
    const now = deps.clock.now();
    const seal = await customerSealer(deps, db, onCommit, { appId: app.id, customerId: customer.id });
    await db.insert(customerEvents).values(
      body.events.map((event) => ({
        appId: app.id,
        customerId: customer.id,
        sessionId: null,
        channel: null,
        name: event.name,
        properties: sealProperties(seal, event.properties ?? {}),
        createdAt: event.at ? Date.parse(event.at) : now,
      })),
    );
    // Consent is what the latest event by `at` says (the array order of a replayed or merged
    // export is no clock): an old opt_in sent after a newer opt_out does not win.
    const consent = body.events
      .map((event, i) => ({ event, i, at: event.at ? Date.parse(event.at) : now }))
      .filter(({ event }) => event.name in MARKETING_CONSENT_EVENTS)
      .sort((a, b) => a.at - b.at || a.i - b.i)
      .at(-1);
    if (consent)
      await deps.followUps?.setMarketingOptOut(
        db,
        onCommit,
        { appId: app.id, customerId: customer.id },
        MARKETING_CONSENT_EVENTS[consent.event.name]!,
      );
    return { customer: { id: customer.id, identified: customer.identified }, accepted: body.events.length };
  });
}

/**
 * Tracked properties are the shopper's own data (an address in `order_placed`, a name, a note):
 * sealed with their data key, so an erase shreds them. Empty properties say nothing and stay `{}`.
 */
function sealProperties(seal: (plain: string) => string, properties: Record<string, unknown>) {
  return Object.keys(properties).length === 0 ? properties : seal(JSON.stringify(properties));
}

/**
 * The data step for rows tracked before properties were sealed: seals each in place with its
 * customer's key, a batch per transaction. Idempotent (sealed rows are strings, not objects, and
 * are not selected again) and safe to run from several processes at once. Returns the rows sealed.
 */
export async function sealTrackedEventsInTheClear(
  deps: Pick<ServiceDeps, 'database' | 'sealer' | 'config' | 'clock'>,
  batch = 500,
): Promise<number> {
  let total = 0;
  // Bounded: every round seals what it selected, or stops.
  for (let round = 0; round < 100_000; round++) {
    const sealed = await deps.database.write(async (db, onCommit) => {
      const rows = await db
        .select({
          id: customerEvents.id,
          appId: customerEvents.appId,
          customerId: customerEvents.customerId,
          properties: customerEvents.properties,
        })
        .from(customerEvents)
        .where(
          sql`json_type(${customerEvents.properties}) = 'object' and ${customerEvents.properties} <> '{}'`,
        )
        .limit(batch);
      for (const row of rows) {
        if (typeof row.properties === 'string') continue;
        const seal = await customerSealer(deps, db, onCommit, row);
        await db
          .update(customerEvents)
          .set({ properties: sealProperties(seal, row.properties) })
          .where(and(eq(customerEvents.id, row.id), sql`json_type(${customerEvents.properties}) = 'object'`));
      }
      return rows.length;
    });
    total += sealed;
    if (sealed < batch) break;
  }
  return total;
}

export type TrackedEvent = Omit<typeof customerEvents.$inferSelect, 'properties'> & {
  properties: Record<string, unknown>;
};

/**
 * Tracked events with their properties opened (one key look-up for the lot). Rows from before
 * sealing hold the object itself; an erased customer's open as `{}`.
 */
export async function openTrackedEvents(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  rows: (typeof customerEvents.$inferSelect)[],
  db?: Db,
): Promise<TrackedEvent[]> {
  const opened = await openAllForCustomers(
    deps,
    rows.map((row) => (typeof row.properties === 'string' ? row.properties : null)),
    db,
  );
  return rows.map((row, i) => {
    if (typeof row.properties !== 'string') return { ...row, properties: row.properties };
    const text = opened[i];
    return { ...row, properties: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  });
}

function assertPropertiesFit(properties: Record<string, unknown>) {
  if (JSON.stringify(properties).length > PROPERTIES_MAX_BYTES) {
    throw new ApiError(
      'validation_failed',
      `properties must serialise to at most ${PROPERTIES_MAX_BYTES} bytes.`,
    );
  }
}

export interface CartLine {
  sku: string;
  quantity: number;
  [key: string]: unknown;
}

/** The cart as the tracked add/remove events leave it, newest state per SKU. */
export async function currentCart(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  db: Db,
  customerId: string,
): Promise<CartLine[]> {
  const stored = await db
    .select()
    .from(customerEvents)
    .where(and(eq(customerEvents.customerId, customerId), inArray(customerEvents.name, CART_EVENTS)))
    .orderBy(desc(customerEvents.id))
    .limit(CART_EVENTS_READ);
  return cartOf(await openTrackedEvents(deps, stored, db));
}

const CART_EVENTS = ['add_to_cart', 'remove_from_cart', 'cart_cleared', 'order_placed'];
const CART_EVENTS_READ = 500;

/** The cart left by a customer's cart events (opened), newest first. */
function cartOf(rows: { name: string; properties: Record<string, unknown> }[]): CartLine[] {
  const cart = new Map<string, CartLine>();
  for (const row of rows.reverse()) {
    if (row.name === 'cart_cleared' || row.name === 'order_placed') {
      cart.clear();
      continue;
    }
    const props = row.properties;
    const sku = String(props.sku ?? props.productId ?? '');
    if (!sku) continue;
    const quantity = Number(props.quantity ?? 1) || 1;
    const line = cart.get(sku) ?? { ...props, sku, quantity: 0 };
    line.quantity += row.name === 'add_to_cart' ? quantity : -quantity;
    if (line.quantity <= 0) cart.delete(sku);
    else cart.set(sku, line);
  }
  return [...cart.values()];
}

/** `currentCart` for many customers in one query (each customer's newest 500 cart events, as there). */
export async function currentCarts(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  db: Db,
  customerIds: string[],
): Promise<Map<string, CartLine[]>> {
  const carts = new Map<string, CartLine[]>();
  if (customerIds.length === 0) return carts;
  const ranked = db
    .select({
      id: customerEvents.id,
      rank: sql<number>`row_number() over (partition by ${customerEvents.customerId} order by ${customerEvents.id} desc)`.as(
        'rank',
      ),
    })
    .from(customerEvents)
    .where(and(inArray(customerEvents.customerId, customerIds), inArray(customerEvents.name, CART_EVENTS)))
    .as('ranked');
  const stored = await db
    .select({ event: customerEvents })
    .from(customerEvents)
    .innerJoin(ranked, eq(ranked.id, customerEvents.id))
    .where(lte(ranked.rank, CART_EVENTS_READ))
    .orderBy(desc(customerEvents.id));
  const rows = await openTrackedEvents(
    deps,
    stored.map((r) => r.event),
    db,
  );
  const byCustomer = new Map<string, typeof rows>();
  for (const row of rows) {
    const list = byCustomer.get(row.customerId) ?? [];
    list.push(row);
    byCustomer.set(row.customerId, list);
  }
  for (const id of customerIds) carts.set(id, cartOf(byCustomer.get(id) ?? []));
  return carts;
}
