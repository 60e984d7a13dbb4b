import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

/**
 * Topics a customer raises while an agent holds the conversation (or while it waits for one) are
 * contacts for the repeat-contact rate and intent trends: the bot does not answer them, so the send
 * labels the customer's message with the engine's intent, and the fold's rule 6 counts a new intent
 * once and never counts again the matter the conversation was escalated with.
 */
let api: TestApi;
let shop: Awaited<ReturnType<TestApi['createShop']>>;

beforeAll(async () => {
  api = await createTestApi({ rateLimits: UNLIMITED });
  shop = await api.createShop({ settings: { timeZone: 'Asia/Shanghai' } });
  await seedDemoStore(api.app.deps, shop.appId);
}, 60_000);
afterAll(() => api?.close());

const RETURNS = '收到的衣服不合适，怎么退货？';
const DELIVERY = '我的快递到哪了，什么时候能到？';

type Row = { channel: string | null; contacts: number; repeatContacts: number };
const totals = async () => {
  const res = await api.call('GET', '/v1/insights/metrics?period=all', { token: shop.secretKey });
  expect(res.status).toBe(200);
  return res.body.rows.find((r: Row) => r.channel === null) as Row;
};
const intentTotals = async () => {
  const res = await api.call('GET', '/v1/insights/intents?period=all', { token: shop.secretKey });
  expect(res.status).toBe(200);
  return Object.fromEntries(
    (res.body.intents as { intent: string; channel: string | null; total: number }[])
      .filter((x) => x.channel === null)
      .map((x) => [x.intent, x.total]),
  );
};

describe('insights: topics raised while an agent holds the conversation', () => {
  it('counts a new topic told to the agent as a contact, and the escalated matter once', async () => {
    // What the bot calls these two questions (the labels the agent-time messages must get).
    const probe = await shop.startSession({ channel: 'web' });
    const intentOf = async (text: string) =>
      ((await shop.send(probe.sessionToken, text)).body.replies as { intent?: string }[]).find(
        (r) => r.intent,
      )?.intent;
    const returns = await intentOf(RETURNS);
    const delivery = await intentOf(DELIVERY);
    expect(returns).toBeTruthy();
    expect(delivery).toBeTruthy();
    expect(delivery).not.toBe(returns);
    const before = await totals();
    const beforeIntents = await intentTotals();

    // Another shopper asks the bot about a return, asks for a person, and, while the agent holds
    // the conversation, asks about the return again and raises the delivery.
    const agent = await shop.addAgent({ name: 'Ada', role: 'agent', capacity: 5 });
    expect((await agent.presence('online')).status).toBeLessThan(300);
    const session = await shop.startSession({ channel: 'web' });
    const { cursor } = (await api.call('GET', '/v1/updates?wait=0', { token: session.sessionToken })).body;
    await shop.send(session.sessionToken, RETURNS);
    const asked = await shop.send(session.sessionToken, '转人工');
    expect(asked.body.conversation.status).toBe('assigned');
    for (const text of [RETURNS, DELIVERY, DELIVERY]) {
      const sent = await shop.send(session.sessionToken, text);
      expect(sent.status).toBe(201);
      // The bot stays quiet while the agent holds it.
      expect(sent.body.replies).toEqual([]);
      // The label is staff analytics: the shopper's own answer does not carry it.
      expect(sent.body.message).not.toHaveProperty('intent');
    }

    const after = await totals();
    // The return (raised with the bot, then again with the agent) once; the delivery once.
    expect(after.contacts - before.contacts).toBe(2);
    expect(after.repeatContacts - before.repeatContacts).toBe(0);
    const afterIntents = await intentTotals();
    expect((afterIntents[returns!] ?? 0) - (beforeIntents[returns!] ?? 0)).toBe(1);
    expect((afterIntents[delivery!] ?? 0) - (beforeIntents[delivery!] ?? 0)).toBe(1);

    // The labels are on the customer's own messages (the bot wrote nothing during agent time).
    const labelled = await api.rows<{ intent: string }>(
      `SELECT intent FROM messages WHERE conversation_id = ? AND author_type = 'customer' AND intent IS NOT NULL ORDER BY seq`,
      [asked.body.conversation.id],
    );
    expect(labelled.map((r) => r.intent)).toEqual([returns, delivery, delivery]);

    // Nor do the shopper's timeline and stream (their resume read the same rows); bot replies keep
    // theirs. The agent's view of the conversation shows the labels.
    type Shown = { author: { type: string }; intent?: string };
    const timeline = (await api.call('GET', '/v1/timeline', { token: session.sessionToken })).body
      .messages as Shown[];
    const streamed = (
      (await api.call('GET', `/v1/updates?after=${cursor}&wait=0`, { token: session.sessionToken })).body
        .events as { type: string; data: Shown }[]
    )
      .filter((e) => e.type === 'message.created')
      .map((e) => e.data);
    for (const shown of [timeline, streamed]) {
      expect(shown.filter((m) => m.author.type === 'customer')).toHaveLength(5);
      for (const m of shown.filter((x) => x.author.type === 'customer'))
        expect(m).not.toHaveProperty('intent');
      expect(shown.some((m) => m.author.type === 'bot' && m.intent)).toBe(true);
    }
    const seen = (await agent.call('GET', `/v1/agent/conversations/${asked.body.conversation.id}/timeline`))
      .body.messages as Shown[];
    expect(seen.filter((m) => m.author.type === 'customer' && m.intent).map((m) => m.intent)).toEqual([
      returns,
      delivery,
      delivery,
    ]);
  });
});
