import {
  kbImportAnswer,
  message,
  phoneCallAnswer,
  customerTicket as ticketSchema,
  unansweredInsights,
} from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { createTestApi, type TestApi } from './harness';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;

describe('AI answers across channels, with tickets and escalation', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
  });
  afterAll(() => api.close());

  it('answers a livestream "这个保质期多久" with the shelf life of the product discussed on the phone', async () => {
    const phone = await shop.channelMessage(
      'phone',
      { phone: '13800000001' },
      '你们那个气垫粉底我想了解一下',
    );
    expect(phone.status).toBe(201);
    const live = await shop.channelMessage(
      'douyin_live',
      { phone: '13800000001', identity: { kind: 'douyin', value: 'dy-viewer-1' } },
      '主播 这个保质期多久',
    );
    expect(live.status).toBe(201);
    const [reply] = live.body.replies.map((m: unknown) => message.parse(m));
    expect(reply.channel).toBe('douyin_live');
    expect(reply.intent).toBe('shelf_life');
    expect(reply.meta).toMatchObject({ productId: 'p-cushion-foundation', source: 'kb' });
    expect(reply.text).toContain('开封后12个月内用完');
  });

  it('uses the per-channel phrasing of an article', async () => {
    const web = await shop.startSession({ channel: 'web' });
    const onWeb = await shop.send(web.sessionToken, '付款后多久发货');
    const onPhone = await shop.channelMessage('phone', { phone: '13800000002' }, '付款后多久发货');
    expect(onWeb.body.replies[0].meta.articleId).toBe('kb-shipping-time');
    expect(onPhone.body.replies[0].meta.articleId).toBe('kb-shipping-time');
    expect(onPhone.body.replies[0].text).toBe(
      '现货付款后48小时内发货，下午四点前付款一般当天发，周末也发货。',
    );
    expect(onWeb.body.replies[0].text).not.toBe(onPhone.body.replies[0].text);
  });

  it('opens one exchange ticket for "衣服尺码不合适想换大一码", pushed live to the web session', async () => {
    const web = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken('u-ticket'),
    });
    const before = await api.call('GET', '/v1/updates?wait=0', { token: web.sessionToken });
    const cursor = before.body.cursor as string;

    const first = await shop.send(web.sessionToken, '衣服尺码不合适想换大一码');
    expect(first.status).toBe(201);
    expect(first.body.replies[0].intent).toBe('exchange_size');
    const ticketId = first.body.replies[0].meta.ticketId as string;
    expect(ticketId).toMatch(/^tkt_/);

    const updates = await api.call('GET', `/v1/updates?after=${cursor}&wait=1`, { token: web.sessionToken });
    const created = updates.body.events.filter((e: { type: string }) => e.type === 'ticket.created');
    expect(created).toHaveLength(1);
    expect(ticketSchema.parse(created[0].data)).toMatchObject({
      id: ticketId,
      type: 'exchange',
      status: 'open',
      wantedSize: '大一码',
      reason: 'wrong_size',
      channel: 'web',
    });

    // Saying it again, now with the order number, completes the same ticket instead of opening another.
    const again = await shop.send(web.sessionToken, '订单LY20240601123 尺码不合适想换大一码');
    expect(again.body.replies[0].meta.ticketId).toBe(ticketId);
    const list = await api.call('GET', `/v1/tickets?customerId=${web.customer.id}`, {
      token: shop.secretKey,
    });
    expect(list.status).toBe(200);
    expect(list.body.tickets).toHaveLength(1);
    expect(list.body.tickets[0].orderId).toBe('LY20240601123');

    // The phone screen-pop shows it, and an agent can move it along.
    const closed = await api.call('PATCH', `/v1/tickets/${ticketId}`, {
      token: shop.agentToken,
      body: { status: 'in_progress', note: '已联系顾客寄回' },
    });
    expect(closed.status).toBe(200);
    expect(closed.body.ticket.status).toBe('in_progress');
  });

  it('queues the conversation on "转人工" and then stays quiet on every channel', async () => {
    const web = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken('u-human'),
    });
    const asked = await shop.send(web.sessionToken, '转人工');
    expect(asked.body.conversation.status).toBe('queued');
    expect(asked.body.replies).toHaveLength(1);
    expect(asked.body.replies[0].intent).toBe('human_agent');

    const later = await shop.send(web.sessionToken, '保质期多久');
    expect(later.body.replies).toEqual([]);
    const phone = await shop.channelMessage('phone', { externalId: 'u-human' }, '付款后多久发货');
    expect(phone.body.conversation.status).toBe('queued');
    expect(phone.body.replies).toEqual([]);
  });

  it('asks which product when a product question comes without one, and answers once told', async () => {
    const app = await shop.startSession({ channel: 'app' });
    const asked = await shop.send(app.sessionToken, '保质期多久');
    expect(asked.body.replies[0].meta.action).toBe('clarify');
    expect(asked.body.replies[0].text).toContain('哪款');
    const told = await shop.send(app.sessionToken, '每日坚果');
    expect(told.body.replies[0]).toMatchObject({ intent: 'shelf_life', meta: { productId: 'p-daily-nuts' } });
  });

  it('asks with options on unclear turns, offers a person on the second, hands over on the third', async () => {
    const web = await shop.startSession({ channel: 'web' });
    const texts = ['我那个订单的钱怎么还没有', '就是那个事情还没弄', '你们到底弄了没有那个'];
    const turns: { status: string; action: string; options: string[] }[] = [];
    for (const text of texts) {
      const body = (await shop.send(web.sessionToken, text)).body;
      turns.push({
        status: body.conversation.status,
        action: body.replies[0]?.meta?.action,
        options: body.replies[0]?.meta?.quickReplies ?? [],
      });
    }
    expect(turns.map((t) => t.status)).toEqual(['bot', 'bot', 'queued']);
    expect(turns.slice(0, 2).map((t) => t.action)).toEqual(['clarify', 'clarify']);
    expect(turns[0]!.options).not.toContain('转人工');
    expect(turns[1]!.options.at(-1)).toBe('转人工');
  });

  it('declines out-of-scope questions without citing an article, and clusters them for the merchant', async () => {
    const web = await shop.startSession({ channel: 'web' });
    const weather = await shop.send(web.sessionToken, '明天北京会下雨吗');
    expect(weather.body.replies[0].intent).toBeUndefined();
    expect(weather.body.replies[0].meta.articleId).toBeUndefined();
    expect(weather.body.replies[0].meta.source).toBe('fallback');
    await shop.channelMessage(
      'douyin_live',
      { identity: { kind: 'douyin', value: 'dy-2' } },
      '后天北京会下雨吗',
    );

    const insights = await api.call('GET', '/v1/insights/unanswered', { token: shop.secretKey });
    expect(insights.status).toBe(200);
    const body = unansweredInsights.parse(insights.body);
    const rain = body.clusters.find((c) => c.samples.some((s) => s.includes('下雨')));
    expect(rain?.count).toBe(2);
    expect(rain?.channels).toEqual({ web: 1, douyin_live: 1 });
  });

  it('personalises a recommendation with the profile skin type and the cart', async () => {
    const web = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken('u-skin'),
    });
    await api.database.client.execute({
      sql: 'update customers set attributes = ? where id = ?',
      args: [JSON.stringify({ skinType: '干性' }), web.customer.id],
    });
    await api.call('POST', '/v1/track', {
      token: web.sessionToken,
      body: { name: 'add_to_cart', properties: { productId: 'p-hyaluronic-cream' } },
    });
    const reply = (await shop.send(web.sessionToken, '干皮用什么护肤品')).body.replies[0];
    expect(reply.meta.articleId).toBe('kb-routine-dry-skin');
    expect(reply.text).toContain('干性肤质');
    expect(reply.text).toContain('购物车里已有澜悦玻尿酸水润保湿面霜');
  });

  it('uses new knowledge on the next message, without a restart', async () => {
    const web = await shop.startSession({ channel: 'web' });
    const before = await shop.send(web.sessionToken, '你们有线下门店吗');
    expect(before.body.replies[0]?.meta?.articleId).not.toBe('kb-offline-store');
    const created = await api.call('POST', '/v1/kb/articles', {
      token: shop.secretKey,
      body: {
        id: 'kb-offline-store',
        title: '线下门店',
        questions: ['有线下门店吗', '实体店在哪里'],
        answer: '目前只在线上销售，没有线下门店。',
        intent: 'store_info',
      },
    });
    expect(created.status).toBe(201);
    const after = await shop.send(web.sessionToken, '你们有线下门店吗');
    expect(after.body.replies[0].meta.articleId).toBe('kb-offline-store');
    expect(after.body.replies[0].text).toBe('目前只在线上销售，没有线下门店。');
  });

  it('keeps a ticket opened anonymously when the shopper logs in as a known customer', async () => {
    const known = await shop.startSession({
      channel: 'app',
      identityToken: await shop.identityToken('u-merge'),
    });
    const anonymous = await shop.startSession({ channel: 'web' });
    const opened = await shop.send(anonymous.sessionToken, '裤子小了想换大一码');
    const ticketId = opened.body.replies[0].meta.ticketId as string;
    const identified = await api.call('POST', '/v1/identify', {
      token: anonymous.sessionToken,
      body: { identityToken: await shop.identityToken('u-merge') },
    });
    expect(identified.body.customer.id).toBe(known.customer.id);
    const list = await api.call('GET', `/v1/tickets?customerId=${known.customer.id}`, {
      token: shop.secretKey,
    });
    expect(list.body.tickets.map((t: { id: string }) => t.id)).toEqual([ticketId]);
  });

  it('shows open tickets in the phone screen-pop', async () => {
    await shop.channelMessage('app', { phone: '13800000009' }, '裤子太小了想换大一码');
    const pop = await api.call('POST', '/v1/channels/phone/calls', {
      token: shop.secretKey,
      body: { from: { phone: '13800000009' } },
    });
    expect(pop.status).toBe(200);
    const context = phoneCallAnswer.parse(pop.body).context;
    expect(context.openTickets).toHaveLength(1);
    expect(context.openTickets[0]).toMatchObject({ type: 'exchange', status: 'open' });
  });
});

