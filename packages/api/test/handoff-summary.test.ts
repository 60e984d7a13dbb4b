import { handoffSummary, phoneCallAnswer, sessionAnswer } from '@threadline/sdk-core/protocol';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHandoffSummary } from '../src/conversations/handoff-summary';
import { conversations } from '../src/db/schema';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { anonymousId, createTestApi, type TestApi, UNLIMITED } from './harness';

describe('the handoff summary travels with the conversation', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.close());

  it('carries channels, products, orders, bot answers, tickets and mood to the next channel and the phone', async () => {
    const shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    const token = await shop.identityToken('user-51', { phone: '+86 138 0013 8000' });

    // On the phone line first, then on the web.
    const phone = await shop.channelMessage('phone', { externalId: 'user-51' }, '玻尿酸面霜保质期多久');
    expect(phone.status).toBe(201);
    expect(phone.body.replies[0]?.meta?.productId).toBe('p-hyaluronic-cream');
    const web = await shop.startSession({ channel: 'web', identityToken: token });
    expect((await shop.send(web.sessionToken, '订单LY20240601123还没发货吧')).status).toBe(201);

    const code = await api.call('POST', '/v1/handoffs', {
      token: web.sessionToken,
      body: { toChannel: 'app' },
    });
    expect(code.status).toBe(201);
    const app = await api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      body: { channel: 'app', anonymousId: anonymousId(), handoffCode: code.body.code },
    });
    expect(app.status).toBe(201);
    const summary = handoffSummary.parse(sessionAnswer.parse(app.body).handoff?.summary);
    expect(summary).toMatchObject({
      reason: 'channel_handoff',
      fromChannel: 'web',
      toChannel: 'app',
      conversationId: app.body.conversation.id,
    });
    expect(summary.channels).toEqual(['phone', 'web', 'app']);
    expect(summary.products).toContainEqual({ id: 'p-hyaluronic-cream', name: '澜悦玻尿酸水润保湿面霜' });
    expect(summary.orderIds).toContain('LY20240601123');
    expect(summary.intents).toEqual(expect.arrayContaining(['shelf_life']));
    expect(summary.botAnswered.length).toBeGreaterThan(0);
    expect(summary.lastCustomerMessage).toMatchObject({
      channel: 'web',
      text: '订单LY20240601123还没发货吧',
    });
    expect(summary.sentiment).toEqual({ negativeMessages: 0, flags: [] });

    // An unhappy shopper asks for a person in the app; the summary is refreshed for the agent.
    await shop.send(app.body.sessionToken, '太差了，等了这么久，我要投诉');
    const escalated = await api.call('POST', '/v1/escalate', { token: app.body.sessionToken, body: {} });
    expect(escalated.body.conversation.status).toBe('queued');

    // The same shopper then calls: the screen-pop reads the summary first.
    const call = await api.call('POST', '/v1/channels/phone/calls', {
      token: shop.secretKey,
      body: { from: { phone: '+86 138 0013 8000' } },
    });
    expect(call.status).toBe(200);
    const popped = phoneCallAnswer.parse(call.body).context.summary!;
    expect(popped.reason).toBe('screen_pop');
    expect(popped.status).toBe('queued');
    expect(popped.sentiment.negativeMessages).toBe(1);
    expect(popped.sentiment.flags).toContain('negative');
    expect(popped.orderIds).toContain('LY20240601123');
    expect(popped.messageCount).toBe(call.body.context.recentMessages.length);
  });

  it('is kept on the conversation when the bot hands over to a human', async () => {
    const shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    const web = await shop.startSession({ channel: 'web' });
    await shop.send(web.sessionToken, '玻尿酸面霜保质期多久');
    const handover = await shop.send(web.sessionToken, '转人工');
    expect(handover.body.conversation.status).toBe('queued');
    const [row] = await api.database.db
      .select({ summary: conversations.summary })
      .from(conversations)
      .where(eq(conversations.id, handover.body.conversation.id));
    const summary = handoffSummary.parse(row?.summary);
    expect(summary).toMatchObject({ reason: 'escalation', fromChannel: 'web', status: 'queued' });
    expect(summary.sentiment.flags).toContain('asked_for_human');
    expect(summary.products.map((p) => p.id)).toContain('p-hyaluronic-cream');
  });

  it('a conversation with nothing open has no summary on the phone', async () => {
    const shop = await api.createShop();
    const call = await api.call('POST', '/v1/channels/phone/calls', {
      token: shop.secretKey,
      body: { from: { phone: '13900000000' } },
    });
    expect(call.status).toBe(200);
    expect(call.body.context.summary).toBeNull();
  });
});

describe('the handoff summary of a long conversation', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ rateLimits: UNLIMITED });
  });
  afterAll(() => api.close());

  it("reads the latest messages, so the agent sees the shopper's last words however long the thread", async () => {
    const shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    const from = { externalId: 'long-thread-shopper' };
    // 130 questions and their 130 answers: more than the 200 messages a summary reads.
    for (let i = 0; i < 129; i++) {
      const sent = await shop.channelMessage('web', from, `第${i + 1}个问题：面霜保质期多久`);
      expect(sent.status).toBe(201);
    }
    const last = await shop.channelMessage('phone', from, '快递三天没动了，到底什么时候到');
    expect(last.status).toBe(201);
    const [conversation] = await api.deps.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, last.body.conversation.id));
    const summary = await buildHandoffSummary(api.deps, api.deps.database.db, conversation!, {
      reason: 'escalation',
      now: api.deps.clock.now(),
    });
    const stored = await api.rows<{ n: number }>(
      'select count(*) as n from messages where conversation_id = ?',
      [conversation!.id],
    );
    expect(stored[0]!.n).toBeGreaterThan(200);
    expect(summary.messageCount).toBe(stored[0]!.n);
    expect(summary.lastCustomerMessage).toMatchObject({
      channel: 'phone',
      text: '快递三天没动了，到底什么时候到',
    });
    expect(summary.channels).toEqual(['web', 'phone']);
  });
});
