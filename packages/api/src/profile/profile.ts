import type { CustomerProfile, ProfileBrief, RevealAnswer, RevealBody } from '@threadline/sdk-core/protocol';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { recordAudit } from '../audit';
import type { Db } from '../db/database';
import { customerEvents, customerPii, identities, kbProducts, orders } from '../db/schema';
import { type CustomerRow, resolveCustomer, resolveCustomers } from '../identity';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { listTickets, openTicketsOfMany } from '../tickets';
import { isVipCustomer } from './customers';
import { recentOrdersOf, recentOrdersOfMany, toOrderViews } from './orders';
import { maskPii, openPii, type PiiField } from './pii';
import { suggestProducts } from './suggestions';
import { type CartLine, currentCart, currentCarts, openTrackedEvents } from './track';

type Deps = Pick<ServiceDeps, 'sealer' | 'database'>;

const PRODUCT_VIEW_EVENTS = ['product_view', 'view_product', 'viewed_product'];

/** An identity's value in the clear (phone and email identities are sealed by the identity domain). */
const identityValue = (deps: Pick<ServiceDeps, 'sealer'>, row: typeof identities.$inferSelect) =>
  row.valueEnc ? deps.sealer.open(row.valueEnc) : row.value;

/** How an identity is shown to agents: phone/email masked, opaque device ids shortened. */
function displayIdentity(deps: Pick<ServiceDeps, 'sealer'>, row: typeof identities.$inferSelect): string {
  if ((row.kind === 'phone' || row.kind === 'email') && row.valueEnc)
    return maskPii(row.kind, identityValue(deps, row));
  if (row.kind === 'anonymous') return `${row.value.slice(0, 6)}…`;
  if (row.kind === 'wechat_openid' || row.kind === 'wechat_unionid') return maskPii('phone', row.value);
  return row.value;
}

/** Which identity tells a customer apart in a list, best first. */
const HANDLE_ORDER = [
  'external',
  'phone',
  'douyin',
  'taobao',
  'weibo',
  'email',
  'wechat_unionid',
  'wechat_openid',
];

/** One masked handle per customer for inbox rows: a merchant user id, `138****8000`, a platform handle. */
export async function customerHandles(
  deps: Deps,
  db: Db,
  customerIds: string[],
): Promise<Map<string, string | null>> {
  const handles = new Map<string, string | null>();
  if (customerIds.length === 0) return handles;
  const rows = await db.select().from(identities).where(inArray(identities.customerId, customerIds));
  const rank = (kind: string) => {
    const at = HANDLE_ORDER.indexOf(kind);
    return at < 0 ? HANDLE_ORDER.length : at;
  };
  const best = new Map<string, typeof identities.$inferSelect>();
  for (const row of rows) {
    const current = best.get(row.customerId);
    if (row.kind !== 'anonymous' && (!current || rank(row.kind) < rank(current.kind)))
      best.set(row.customerId, row);
  }
  for (const id of customerIds) {
    const row = best.get(id);
    handles.set(id, row ? displayIdentity(deps, row) : null);
  }
  return handles;
}

async function identitiesOf(deps: Deps, db: Db, customerId: string) {
  const rows = await db
    .select()
    .from(identities)
    .where(eq(identities.customerId, customerId))
    .orderBy(identities.createdAt);
  return rows.map((row) => ({ kind: row.kind, value: displayIdentity(deps, row), verified: row.verified }));
}

/** Phone, address, payment on file: masked, or opened when `reveal` is set (after an audit). */
async function contactOf(deps: Deps, db: Db, customerId: string, reveal = false) {
  const rows = await db.select().from(customerPii).where(eq(customerPii.customerId, customerId));
  const contact: Record<PiiField, string | null> = { phone: null, address: null, payment: null };
  const opened = await openPii(
    deps,
    rows.map((row) => row.valueEnc),
    db,
  );
  rows.forEach((row, i) => {
    const plain = opened[i];
    if (plain) contact[row.field] = reveal ? plain : maskPii(row.field, plain);
  });
  if (contact.phone === null) {
    // A phone identity (from an identity token or the phone channel) is on file too.
    const [phone] = await db
      .select()
      .from(identities)
      .where(and(eq(identities.customerId, customerId), eq(identities.kind, 'phone')))
      .limit(1);
    if (phone?.valueEnc) {
      const plain = identityValue(deps, phone);
      contact.phone = reveal ? plain : maskPii('phone', plain);
    }
  }
  return contact;
}

/** The phone number to text a handoff link to, in the clear — for the sending code only. */
export async function phoneOnFile(deps: Deps, db: Db, customerId: string): Promise<string | null> {
  return (await contactOf(deps, db, customerId, true)).phone;
}

