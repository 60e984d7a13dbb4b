import type { CustomerEventsBody } from '@threadline/sdk-core/protocol';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { AppRow } from '../apps';
import type { Db } from '../db/database';
import { customerEvents } from '../db/schema';
import type { SessionRow } from '../identity';
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
  await deps.database.write(async (db) => {
    await db.insert(customerEvents).values({
      appId: input.appId,
      customerId: input.customerId,
      sessionId: input.session?.id ?? null,
      channel: input.session?.channel ?? null,
      name: input.name,
      properties,
      createdAt: deps.clock.now(),
    });
  });
}

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
    await db.insert(customerEvents).values(
      body.events.map((event) => ({
        appId: app.id,
        customerId: customer.id,
        sessionId: null,
        channel: null,
        name: event.name,
        properties: event.properties ?? {},
        createdAt: event.at ? Date.parse(event.at) : now,
      })),
    );
    return { customer: { id: customer.id, identified: customer.identified }, accepted: body.events.length };
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
export async function currentCart(db: Db, customerId: string): Promise<CartLine[]> {
  const rows = await db
    .select()
    .from(customerEvents)
    .where(
      and(
        eq(customerEvents.customerId, customerId),
        inArray(customerEvents.name, ['add_to_cart', 'remove_from_cart', 'cart_cleared', 'order_placed']),
      ),
    )
    .orderBy(desc(customerEvents.id))
    .limit(500);
  const cart = new Map<string, CartLine>();
  for (const row of rows.reverse()) {
    if (row.name === 'cart_cleared' || row.name === 'order_placed') {
      cart.clear();
      continue;
    }
    const props = row.properties as Record<string, unknown>;
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
