import { existsSync, readFileSync } from 'node:fs';
import {
  auditList,
  customerProfile,
  errorEnvelope,
  inboxUpdate,
  revealAnswer,
} from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge/knowledge';
import type { Logger } from '../src/platform/deps';
import { sealTrackedEventsInTheClear } from '../src/profile';
import { createTestApi, type TestApi } from './harness';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;
const codeOf = (res: { body: unknown }) => errorEnvelope.parse(res.body).error.code;

// Personal data the backend sends; none of it may be stored, shown to an agent or logged in the clear.
const PHONE = '13812345678';
const TOKEN_PHONE = '13987654321';
const ADDRESS = '上海市浦东新区世纪大道100号12楼1203室';
const ORDER_ADDRESS = '北京市朝阳区建国路88号SOHO现代城5号楼2单元701';
const CARD = 'Visa 4111 1111 1111 1234 exp 09/28';
const SECRETS = [
  PHONE,
  TOKEN_PHONE,
  '世纪大道100号',
  '1203室',
  '建国路88号',
  '4111 1111 1111 1234',
  '4111111111111234',
  // Tracked properties (the shopper's own order and note, from the SDK and from the backend).
  '文三路478号',
  '收件人林晓',
  '请放在快递柜',
];

describe('the 360° profile: tracked cart, pushed orders, personal data sealed and masked', () => {
  const logged: string[] = [];
  const logger: Logger = {
    info: (m, f) => logged.push(JSON.stringify([m, f])),
    warn: (m, f) => logged.push(JSON.stringify([m, f])),
    error: (m, f) => logged.push(JSON.stringify([m, f])),
  };
  let api: TestApi;
  let shop: Shop;
  let customerId: string;
  let web: string;
  beforeAll(async () => {
    api = await createTestApi({ logger });
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    const session = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken('user-42', { phone: TOKEN_PHONE, name: '王小姐' }),
    });
    customerId = session.customer.id;
    web = session.sessionToken;
  });
  afterAll(() => api.close());

  const track = (name: string, properties: Record<string, unknown>) =>
    api.call('POST', '/v1/track', { token: web, body: { name, properties } });

  it('builds the cart from add/remove tracking and shows the orders and contact the backend pushed, masked', async () => {
    expect((await track('product_view', { productId: 'p-floral-dress' })).status).toBe(202);
    await track('add_to_cart', { sku: 'p-velvet-lipstick', quantity: 2 });
    await track('add_to_cart', { sku: 'p-hyaluronic-cream' });
    await track('remove_from_cart', { sku: 'p-velvet-lipstick', quantity: 1 });
    await shop.send(web, '这款面霜适合敏感肌吗');

    const upsert = await api.call('POST', '/v1/customers', {
      token: shop.secretKey,
      body: {
        customer: { externalId: 'user-42' },
        attributes: { vip: true, skinType: 'sensitive', memberLevel: 'gold' },
        phone: PHONE,
        address: ADDRESS,
        payment: CARD,
      },
    });
    expect(upsert.status).toBe(200);
    expect(upsert.body.customer.id).toBe(customerId);
    const refused = await api.call('POST', '/v1/customers', {
      token: shop.secretKey,
      body: { customer: { externalId: 'user-42' }, attributes: { shipping_address: ADDRESS } },
    });
    expect([refused.status, codeOf(refused)]).toEqual([400, 'validation_failed']);

    const pushed = await api.call('POST', '/v1/orders', {
      token: shop.secretKey,
      body: {
        customer: { externalId: 'user-42' },
        orders: [
          {
            id: '20240518001',
            status: 'shipped',
            items: [
              { productId: 'p-hyaluronic-cream', name: '玻尿酸保湿面霜 50ml', quantity: 1, price: 199 },
            ],
            amount: 199,
            trackingNumber: 'SF1234567890',
            carrier: '顺丰',
            placedAt: '2026-05-18T10:00:00+08:00',
            address: ORDER_ADDRESS,
            payment: CARD,
          },
          {
            id: '20240601002',
            status: 'paid',
            items: [{ sku: 'p-floral-dress', name: '碎花连衣裙 M', quantity: 1, price: 329 }],
            amount: 329,
            placedAt: '2026-06-01T09:00:00+08:00',
          },
        ],
      },
    });
    expect(pushed.body).toEqual({ customer: { id: customerId, identified: true }, upserted: 2 });
    // The same order id again updates it; fields left out stay.
    await api.call('POST', '/v1/orders', {
      token: shop.secretKey,
      body: {
        customer: { id: customerId },
        orders: [{ id: '20240601002', status: 'shipped', items: [], amount: 329, trackingNumber: 'YT9988' }],
      },
    });
    expect(
      (
        await api.call('POST', '/v1/customer-events', {
          token: shop.secretKey,
          body: {
            customer: { externalId: 'user-42' },
            events: [{ name: 'coupon_claimed', properties: { coupon: 'NEW20' } }],
          },
        })
      ).status,
    ).toBe(202);

    const agent = await shop.addAgent({ name: '王敏' });
    const res = await agent.call('GET', `/v1/agent/customers/${customerId}`);
    expect(res.status).toBe(200);
    const profile = customerProfile.parse(res.body);
    expect(profile.customer).toMatchObject({ id: customerId, name: '王小姐', vip: true, identified: true });
    expect(profile.cart.map((l) => [l.sku, l.quantity, l.name])).toEqual([
      ['p-velvet-lipstick', 1, '澜悦丝绒雾面口红'],
      ['p-hyaluronic-cream', 1, '澜悦玻尿酸水润保湿面霜'],
    ]);
    expect(profile.recentViews.map((v) => v.productId)).toEqual(['p-floral-dress']);
    expect(profile.recentEvents[0]).toMatchObject({
      name: 'coupon_claimed',
      properties: { coupon: 'NEW20' },
    });
    expect(profile.orders.map((o) => [o.id, o.status, o.trackingNumber])).toEqual([
      ['20240601002', 'shipped', 'YT9988'],
      ['20240518001', 'shipped', 'SF1234567890'],
    ]);
    expect(profile.orders[1]).toMatchObject({ amount: 199, currency: 'CNY', payment: 'Visa ••••1234' });
    expect(profile.orders[1]!.address).toMatch(/^北京市朝阳区\*{4}$/);
    expect(profile.contact).toEqual({
      phone: '138****5678',
      address: '上海市浦东新****',
      payment: 'Visa ••••1234',
    });
    expect(profile.identities).toEqual(
      expect.arrayContaining([
        { kind: 'external', value: 'user-42', verified: true },
        { kind: 'phone', value: '139****4321', verified: true },
      ]),
    );
    expect(profile.attributes).toMatchObject({ vip: true, skinType: 'sensitive' });
    expect(profile.channels.map((c) => c.channel)).toEqual(['web']);
    expect(profile.timeline.messages.map((m) => m.text)).toContain('这款面霜适合敏感肌吗');
    for (const secret of SECRETS) expect(res.text).not.toContain(secret);

    // The inbox event that announces the customer's escalation carries the same profile, masked.
    const asked = await shop.send(web, '转人工');
    expect(asked.body.conversation.status).toBe('queued');
    const events = (await agent.call('GET', '/v1/agent/updates?after=0&wait=0')).body.events as {
      type: string;
      data: unknown;
    }[];
    const queued = events.filter((e) => e.type === 'inbox.updated').map((e) => inboxUpdate.parse(e.data));
    expect(queued[0]).toMatchObject({
      change: 'queued',
      conversation: { priority: 1, customer: { vip: true } },
    });
    expect(queued[0]!.profile?.orders[0]?.trackingNumber).toBe('YT9988');
    expect(queued[0]!.profile?.contact.phone).toBe('138****5678');
    expect(queued[0]!.conversation.summary?.sentiment.flags).toContain('vip');
    for (const secret of SECRETS) expect(JSON.stringify(events)).not.toContain(secret);
  });

  it('lets only supervisors unmask, and records every unmasking in the audit log', async () => {
    const agent = await shop.addAgent({ name: '小周', role: 'agent' });
    const denied = await agent.call('POST', `/v1/agent/customers/${customerId}/reveal`, {
      fields: ['phone'],
      reason: '核对收货信息',
    });
    expect([denied.status, codeOf(denied)]).toEqual([403, 'role_forbidden']);

    const supervisor = await shop.addAgent({ name: '李主管', role: 'supervisor' });
    const shown = revealAnswer.parse(
      (
        await supervisor.call('POST', `/v1/agent/customers/${customerId}/reveal`, {
          fields: ['phone', 'address', 'identities'],
          orderId: '20240518001',
          reason: '客户要求修改收货地址',
        })
      ).body,
    );
    // Phones are kept in E.164.
    expect(shown.contact).toEqual({ phone: `+86${PHONE}`, address: ADDRESS });
    expect(shown.identities).toEqual(
      expect.arrayContaining([{ kind: 'phone', value: `+86${TOKEN_PHONE}`, verified: true }]),
    );
    expect(shown.order).toEqual({ id: '20240518001', address: ORDER_ADDRESS, payment: CARD });

    const log = auditList.parse(
      (await api.call('GET', '/v1/audit-log?action=pii.revealed', { token: shop.secretKey })).body,
    );
    expect(log.entries).toHaveLength(1);
    expect(log.entries[0]).toMatchObject({
      id: shown.auditId,
      actor: { type: 'agent', id: supervisor.id },
      subject: { type: 'customer', id: customerId },
      details: {
        fields: ['phone', 'address', 'identities'],
        orderId: '20240518001',
        reason: '客户要求修改收货地址',
        // From where: the request's client address.
        from: expect.any(String),
      },
    });
    for (const secret of SECRETS) expect(JSON.stringify(log)).not.toContain(secret);
    // Agents read the log only as supervisors.
    const notForAgents = await agent.call('GET', '/v1/audit-log');
    expect([notForAgents.status, codeOf(notForAgents)]).toEqual([403, 'role_forbidden']);
    expect((await supervisor.call('GET', '/v1/audit-log')).status).toBe(200);
  });

  it('seals tracked properties with the shopper’s key, yet shows them to agents and the cart as sent', async () => {
    expect(
      (
        await track('order_placed', {
          orderId: 'W-778',
          address: '杭州市西湖区文三路478号',
          receiver: '收件人林晓',
        })
      ).status,
    ).toBe(202);
    await track('add_to_cart', { sku: 'p-velvet-lipstick', quantity: 1, color: '复古红' });
    const fromBackend = await api.call('POST', '/v1/customer-events', {
      token: shop.secretKey,
      body: {
        customer: { externalId: 'user-42' },
        events: [{ name: 'delivery_note', properties: { note: '请放在快递柜' } }],
      },
    });
    expect(fromBackend.status).toBe(202);
    const stored = await api.rows<{ name: string; properties: string }>(
      "select name, properties from customer_events where customer_id = ? and name in ('order_placed', 'delivery_note', 'add_to_cart')",
      [customerId],
    );
    expect(stored.length).toBeGreaterThanOrEqual(3);
    for (const row of stored) expect(JSON.parse(row.properties)).toMatch(/^k1\./);

    const agent = await shop.addAgent({ name: '林客服' });
    const profile = customerProfile.parse(
      (await agent.call('GET', `/v1/agent/customers/${customerId}`)).body,
    );
    expect(profile.recentEvents.slice(0, 3).map((e) => [e.name, e.properties])).toEqual([
      ['delivery_note', { note: '请放在快递柜' }],
      ['add_to_cart', { sku: 'p-velvet-lipstick', quantity: 1, color: '复古红' }],
      ['order_placed', { orderId: 'W-778', address: '杭州市西湖区文三路478号', receiver: '收件人林晓' }],
    ]);
    // order_placed emptied the cart; the line added after it is the cart now.
    expect(profile.cart.map((l) => [l.sku, l.quantity])).toEqual([['p-velvet-lipstick', 1]]);
  });

  it('seals properties tracked before sealing existed, once, when the server starts', async () => {
    await api.rows(
      'insert into customer_events (app_id, customer_id, name, properties, created_at) values (?, ?, ?, ?, ?)',
      [shop.appId, customerId, 'legacy_note', JSON.stringify({ memo: '旧数据里的门牌号' }), Date.now()],
    );
    expect(await sealTrackedEventsInTheClear(api.deps)).toBe(1);
    expect(await sealTrackedEventsInTheClear(api.deps)).toBe(0);
    const [row] = await api.rows<{ properties: string }>(
      "select properties from customer_events where name = 'legacy_note'",
    );
    expect(JSON.parse(row!.properties)).toMatch(/^k1\./);
    const agent = await shop.addAgent({ name: '迁移检查' });
    const profile = customerProfile.parse(
      (await agent.call('GET', `/v1/agent/customers/${customerId}`)).body,
    );
    expect(profile.recentEvents[0]).toMatchObject({
      name: 'legacy_note',
      properties: { memo: '旧数据里的门牌号' },
    });
  });

  it('keeps no phone, address or payment detail in the clear in the libSQL file, its WAL, or the logs', async () => {
    const files = [api.databasePath, `${api.databasePath}-wal`].filter((file) => existsSync(file));
    expect(files).toContain(`${api.databasePath}-wal`);
    const bytes = Buffer.concat(files.map((file) => readFileSync(file)));
    expect(bytes.length).toBeGreaterThan(0);
    // Sanity: what is stored in the clear is findable this way (so the search itself works).
    expect(bytes.includes(Buffer.from('SF1234567890'))).toBe(true);
    expect(bytes.includes(Buffer.from('p-floral-dress'))).toBe(true);
    for (const secret of SECRETS) {
      expect(bytes.includes(Buffer.from(secret, 'utf8')), secret).toBe(false);
      expect(bytes.includes(Buffer.from(secret, 'utf16le')), `${secret} (UTF-16)`).toBe(false);
    }
    for (const secret of SECRETS) expect(logged.join('\n')).not.toContain(secret);
  });

  it('lets the bot tell a shopper where their pushed order is, in their own words, from the latest order or the one they name', async () => {
    const session = await shop.startSession({
      channel: 'miniprogram',
      identityToken: await shop.identityToken('user-parcel'),
    });
    const ask = async (text: string) => {
      const res = await shop.send(session.sessionToken, text);
      expect(res.status).toBe(201);
      return (res.body.replies as { text: string }[]).map((r) => r.text).join('\n');
    };
    // Before the backend pushed anything the bot can only explain how to follow a parcel.
    const before = await ask('我买的东西现在到哪儿了呀');
    expect(before).not.toMatch(/ZT7766554433|中通/);

    await api.call('POST', '/v1/orders', {
      token: shop.secretKey,
      body: {
        customer: { externalId: 'user-parcel' },
        orders: [
          {
            id: 'A2026030101',
            status: '已签收',
            items: [{ productId: 'p-velvet-lipstick', name: '丝绒口红', quantity: 1 }],
            amount: 129,
            trackingNumber: 'YD5566778899',
            carrier: '韵达快递',
            placedAt: '2026-03-01T09:00:00+08:00',
            address: ORDER_ADDRESS,
          },
          {
            id: 'A2026032002',
            status: '运输中',
            items: [{ productId: 'p-floral-dress', name: '碎花连衣裙 S', quantity: 1 }],
            amount: 329,
            trackingNumber: 'ZT7766554433',
            carrier: '中通快递',
            placedAt: '2026-03-20T21:30:00+08:00',
            address: ORDER_ADDRESS,
          },
        ],
      },
    });
    // "Where is it" without a number: the latest order, with its status, carrier and tracking number.
    const latest = await ask('前几天下的单，快递走到哪一步了');
    expect(latest).toContain('ZT7766554433');
    expect(latest).toContain('中通快递');
    expect(latest).toContain('运输中');
    // Named by its number: that order.
    const named = await ask('A2026030101 这个单子的物流到哪了');
    expect(named).toContain('YD5566778899');
    expect(named).toContain('已签收');
    // The shipping address never goes into a bot reply.
    for (const reply of [latest, named]) expect(reply).not.toMatch(/建国路|SOHO/);
  });
});
