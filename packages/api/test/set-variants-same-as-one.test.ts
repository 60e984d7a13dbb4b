import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHandoffSummaries, buildHandoffSummary, type ConversationRow } from '../src/conversations';
import { conversations } from '../src/db/schema';
import { resolveCustomer, resolveCustomers } from '../src/identity';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { ApiError } from '../src/platform/errors';
import { buildCustomerProfile, buildProfileBrief, buildProfileBriefs } from '../src/profile';
import { openTicketsOf } from '../src/tickets';
import { createTestApi, type TestApi } from './harness';

// The set variants a bulk escalation uses read each table once for many customers; each answer
// must be the one the one-customer function gives, on customers with history (cart, orders,
// contact, tickets, identities, several messages) and without.

type Shop = Awaited<ReturnType<TestApi['createShop']>>;
let api: TestApi;
let shop: Shop;
const customers: string[] = [];

beforeAll(async () => {
  api = await createTestApi();
  shop = await api.createShop();
  await seedDemoStore(api.deps, shop.appId);
  for (const [i, user] of ['user-1', 'user-2', 'user-3'].entries()) {
    const session = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken(user, { phone: `1398765432${i}`, name: `顾客${i}` }),
    });
    customers.push(session.customer.id);
    if (i === 2) continue; // the third has nothing but a session
    const track = (name: string, properties: Record<string, unknown>) =>
      api.call('POST', '/v1/track', { token: session.sessionToken, body: { name, properties } });
    await track('add_to_cart', { sku: 'p-velvet-lipstick', quantity: 2 + i });
    await track('add_to_cart', { sku: 'p-hyaluronic-cream' });
    await track('remove_from_cart', { sku: 'p-velvet-lipstick', quantity: 1 });
    await shop.send(session.sessionToken, '这款面霜适合敏感肌吗');
    await shop.send(session.sessionToken, '订单LY2024060112345怎么还没发货 太慢了');
    expect(
      (
        await api.call('POST', '/v1/customers', {
          token: shop.secretKey,
          body: {
            customer: { externalId: user },
            attributes: { vip: i === 0 },
            address: '上海市浦东新区世纪大道100号',
          },
        })
      ).status,
    ).toBe(200);
    for (const [n, placedAt] of [
      '2026-05-18T10:00:00+08:00',
      '2026-05-20T10:00:00+08:00',
      '2026-05-01T10:00:00+08:00',
      '2026-05-25T10:00:00+08:00',
    ].entries())
      await api.call('POST', '/v1/orders', {
        token: shop.secretKey,
        body: {
          customer: { externalId: user },
          // The same order ids for both customers' orders would collide; each its own.
          orders: [{ id: `${user}-${n}`, status: 'shipped', items: [], amount: 100 + n, placedAt }],
        },
      });
  }
});
afterAll(() => api.close());

describe('set variants give what the one-customer functions give', () => {
  it('profile briefs', async () => {
    const db = api.deps.database.db;
    const one = [];
    for (const id of customers) one.push(await buildProfileBrief(api.deps, db, shop.appId, id));
    const many = await buildProfileBriefs(api.deps, db, shop.appId, customers);
    expect(many).toEqual(one);
    // Real content, not two empty answers.
    expect(one[0]!.cart.length).toBeGreaterThan(0);
    expect(one[0]!.orders).toHaveLength(3);
    expect(one[0]!.contact.address).not.toBeNull();
    expect(one[2]!.orders).toEqual([]);
    // \`buildProfileBrief\` is the set variant for one customer: checked against what the 360°
    // profile reads one customer at a time (its own identity, contact, cart and order readers).
    for (const [i, id] of customers.entries()) {
      const profile = await buildCustomerProfile(api.deps, shop.appId, id);
      expect(one[i]).toEqual({
        customer: profile.customer,
        identities: profile.identities,
        contact: profile.contact,
        attributes: profile.attributes,
        cart: profile.cart.slice(0, 10),
        orders: profile.orders.slice(0, 3),
        openTickets: (await openTicketsOf(db, id)).length,
      });
    }
  });

  it('profile briefs: a customer that is gone is refused with not_found, alone or in a set', async () => {
    const db = api.deps.database.db;
    for (const call of [
      () => buildProfileBrief(api.deps, db, shop.appId, 'cus_gone'),
      () => buildProfileBriefs(api.deps, db, shop.appId, [customers[0]!, 'cus_gone']),
      // Another app's customer is gone for this app.
      () => buildProfileBrief(api.deps, db, 'app_other', customers[0]!),
    ]) {
      const refused = await call().catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ApiError);
      expect((refused as ApiError).code).toBe('not_found');
    }
  });

  it('handoff summaries', async () => {
    const db = api.deps.database.db;
    const rows: ConversationRow[] = await db.select().from(conversations);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const handoff = { reason: 'escalation' as const, fromChannel: 'web', now: Date.UTC(2026, 4, 1) };
    const one = [];
    for (const conversation of rows) one.push(await buildHandoffSummary(api.deps, db, conversation, handoff));
    const many = await buildHandoffSummaries(
      api.deps,
      db,
      rows.map((conversation) => ({ conversation, handoff })),
    );
    expect(many).toEqual(one);
    expect(one.some((s) => (s.lastCustomerMessage?.text ?? '').includes('太慢了'))).toBe(true);
  });

  it('customers (one gone: left out, where resolveCustomer refuses it)', async () => {
    const db = api.deps.database.db;
    const many = await resolveCustomers(db, shop.appId, [...customers, 'cus_gone']);
    for (const id of customers) expect(many.get(id)).toEqual(await resolveCustomer(db, shop.appId, id));
    expect(many.has('cus_gone')).toBe(false);
  });
});
