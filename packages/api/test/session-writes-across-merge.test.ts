import { conversationStateAnswer, handoffAnswer, sessionAnswer } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymousId, createTestApi, type TestApi, UNLIMITED } from './harness';
import { armWriteRace } from './write-race';

/**
 * A session's customer is read when the request is authenticated. If the visitor signs in (a
 * merge) after that and before the request's write, the write must land on the customer the
 * session now stands for — never under the merged-away id, where nobody sees it again, and never a
 * refusal of something the survivor has. Each case builds that race for real: the request is
 * authenticated, then a real `POST /v1/identify` on the same session commits its merge, and only
 * then does the request's own write start. (writes-across-merge.test.ts covers the send and the
 * bot's slow path.)
 */
let api: TestApi;
let race: ReturnType<typeof armWriteRace>;
beforeAll(async () => {
  api = await createTestApi({ rateLimits: UNLIMITED });
  race = armWriteRace(api);
});
afterAll(() => api.close());

type Shop = Awaited<ReturnType<TestApi['createShop']>>;

/** An anonymous web visitor with a bot conversation, who will sign in as `user` mid-request. */
async function visitor(shop: Shop, user: string) {
  const web = await shop.startSession({ channel: 'web' });
  const sent = await shop.send(web.sessionToken, '你好，想问一下');
  expect(sent.status).toBe(201);
  const merged = { into: '', token: '' };
  return {
    web,
    from: web.customer.id as string,
    conversationId: sent.body.conversation.id as string,
    merged,
    /**
     * Runs `request` (authenticated as the visitor still is); the sign-in commits after its
     * authentication, before its first write.
     */
    async duringMerge<T>(request: () => Promise<T>): Promise<T> {
      const merge = async () => {
        const identified = await shop.identify(web.sessionToken, await shop.identityToken(user));
        expect(identified.status, identified.text).toBe(200);
        expect(identified.body.merged).toBe(true);
        merged.into = identified.body.customer.id as string;
        merged.token = identified.body.sessionToken as string;
      };
      const answer = await race.beforeFirstWrite(merge, request);
      // The merge did run in the window, and it made a different customer survive.
      expect(merged.into).not.toBe('');
      expect(merged.into).not.toBe(web.customer.id);
      return answer;
    },
  };
}