/** The cart with product names from the catalog where the SKU or product id is known. */
async function namedCart(deps: Deps, db: Db, appId: string, customerId: string): Promise<CartLine[]> {
  const cart = await currentCart(deps, db, customerId);
  const ids = [...new Set(cart.flatMap((l) => [l.sku, String(l.productId ?? '')]).filter(Boolean))];
  if (ids.length === 0) return cart;
  const products = await db
    .select({ id: kbProducts.id, name: kbProducts.name })
    .from(kbProducts)
    .where(and(eq(kbProducts.appId, appId), inArray(kbProducts.id, ids)));
  const names = new Map(products.map((p) => [p.id, p.name]));
  return cart.map((line) => ({
    ...line,
    name: (line.name as string | undefined) ?? names.get(String(line.productId ?? line.sku)) ?? null,
  }));
}

const profileCustomer = (customer: CustomerRow) => ({
  id: customer.id,
  name: customer.name,
  identified: customer.identified,
  vip: isVipCustomer(customer.attributes),
  createdAt: iso(customer.createdAt),
});

/**
 * What travels in inbox events: who it is, masked contact, attributes, cart, recent orders. One
 * implementation: the set variant for one customer (its reads are as many as a one-customer
 * version's). A customer that is gone (erased, or a broken merge alias) is refused with
 * `not_found`, as `resolveCustomer` refuses it.
 */
export async function buildProfileBrief(
  deps: Deps,
  db: Db,
  appId: string,
  customerId: string,
): Promise<ProfileBrief> {
  const [brief] = await buildProfileBriefs(deps, db, appId, [customerId]);
  return brief!;
}

/**
 * Profile briefs for many customers of one app (a bulk escalation's inbox events), in order: each
 * table read once for all of them. A customer that is gone refuses the whole call (`not_found`).
 */
export async function buildProfileBriefs(
  deps: Deps,
  db: Db,
  appId: string,
  customerIds: string[],
): Promise<ProfileBrief[]> {
  if (customerIds.length === 0) return [];
  const resolved = await resolveCustomers(db, appId, customerIds);
  const people = customerIds.map((id) => {
    const customer = resolved.get(id);
    if (!customer) throw new ApiError('not_found', 'Customer not found.');
    return customer;
  });
  const ids = [...new Set(people.map((c) => c.id))];
  const [idRows, piiRows, carts, orderRows, tickets] = await Promise.all([
    db.select().from(identities).where(inArray(identities.customerId, ids)).orderBy(identities.createdAt),
    db.select().from(customerPii).where(inArray(customerPii.customerId, ids)),
    currentCarts(deps, db, ids),
    recentOrdersOfMany(db, ids, 3),
    openTicketsOfMany(db, ids),
  ]);
  const [pii, orderViews] = await Promise.all([
    openPii(
      deps,
      piiRows.map((row) => row.valueEnc),
      db,
    ),
    toOrderViews(deps, orderRows, db),
  ]);
  const skus = [
    ...new Set([...carts.values()].flat().flatMap((l) => [l.sku, String(l.productId ?? '')])),
  ].filter(Boolean);
  const products = skus.length
    ? await db
        .select({ id: kbProducts.id, name: kbProducts.name })
        .from(kbProducts)
        .where(and(eq(kbProducts.appId, appId), inArray(kbProducts.id, skus)))
    : [];
  const names = new Map(products.map((p) => [p.id, p.name]));
  return people.map((customer) => {
    const own = idRows.filter((row) => row.customerId === customer.id);
    const contact: Record<PiiField, string | null> = { phone: null, address: null, payment: null };
    piiRows.forEach((row, i) => {
      const plain = pii[i];
      if (row.customerId === customer.id && plain) contact[row.field] = maskPii(row.field, plain);
    });
    // As `contactOf`: a phone identity is on file too.
    const phone = own.find((row) => row.kind === 'phone');
    if (contact.phone === null && phone?.valueEnc)
      contact.phone = maskPii('phone', identityValue(deps, phone));
    const cart = (carts.get(customer.id) ?? []).map((line) => ({
      ...line,
      name: (line.name as string | undefined) ?? names.get(String(line.productId ?? line.sku)) ?? null,
    }));
    return {
      customer: profileCustomer(customer),
      identities: own.map((row) => ({
        kind: row.kind,
        value: displayIdentity(deps, row),
        verified: row.verified,
      })),
      contact,
      attributes: customer.attributes,
      cart: cart.slice(0, 10),
      orders: orderViews.filter((_, i) => orderRows[i]!.customerId === customer.id),
      openTickets: (tickets.get(customer.id) ?? []).length,
    };
  });
}

/**
 * The 360° profile as the profile domain knows it: identities (masked), contact on file (masked),
 * attributes, the cart from add/remove tracking, recent views and events, pushed orders, tickets.
 * Follows merges to the customer it became. The agent route adds the channels and the timeline.
 */
