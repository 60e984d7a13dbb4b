import {
  cannedRepliesAnswer,
  conversationStateAnswer,
  csatAnswer,
  csatInsightsAnswer,
  errorEnvelope,
  inboxAnswer,
  inboxRow,
  intentNamesAnswer,
  labelsAnswer,
  snoozeAnswer,
} from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { createTestApi, type TestApi } from './harness';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;
type Agent = Awaited<ReturnType<Shop['addAgent']>>;
const codeOf = (res: { body: unknown }) => errorEnvelope.parse(res.body).error.code;
const searchAnswer = z.object({ conversations: z.array(inboxRow) });

describe('what agents rely on daily: search, canned replies, labels, snooze, CSAT; the shopper’s honest wait', () => {
  let api: TestApi;
  let shop: Shop;
  let agent: Agent;
  let colleague: Agent;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    agent = await shop.addAgent({ name: '王敏', skills: ['returns'], capacity: 3 });
    colleague = await shop.addAgent({ name: '小周', skills: ['returns'], capacity: 3 });
  });
  afterAll(() => api.close());

  /** A signed-in web shopper (phone on file, an order) who asks for a person. */
  let phones = 0;
  async function queuedShopper(userId: string, text = '转人工') {
    const phone = `1391234${String(5000 + phones++).padStart(4, '0')}`;
    // The shop's identity token carries the phone (a verified phone identity, found by its keyed hash).
    const web = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken(userId, { phone }),
    });
    await api.call('POST', '/v1/customers', {
      token: shop.secretKey,
      body: { customer: { externalId: userId }, name: `顾客 ${userId}`, phone },
    });
    await api.call('POST', '/v1/orders', {
      token: shop.secretKey,
      body: {
        customer: { externalId: userId },
        orders: [
          { id: `ORD-${userId}`, status: 'paid', items: [{ name: '面霜', quantity: 1 }], amount: 199 },
        ],
      },
    });
    const sent = await shop.send(web.sessionToken, text);
    expect(sent.status).toBe(201);
    const state = (token = web.sessionToken) =>
      api.call('GET', '/v1/conversation', { token }).then((r) => conversationStateAnswer.parse(r.body));
    return {
      token: web.sessionToken,
      phone,
      customerId: web.customer.id,
      conversationId: sent.body.conversation.id,
      state,
    };
  }

  it('while nobody is online the shopper is told so; the position in the queue follows the serving order; back to the bot works only while waiting', async () => {
    const first = await queuedShopper('wait-1');
    const second = await queuedShopper('wait-2');
    const a = await first.state();
    expect(a.conversation?.status).toBe('queued');
    expect(a.wait).toMatchObject({ position: 1, agentsOnline: 0 });
    expect((await second.state()).wait).toMatchObject({ position: 2, agentsOnline: 0 });

    // The first goes back to the bot: the second moves up; the bot answers the first again.
    const back = await api.call('POST', '/v1/conversation/bot', { token: first.token });
    expect(back.status).toBe(200);
    expect(back.body.conversation.status).toBe('bot');
    expect((await second.state()).wait?.position).toBe(1);
    const answered = await shop.send(first.token, '面霜保质期多久');
    expect(answered.body.replies.length).toBeGreaterThan(0);
    expect(answered.body.conversation.status).toBe('bot');

    // An agent comes online and takes the second: now "assigned", with the agent's name, no wait.
    await agent.presence('online');
    const served = await second.state();
    expect(served.conversation).toMatchObject({ status: 'assigned', assignedAgent: { name: '王敏' } });
    expect(served.wait).toBeNull();
    const refused = await api.call('POST', '/v1/conversation/bot', { token: second.token });
    expect(refused.status).toBe(409);
    expect(codeOf(refused)).toBe('agent_is_helping');
    await agent.call('POST', `/v1/agent/conversations/${second.conversationId}/resolve`);
    await agent.presence('offline');
  });

  it('search finds conversations by message text, customer name, user id, full phone number and order id — phones masked', async () => {
    const s = await queuedShopper('search-1', '我的快递一直没到，转人工');
    const find = async (q: string) => {
      const res = await agent.call('GET', `/v1/agent/search?q=${encodeURIComponent(q)}`);
      expect(res.status, `${q}: ${res.text}`).toBe(200);
      return searchAnswer.parse(res.body).conversations;
    };
    const spaced = `${s.phone.slice(0, 3)} ${s.phone.slice(3, 7)} ${s.phone.slice(7)}`;
    for (const q of ['快递一直没到', '顾客 search-1', 'search-1', spaced, 'ORD-search-1'])
      expect(
        (await find(q)).map((c) => c.id),
        q,
      ).toContain(s.conversationId);
    expect(await find('100%_no_such_text')).toEqual([]);
    // A partial phone cannot match an encrypted number; the row never shows it in clear.
    expect((await find(s.phone.slice(3))).map((c) => c.id)).not.toContain(s.conversationId);
    const [found] = await find('ORD-search-1');
    expect(JSON.stringify(found)).not.toContain(s.phone);
    // Another app's agent finds nothing of this shop.
    const other = await api.createShop();
    const stranger = await other.addAgent({ name: 'X' });
    const foreign = await stranger.call('GET', '/v1/agent/search?q=ORD-search-1');
    expect(searchAnswer.parse(foreign.body).conversations).toEqual([]);
  });

  it('canned replies come from the knowledge base, best match first', async () => {
    const answer = cannedRepliesAnswer.parse(
      (await agent.call('GET', `/v1/agent/replies?q=${encodeURIComponent('退货运费谁承担')}`)).body,
    );
    expect(answer.replies.length).toBeGreaterThan(0);
    expect(answer.replies[0]!.answer).toMatch(/运费/);
    const english = cannedRepliesAnswer.parse(
      (await agent.call('GET', `/v1/agent/replies?q=${encodeURIComponent('SPF 防晒')}`)).body,
    );
    expect(english.replies.length).toBeGreaterThan(0);
    expect((await agent.call('GET', '/v1/agent/replies?q=')).status).toBe(400);
  });

  it('names the app’s intents for the console (保质期, not shelf_life)', async () => {
    const answer = intentNamesAnswer.parse((await agent.call('GET', '/v1/agent/intents')).body);
    expect(answer.intents).toEqual(expect.arrayContaining([{ id: 'shelf_life', name: '保质期' }]));
    expect((await api.call('GET', '/v1/agent/intents', {})).status).toBe(401);
  });

  it('labels and snooze travel on the inbox row and live to every console; a customer message wakes a snoozed conversation', async () => {
    const s = await queuedShopper('marks-1');
    await agent.call('POST', `/v1/agent/conversations/${s.conversationId}/claim`);
    const labels = await agent.call('PUT', `/v1/agent/conversations/${s.conversationId}/labels`, {
      labels: ['退货', 'urgent', '退货'],
    });
    expect(labelsAnswer.parse(labels.body).labels).toEqual(['退货', 'urgent']);
    const until = new Date(Date.now() + 3600_000).toISOString();
    const snoozed = snoozeAnswer.parse(
      (await agent.call('POST', `/v1/agent/conversations/${s.conversationId}/snooze`, { until })).body,
    );
    expect(Date.parse(snoozed.snoozedUntil!)).toBe(Date.parse(until));

    const mine = inboxAnswer.parse((await agent.call('GET', '/v1/agent/inbox?view=mine')).body);
    const row = mine.conversations.find((c) => c.id === s.conversationId)!;
    expect(row.labels).toEqual(['退货', 'urgent']);
    expect(row.snoozedUntil).toBe(snoozed.snoozedUntil);

    // Another agent's stream saw the label change as an inbox update.
    const events = (await colleague.call('GET', '/v1/agent/updates?wait=0&after=0')).body.events as {
      type: string;
      data: { conversation?: { id: string; labels?: string[] } };
    }[];
    expect(
      events.some(
        (e) =>
          e.type === 'inbox.updated' &&
          e.data.conversation?.id === s.conversationId &&
          e.data.conversation?.labels?.includes('urgent'),
      ),
    ).toBe(true);

    // The customer writes again: the snooze ends.
    await shop.send(s.token, '还在吗？');
    const woken = inboxAnswer.parse((await agent.call('GET', '/v1/agent/inbox?view=mine')).body);
    expect(woken.conversations.find((c) => c.id === s.conversationId)!.snoozedUntil).toBeNull();

    // Bad snoozes are refused with a clear code.
    for (const bad of [
      new Date(Date.now() - 1000).toISOString(),
      new Date(Date.now() + 40 * 86400_000).toISOString(),
    ]) {
      const refused = await agent.call('POST', `/v1/agent/conversations/${s.conversationId}/snooze`, {
        until: bad,
      });
      expect(refused.status).toBe(400);
    }
    const tooMany = await agent.call('PUT', `/v1/agent/conversations/${s.conversationId}/labels`, {
      labels: Array.from({ length: 21 }, (_, i) => `l${i}`),
    });
    expect(tooMany.status).toBe(400);
    await agent.call('POST', `/v1/agent/conversations/${s.conversationId}/resolve`);
  });

  it('after resolve the shopper rates 1–5 with a comment: stored once, shown on the row, live to agents, reported per channel and agent', async () => {
    const s = await queuedShopper('csat-1');
    // Not yet resolved: nothing to rate.
    const early = await api.call('POST', '/v1/csat', { token: s.token, body: { rating: 5 } });
    expect(early.status).toBe(404);
    const tooEarly = await api.call('POST', '/v1/csat', {
      token: s.token,
      body: { conversationId: s.conversationId, rating: 5 },
    });
    expect(codeOf(tooEarly)).toBe('conversation_not_resolved');

    await agent.call('POST', `/v1/agent/conversations/${s.conversationId}/claim`);
    await agent.call('POST', `/v1/agent/conversations/${s.conversationId}/messages`, {
      text: '已为您处理。',
    });
    await agent.call('POST', `/v1/agent/conversations/${s.conversationId}/resolve`);
    expect((await s.state()).rateable).toEqual({ conversationId: s.conversationId, agentName: '王敏' });

    const rated = await api.call('POST', '/v1/csat', {
      token: s.token,
      body: { rating: 2, comment: '等太久' },
    });
    expect(rated.status).toBe(201);
    expect(csatAnswer.parse(rated.body)).toMatchObject({
      conversationId: s.conversationId,
      csat: { rating: 2 },
    });
    // A retry or a change of mind keeps one rating per conversation: the latest word counts.
    await api.call('POST', '/v1/csat', { token: s.token, body: { rating: 4, comment: '后来很快' } });
    const stored = await api.rows<{ n: number }>(
      'select count(*) as n from csat_ratings where conversation_id = ?',
      [s.conversationId],
    );
    expect(Number(stored[0]!.n)).toBe(1);
    // The comment is the shopper's own words: sealed at rest like their messages.
    const raw = await api.rows<{ comment: string }>(
      'select comment from csat_ratings where conversation_id = ?',
      [s.conversationId],
    );
    expect(raw[0]!.comment).not.toContain('后来很快');
    expect((await s.state()).rateable).toBeNull();

    const all = inboxAnswer.parse((await agent.call('GET', '/v1/agent/inbox?view=resolved')).body);
    expect(all.conversations.find((c) => c.id === s.conversationId)!.csat).toMatchObject({
      rating: 4,
      comment: '后来很快',
    });
    const events = (await colleague.call('GET', '/v1/agent/updates?wait=0&after=0')).body.events as {
      type: string;
      data: any;
    }[];
    expect(events.filter((e) => e.type === 'csat.created').map((e) => e.data.rating)).toEqual([2, 4]);

    const insights = csatInsightsAnswer.parse(
      (await api.call('GET', '/v1/insights/csat', { token: shop.secretKey })).body,
    );
    expect(insights.total).toMatchObject({
      responses: 1,
      average: 4,
      score: 100,
      distribution: [0, 0, 0, 1, 0],
    });
    expect(insights.channels).toEqual([expect.objectContaining({ channel: 'web', responses: 1 })]);
    expect(insights.agents).toEqual([
      expect.objectContaining({ agent: { id: agent.id, name: '王敏' }, responses: 1 }),
    ]);
    const since = encodeURIComponent(new Date(Date.now() + 60_000).toISOString());
    const later = csatInsightsAnswer.parse(
      (await api.call('GET', `/v1/insights/csat?since=${since}`, { token: shop.secretKey })).body,
    );
    // Colleagues' scores and comments are for supervisors and the merchant, not for an agent.
    const refused = await agent.call('GET', `/v1/insights/csat?since=${since}`);
    expect([refused.status, refused.body.error.code]).toEqual([403, 'role_forbidden']);
    expect(later.total.responses).toBe(0);
    // Bad ratings are refused.
    for (const rating of [0, 6, 3.5])
      expect((await api.call('POST', '/v1/csat', { token: s.token, body: { rating } })).status).toBe(400);
  });
});