describe('knowledge routes', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  it('imports, lists, reads, updates and deletes knowledge', async () => {
    const imported = await api.call('POST', '/v1/kb/import', {
      token: shop.secretKey,
      body: {
        articles: [{ id: 'a-1', title: '发货', questions: ['多久发货'], answer: '48小时内发货。' }],
        products: [{ id: 'p-1', name: '面霜', aliases: ['霜'], attributes: { shelfLife: '3年' } }],
        intents: [{ id: 'shipping', name: '发货', policy: 'ai', examples: ['什么时候发货'] }],
      },
    });
    expect(imported.status).toBe(200);
    expect(kbImportAnswer.parse(imported.body)).toEqual({
      imported: { articles: 1, products: 1, intents: 1 },
    });
    const update = await api.call('POST', '/v1/kb/articles', {
      token: shop.secretKey,
      body: { id: 'a-1', title: '发货时间', questions: ['多久发货'], answer: '24小时内发货。' },
    });
    expect(update.status).toBe(201);
    const list = await api.call('GET', '/v1/kb/articles', { token: shop.secretKey });
    expect(list.body.articles).toHaveLength(1);
    expect(list.body.articles[0]).toMatchObject({ id: 'a-1', title: '发货时间', answer: '24小时内发货。' });
    expect((await api.call('GET', '/v1/kb/products/p-1', { token: shop.secretKey })).body.product.name).toBe(
      '面霜',
    );
    expect((await api.call('GET', '/v1/kb/intents', { token: shop.secretKey })).body.intents).toHaveLength(1);
    expect((await api.call('DELETE', '/v1/kb/articles/a-1', { token: shop.secretKey })).body).toEqual({
      deleted: true,
    });
    expect((await api.call('GET', '/v1/kb/articles/a-1', { token: shop.secretKey })).status).toBe(404);
  });

  it('takes a knowledge file larger than the global body limit', async () => {
    const articles = Array.from({ length: 400 }, (_, i) => ({
      id: `bulk-${i}`,
      title: `批量文章 ${i}`,
      questions: [`第${i}个问题怎么办`, `关于${i}号商品的问题`],
      answer: '这是一段比较长的回答。'.repeat(20),
    }));
    const body = { articles };
    expect(JSON.stringify(body).length).toBeGreaterThan(64 * 1024);
    const res = await api.call('POST', '/v1/kb/import', { token: shop.secretKey, body });
    expect(res.status).toBe(200);
    expect(res.body.imported.articles).toBe(400);
  });

  it('answers bad input to every knowledge, ticket and insight route with a 4xx envelope', async () => {
    const sk = shop.secretKey;
    const session = await shop.startSession();
    const json = { 'content-type': 'application/json' };
    const cases: [
      string,
      string,
      { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
      number,
    ][] = [
      ['POST', '/v1/kb/articles', { token: sk, body: { title: '', questions: [], answer: 'x' } }, 400],
      [
        'POST',
        '/v1/kb/articles',
        { token: sk, body: { id: '../etc', title: 't', questions: ['q'], answer: 'a' } },
        400,
      ],
      ['POST', '/v1/kb/articles', { token: sk, rawBody: '{not json', headers: json }, 400],
      [
        'POST',
        '/v1/kb/articles',
        { token: session.sessionToken, body: { title: 't', questions: ['q'], answer: 'a' } },
        403,
      ],
      ['POST', '/v1/kb/articles', { body: { title: 't', questions: ['q'], answer: 'a' } }, 401],
      ['POST', '/v1/kb/import', { token: sk, body: { products: [] } }, 400],
      ['POST', '/v1/kb/import', { token: sk, body: { articles: [{ title: 1 }] } }, 400],
      [
        'POST',
        '/v1/kb/import',
        { token: sk, body: { articles: [], intents: [{ id: 'x', name: 'x', policy: 'robot' }] } },
        400,
      ],
      [
        'POST',
        '/v1/kb/import',
        {
          token: sk,
          rawBody: JSON.stringify({ articles: [], pad: 'x'.repeat(6 * 1024 * 1024) }),
          headers: json,
        },
        413,
      ],
      [
        'POST',
        '/v1/kb/articles',
        { token: sk, rawBody: JSON.stringify({ pad: 'x'.repeat(100 * 1024) }), headers: json },
        413,
      ],
      ['POST', '/v1/kb/products', { token: sk, body: { id: 'p', name: 'n', price: -1 } }, 400],
      ['POST', '/v1/kb/intents', { token: sk, body: { id: 'i', name: 'n', examples: 'not a list' } }, 400],
      ['GET', '/v1/kb/articles/nope', { token: sk }, 404],
      ['GET', '/v1/kb/products/%20bad', { token: sk }, 400],
      ['DELETE', '/v1/kb/intents/nope', { token: sk }, 404],
      ['GET', '/v1/tickets?status=lost', { token: sk }, 400],
      ['GET', '/v1/tickets?limit=0', { token: sk }, 400],
      ['GET', '/v1/tickets/tkt_nope', { token: sk }, 404],
      ['PATCH', '/v1/tickets/tkt_nope', { token: sk, body: {} }, 400],
      ['PATCH', '/v1/tickets/tkt_nope', { token: sk, body: { status: 'open' } }, 404],
      ['PATCH', '/v1/tickets/tkt_nope', { token: sk, body: { status: 'gone' } }, 400],
      ['GET', '/v1/tickets', { token: session.sessionToken }, 403],
      ['GET', '/v1/insights/unanswered?since=yesterday', { token: sk }, 400],
      ['GET', '/v1/insights/unanswered?limit=1000', { token: sk }, 400],
      ['GET', '/v1/insights/unanswered', {}, 401],
    ];
    for (const [method, path, options, status] of cases) {
      const res = await api.call(method, path, options);
      expect({ method, path, status: res.status }).toEqual({ method, path, status });
      expect(res.body.error.code).toMatch(/^[a-z_]+$/);
      expect(typeof res.body.error.message).toBe('string');
    }
  });
});