export async function buildCustomerProfile(
  deps: Pick<ServiceDeps, 'sealer' | 'database'>,
  appId: string,
  customerId: string,
): Promise<Omit<CustomerProfile, 'channels' | 'timeline'>> {
  const db = deps.database.db;
  const customer = await resolveCustomer(db, appId, customerId);
  const [ids, contact, cart, storedViews, storedEvents, recent, tickets] = await Promise.all([
    identitiesOf(deps, db, customer.id),
    contactOf(deps, db, customer.id),
    namedCart(deps, db, appId, customer.id),
    db
      .select()
      .from(customerEvents)
      .where(
        and(eq(customerEvents.customerId, customer.id), inArray(customerEvents.name, PRODUCT_VIEW_EVENTS)),
      )
      .orderBy(desc(customerEvents.id))
      .limit(10),
    db
      .select()
      .from(customerEvents)
      .where(eq(customerEvents.customerId, customer.id))
      .orderBy(desc(customerEvents.id))
      .limit(20),
    recentOrdersOf(deps, db, customer.id, 10),
    listTickets(deps, appId, { customerId: customer.id, limit: 20 }),
  ]);
  const [views, events] = await Promise.all([
    openTrackedEvents(deps, storedViews, db),
    openTrackedEvents(deps, storedEvents, db),
  ]);
  const viewedIds = [
    ...new Set(views.map((v) => String(v.properties.productId ?? v.properties.sku ?? '')).filter(Boolean)),
  ];
  const products = viewedIds.length
    ? await db
        .select({ id: kbProducts.id, name: kbProducts.name })
        .from(kbProducts)
        .where(and(eq(kbProducts.appId, appId), inArray(kbProducts.id, viewedIds)))
    : [];
  const names = new Map(products.map((p) => [p.id, p.name]));
  const suggestions = await suggestProducts(db, appId, {
    cart: cart.flatMap((line) => {
      const productId = String(line.productId ?? line.sku ?? '');
      const size = typeof line.size === 'string' || typeof line.size === 'number' ? String(line.size) : null;
      return productId ? [{ productId, size }] : [];
    }),
    viewed: viewedIds,
  });
  return {
    customer: profileCustomer(customer),
    identities: ids,
    contact,
    attributes: customer.attributes,
    cart,
    recentViews: views.flatMap((v) => {
      const productId = String(v.properties.productId ?? v.properties.sku ?? '');
      if (!productId) return [];
      const name = (v.properties.name as string | undefined) ?? names.get(productId) ?? null;
      return [{ productId, name, channel: v.channel, at: iso(v.createdAt) }];
    }),
    recentEvents: events.map((e) => ({
      name: e.name,
      properties: e.properties,
      channel: e.channel,
      at: iso(e.createdAt),
    })),
    orders: recent,
    tickets,
    suggestions,
  };
}

/**
 * Unmasks personal data for an agent whose role allows it (supervisors), and records who asked,
 * for what and why in the audit log — in the same transaction, so no reveal goes unrecorded.
 */
export async function revealPii(
  deps: ServiceDeps,
  input: {
    appId: string;
    agent: { id: string; role: string };
    customerId: string;
    body: RevealBody;
    /** The client address the request came from, for the audit log. */
    from?: string;
  },
): Promise<RevealAnswer> {
  if (input.agent.role !== 'supervisor')
    throw new ApiError('role_forbidden', 'Your role may not unmask personal data; ask a supervisor.');
  return deps.database.write(async (db) => {
    const customer = await resolveCustomer(db, input.appId, input.customerId);
    const fields = new Set(input.body.fields);
    const contact = await contactOf(deps, db, customer.id, true);
    const answer: Omit<RevealAnswer, 'auditId'> = { contact: {} };
    for (const field of ['phone', 'address', 'payment'] as const) {
      if (fields.has(field)) answer.contact[field] = contact[field];
    }
    if (fields.has('identities')) {
      const rows = await db.select().from(identities).where(eq(identities.customerId, customer.id));
      answer.identities = rows.map((row) => ({
        kind: row.kind,
        value: identityValue(deps, row),
        verified: row.verified,
      }));
    }
    if (input.body.orderId) {
      const [order] = await db
        .select()
        .from(orders)
        .where(
          and(
            eq(orders.appId, input.appId),
            eq(orders.id, input.body.orderId),
            eq(orders.customerId, customer.id),
          ),
        );
      if (!order) throw new ApiError('not_found', 'This customer has no such order.');
      const [address, payment] = await openPii(deps, [order.addressEnc, order.paymentEnc], db);
      answer.order = { id: order.id, address: address ?? null, payment: payment ?? null };
    }
    const auditId = await recordAudit(deps, db, {
      appId: input.appId,
      actor: { type: 'agent', id: input.agent.id },
      action: 'pii.revealed',
      subject: { type: 'customer', id: customer.id },
      details: {
        fields: [...fields],
        ...(input.body.orderId ? { orderId: input.body.orderId } : {}),
        reason: input.body.reason,
        ...(input.from ? { from: input.from } : {}),
      },
    });
    return { ...answer, auditId };
  });
}
