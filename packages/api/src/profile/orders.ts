import type { OrderView, UpsertOrdersBody } from '@threadline/sdk-core/protocol';
import { and, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { AppRow } from '../apps';
import type { Db } from '../db/database';
import { orders } from '../db/schema';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { selectCustomer } from './customers';
import { maskPii, openPii, sealPii } from './pii';

export type OrderRow = typeof orders.$inferSelect;

/** Orders as agents (and the bot) see them: address and payment opened, then masked. */
export async function toOrderViews(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  rows: OrderRow[],
  db?: Db,
): Promise<OrderView[]> {
  const opened = await openPii(
    deps,
    rows.flatMap((row) => [row.addressEnc, row.paymentEnc]),
    db,
  );
  return rows.map((row, i) => {
    const [address, payment] = [opened[2 * i], opened[2 * i + 1]];
    return {
      id: row.id,
      status: row.status,
      items: row.items,
      amount: row.amount,
      currency: row.currency,
      trackingNumber: row.trackingNumber,
      carrier: row.carrier,
      placedAt: iso(row.placedAt),
      updatedAt: iso(row.updatedAt),
      address: address ? maskPii('address', address) : null,
      payment: payment ? maskPii('payment', payment) : null,
    };
  });
}

/**
 * A customer's most recent orders, newest first, masked — what the answer engine reads for
 * "我的订单到哪了" (status, items, tracking number and carrier) and the agent's profile shows.
 */
export async function recentOrdersOf(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  db: Db,
  customerId: string,
  limit = 10,
): Promise<OrderView[]> {
  const rows = await db
    .select()
    .from(orders)
    .where(eq(orders.customerId, customerId))
    .orderBy(desc(orders.placedAt))
    .limit(limit);
  return toOrderViews(deps, rows, db);
}

/** `recentOrdersOf`'s rows for many customers in one query: each customer's newest `limit`, newest first. */
export async function recentOrdersOfMany(db: Db, customerIds: string[], limit = 10): Promise<OrderRow[]> {
  if (customerIds.length === 0) return [];
  const ranked = db
    .select({
      appId: orders.appId,
      id: orders.id,
      rank: sql<number>`row_number() over (partition by ${orders.customerId} order by ${orders.placedAt} desc)`.as(
        'rank',
      ),
    })
    .from(orders)
    .where(inArray(orders.customerId, customerIds))
    .as('ranked');
  const rows = await db
    .select({ order: orders })
    .from(orders)
    // Order ids are the merchant's: unique per app only.
    .innerJoin(ranked, and(eq(ranked.appId, orders.appId), eq(ranked.id, orders.id)))
    .where(lte(ranked.rank, limit))
    .orderBy(desc(orders.placedAt));
  return rows.map((r) => r.order);
}

/**
 * The merchant backend's order sync: the same order id again updates it (fields left out stay,
 * `null` clears address, payment, tracking). Address and payment are sealed before they are stored.
 */
export async function upsertOrders(
  deps: ServiceDeps,
  app: Pick<AppRow, 'id' | 'settings'>,
  body: UpsertOrdersBody,
) {
  const appId = app.id;
  return deps.database.write(async (db, onCommit) => {
    const customer = await selectCustomer(deps, db, onCommit, app, body.customer);
    const ref = { appId, customerId: customer.id };
    const now = deps.clock.now();
    const ids = new Set<string>();
    for (const order of body.orders) {
      if (ids.has(order.id)) throw new ApiError('validation_failed', `Order ${order.id} is listed twice.`);
      ids.add(order.id);
      const placedAt = order.placedAt ? Date.parse(order.placedAt) : undefined;
      const sealed = async (value: string | null | undefined) =>
        value === undefined
          ? undefined
          : value === null
            ? null
            : await sealPii(deps, db, onCommit, ref, value);
      const [addressEnc, paymentEnc] = [await sealed(order.address), await sealed(order.payment)];
      const changes = {
        customerId: customer.id,
        status: order.status,
        items: order.items,
        amount: order.amount,
        currency: order.currency,
        ...(order.trackingNumber !== undefined ? { trackingNumber: order.trackingNumber } : {}),
        ...(order.carrier !== undefined ? { carrier: order.carrier } : {}),
        ...(addressEnc !== undefined ? { addressEnc } : {}),
        ...(paymentEnc !== undefined ? { paymentEnc } : {}),
        ...(placedAt !== undefined ? { placedAt } : {}),
        updatedAt: now,
      };
      await db
        .insert(orders)
        .values({ appId, id: order.id, placedAt: placedAt ?? now, createdAt: now, ...changes })
        .onConflictDoUpdate({ target: [orders.appId, orders.id], set: changes });
    }
    return { customer: { id: customer.id, identified: customer.identified }, upserted: body.orders.length };
  });
}