const count = async (table: string, customerId: string) =>
  Number(
    (
      await api.rows<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE customer_id = ?`, [customerId])
    )[0]!.n,
  );

/** Nothing is left under the merged-away id in any table a session write fills. */
async function nothingLeftUnder(from: string) {
  for (const table of [
    'conversations',
    'messages',
    'events',
    'customer_events',
    'csat_ratings',
    'handoff_codes',
  ])
    expect(await count(table, from), table).toBe(0);
}

describe('session writes authenticated before a sign-in merge that commits before them', () => {
  it('POST /v1/track: the event and the consent it carries are the survivor’s', async () => {
    const shop = await api.createShop();
    const v = await visitor(shop, 'user-track');
    const viewed = await v.duringMerge(() =>
      api.call('POST', '/v1/track', {
        token: v.web.sessionToken,
        body: { name: 'product_view', properties: { productId: 'SKU-CREAM' } },
      }),
    );
    expect(viewed.status, viewed.text).toBe(202);
    // A second visitor whose opt-out races the sign-in: the survivor must stop getting marketing.
    const w = await visitor(shop, 'user-opt-out');
    const optOut = await w.duringMerge(() =>
      api.call('POST', '/v1/track', { token: w.web.sessionToken, body: { name: 'marketing_opt_out' } }),
    );
    expect(optOut.status, optOut.text).toBe(202);

    for (const x of [v, w]) await nothingLeftUnder(x.from);
    expect(await api.rows('SELECT name FROM customer_events WHERE customer_id = ?', [v.merged.into])).toEqual(
      [{ name: 'product_view' }],
    );
    expect(await api.rows('SELECT name FROM customer_events WHERE customer_id = ?', [w.merged.into])).toEqual(
      [{ name: 'marketing_opt_out' }],
    );
    const [survivor] = await api.rows<{ attributes: string }>(
      'SELECT attributes FROM customers WHERE id = ?',
      [w.merged.into],
    );
    expect(JSON.parse(survivor!.attributes)).toMatchObject({ marketingOptOut: true });
    // The tracked properties (sealed) are readable in the survivor's profile export.
    const exported = await api.call('GET', `/v1/customers/${v.merged.into}/export`, {
      token: shop.secretKey,
    });
    expect(exported.status, exported.text).toBe(200);
    expect(exported.text).toContain('SKU-CREAM');
  });

  it('POST /v1/escalate: the survivor’s conversation is queued, no new one opens', async () => {
    const shop = await api.createShop();
    const v = await visitor(shop, 'user-escalate');
    const escalated = await v.duringMerge(() =>
      api.call('POST', '/v1/escalate', { token: v.web.sessionToken, body: { reason: '想找人工确认换货' } }),
    );
    expect(escalated.status, escalated.text).toBe(200);
    expect(escalated.body.conversation).toEqual({ id: v.conversationId, status: 'queued' });
    await nothingLeftUnder(v.from);
    expect(
      await api.rows("SELECT id, status FROM conversations WHERE customer_id = ? AND status <> 'resolved'", [
        v.merged.into,
      ]),
    ).toEqual([{ id: v.conversationId, status: 'queued' }]);
    const state = conversationStateAnswer.parse(
      (await api.call('GET', '/v1/conversation', { token: v.merged.token })).body,
    );
    expect(state.conversation).toMatchObject({ id: v.conversationId, status: 'queued' });
  });

  it('POST /v1/conversation/bot: the survivor’s queued conversation goes back to the bot', async () => {
    const shop = await api.createShop();
    const v = await visitor(shop, 'user-back-to-bot');
    expect((await api.call('POST', '/v1/escalate', { token: v.web.sessionToken, body: {} })).status).toBe(
      200,
    );
    const back = await v.duringMerge(() =>
      api.call('POST', '/v1/conversation/bot', { token: v.web.sessionToken }),
    );
    expect(back.status, back.text).toBe(200);
    expect(back.body.conversation).toEqual({ id: v.conversationId, status: 'bot' });
    await nothingLeftUnder(v.from);
    expect(await api.rows('SELECT status FROM conversations WHERE id = ?', [v.conversationId])).toEqual([
      { status: 'bot' },
    ]);
  });

  it('POST /v1/csat: the rating is stored, counted and announced as the survivor’s', async () => {
    const shop = await api.createShop();
    const agent = await shop.addAgent({ name: 'Ada', role: 'agent', capacity: 5 });
    await agent.presence('online');
    const v = await visitor(shop, 'user-csat');
    expect((await api.call('POST', '/v1/escalate', { token: v.web.sessionToken, body: {} })).status).toBe(
      200,
    );
    // Routed to the one agent online, or claimed now.
    await agent.call('POST', `/v1/agent/conversations/${v.conversationId}/claim`);
    const resolved = await agent.call('POST', `/v1/agent/conversations/${v.conversationId}/resolve`);
    expect(resolved.status, resolved.text).toBe(200);

    const rated = await v.duringMerge(() =>
      api.call('POST', '/v1/csat', {
        token: v.web.sessionToken,
        body: { conversationId: v.conversationId, rating: 4, comment: '很耐心' },
      }),
    );
    expect(rated.status, rated.text).toBe(201);
    expect(rated.body).toMatchObject({
      conversationId: v.conversationId,
      csat: { rating: 4, comment: '很耐心' },
    });
    await nothingLeftUnder(v.from);
    expect(
      await api.rows('SELECT customer_id, agent_id, rating FROM csat_ratings WHERE conversation_id = ?', [
        v.conversationId,
      ]),
    ).toEqual([{ customer_id: v.merged.into, agent_id: agent.id, rating: 4 }]);
    expect(
      await api.rows("SELECT count(*) AS n FROM events WHERE customer_id = ? AND type = 'csat.created'", [
        v.merged.into,
      ]),
    ).toEqual([{ n: 1 }]);
    const insights = await api.call('GET', '/v1/insights/csat', { token: shop.secretKey });
    expect(insights.body.total).toMatchObject({ responses: 1, average: 4 });
    expect(insights.body.recent).toMatchObject([{ conversationId: v.conversationId, comment: '很耐心' }]);
  });

  it('POST /v1/handoffs: the code is the survivor’s, for its conversation, and continues it', async () => {
    const shop = await api.createShop();
    const v = await visitor(shop, 'user-handoff');
    const created = await v.duringMerge(() =>
      api.call('POST', '/v1/handoffs', { token: v.web.sessionToken, body: { toChannel: 'app' } }),
    );
    expect(created.status, created.text).toBe(201);
    const { code } = handoffAnswer.parse(created.body);
    await nothingLeftUnder(v.from);
    expect(
      await api.rows(
        'SELECT customer_id, conversation_id, from_channel FROM handoff_codes WHERE app_id = ?',
        [shop.appId],
      ),
    ).toEqual([{ customer_id: v.merged.into, conversation_id: v.conversationId, from_channel: 'web' }]);

    const claimed = await api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      body: { channel: 'app', anonymousId: anonymousId(), handoffCode: code },
    });
    expect(claimed.status, claimed.text).toBe(201);
    const session = sessionAnswer.parse(claimed.body);
    expect(session.customer.id).toBe(v.merged.into);
    expect(session.handoff?.conversationId).toBe(v.conversationId);
    expect(await api.rows('SELECT last_channel FROM conversations WHERE id = ?', [v.conversationId])).toEqual(
      [{ last_channel: 'app' }],
    );
  });

  it('a handoff code redeemed while its customer is merged away moves the survivor’s conversation', async () => {
    const shop = await api.createShop();
    const v = await visitor(shop, 'user-redeem');
    const created = await api.call('POST', '/v1/handoffs', {
      token: v.web.sessionToken,
      body: { toChannel: 'app' },
    });
    expect(created.status, created.text).toBe(201);
    const { code } = handoffAnswer.parse(created.body);
    // The code is looked up (as the merged-away customer's) before the claim's write; the sign-in
    // commits in between and moves the code and the conversation to the survivor.
    const claimed = await v.duringMerge(() =>
      api.call('POST', '/v1/sessions', {
        token: shop.publishableKey,
        body: { channel: 'app', anonymousId: anonymousId(), handoffCode: code },
      }),
    );
    expect(claimed.status, claimed.text).toBe(201);
    const session = sessionAnswer.parse(claimed.body);
    expect(session.customer.id).toBe(v.merged.into);
    expect(session.handoff?.conversationId).toBe(v.conversationId);
    await nothingLeftUnder(v.from);
    // The claim moved the conversation to the new channel and told the survivor's sessions.
    expect(await api.rows('SELECT last_channel FROM conversations WHERE id = ?', [v.conversationId])).toEqual(
      [{ last_channel: 'app' }],
    );
    const polled = await api.call('GET', '/v1/updates?after=0&wait=0', { token: v.merged.token });
    expect(polled.status, polled.text).toBe(200);
    expect(
      (polled.body.events as { type: string; data: { id?: string; channel?: string } }[]).filter(
        (e) => e.type === 'conversation.updated' && e.data.channel === 'app',
      ),
    ).toMatchObject([{ data: { id: v.conversationId } }]);
    expect(
      await api.rows('SELECT customer_id, claimed_by_session_id FROM handoff_codes WHERE app_id = ?', [
        shop.appId,
      ]),
    ).toEqual([{ customer_id: v.merged.into, claimed_by_session_id: session.session.id }]);
  });
});
