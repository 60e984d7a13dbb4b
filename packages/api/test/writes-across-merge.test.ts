import { timelinePage } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postCustomerMessage, type Responder } from '../src/conversations';
import { recordUnanswered } from '../src/insights/unanswered';
import { openOrUpdateTicket } from '../src/tickets';
import { createTestApi, type TestApi } from './harness';

/**
 * A reply answered after the commit (the slow path: an LLM, a ticket) while the customer is merged
 * into another one: the reply must follow the conversation to the customer it now belongs to — on
 * the timeline, the stream and a retried send — never stay behind under the merged-away id.
 */
describe('a slow bot reply while the customer is merged', () => {
  let api: TestApi;
  let release: () => void = () => {};
  let asked: () => void = () => {};
  const thinking = new Promise<void>((resolve) => {
    asked = resolve;
  });
  // No `prepare`: every answer goes through `respond`, after the customer's message committed.
  const responder: Responder = {
    async respond() {
      asked();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return { replies: [{ text: 'the slow answer', intent: 'shelf_life' }] };
    },
  };
  beforeAll(async () => {
    api = await createTestApi({ responder });
  });
  afterAll(() => api.close());

  it('is stored, streamed and replayed under the customer the conversation moved to', async () => {
    const shop = await api.createShop();
    const web = await shop.startSession({ channel: 'web' });
    const sending = shop.send(web.sessionToken, '面霜保质期多久？', 'slow-merge-0001');
    await thinking;
    // The bot is thinking; meanwhile the visitor signs in and is merged into their account.
    const identified = await shop.identify(web.sessionToken, await shop.identityToken('user-slow-merge'));
    expect(identified.status).toBe(200);
    expect(identified.body.merged).toBe(true);
    const into = identified.body.customer.id as string;
    const token = identified.body.sessionToken as string;
    expect(into).not.toBe(web.customer.id);
    release();
    const sent = await sending;
    expect(sent.status).toBe(201);
    const messageId = sent.body.message.id as string;
    const replyIds = (sent.body.replies as { id: string }[]).map((r) => r.id);
    expect(replyIds).toHaveLength(1);

    // Stored and logged under the customer the conversation belongs to now.
    expect(await api.rows('SELECT customer_id FROM messages WHERE in_reply_to = ?', [messageId])).toEqual([
      { customer_id: into },
    ]);
    expect(
      await api.rows('SELECT count(*) AS n FROM events WHERE customer_id = ?', [web.customer.id]),
    ).toEqual([{ n: 0 }]);

    // The signed-in customer sees question and answer, on the timeline and on a resumed stream.
    const timeline = timelinePage.parse((await api.call('GET', '/v1/timeline', { token })).body);
    expect(timeline.messages.map((m) => m.text)).toEqual(['面霜保质期多久？', 'the slow answer']);
    const polled = await api.call('GET', '/v1/updates?after=0&wait=0', { token });
    expect(polled.status, polled.text).toBe(200);
    const streamed = (polled.body.events as { type: string; data: { id: string } }[])
      .filter((e) => e.type === 'message.created')
      .map((e) => e.data.id);
    expect(streamed).toEqual([messageId, ...replyIds]);

    // A retry of the same send returns exactly the first result, replies included.
    const retry = await shop.send(token, '面霜保质期多久？', 'slow-merge-0001');
    expect(retry.status).toBe(201);
    expect(retry.body.message.id).toBe(messageId);
    expect((retry.body.replies as { id: string }[]).map((r) => r.id)).toEqual(replyIds);
    expect(await api.rows('SELECT count(*) AS n FROM messages WHERE in_reply_to = ?', [messageId])).toEqual([
      { n: 1 },
    ]);
  });
});

/**
 * The same kind, for every write that decides its customer before it takes the write lock: a send
 * authenticated before a merge, and what the bot records after the send's commit (a ticket, an
 * unanswered question). Each is called here with the merged-away id, as it would be in that window.
 */
describe('writes decided before a merge that commit after it', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.close());

  async function mergedVisitor() {
    const shop = await api.createShop();
    const web = await shop.startSession({ channel: 'web' });
    expect((await shop.send(web.sessionToken, '你好')).status).toBe(201);
    const identified = await shop.identify(web.sessionToken, await shop.identityToken('user-late-writes'));
    expect(identified.body.merged).toBe(true);
    return {
      shop,
      from: web.customer.id as string,
      into: identified.body.customer.id as string,
      token: identified.body.sessionToken as string,
    };
  }
  const count = async (table: string, customerId: string) =>
    Number(
      (
        await api.rows<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE customer_id = ?`, [
          customerId,
        ])
      )[0]!.n,
    );

  it('a send lands in the survivor’s conversation, timeline and retry', async () => {
    const { shop, from, into, token } = await mergedVisitor();
    const [intoOpen] = await api.rows<{ id: string }>(
      "SELECT id FROM conversations WHERE customer_id = ? AND status <> 'resolved'",
      [into],
    );
    const late = await postCustomerMessage(api.app.deps, {
      appId: shop.appId,
      customerId: from,
      channel: 'web',
      text: 'sent just as I signed in',
      clientMessageId: 'late-send-0001',
    });
    expect(late.message.customerId).toBe(into);
    expect(late.conversation.id).toBe(intoOpen!.id);
    for (const table of ['messages', 'conversations', 'events'])
      expect(await count(table, from), table).toBe(0);
    const timeline = timelinePage.parse((await api.call('GET', '/v1/timeline', { token })).body);
    expect(timeline.messages.filter((m) => m.author.type === 'customer').map((m) => m.text)).toEqual([
      '你好',
      'sent just as I signed in',
    ]);
    // Its retry, from either id, is the same message.
    const retry = await shop.send(token, 'sent just as I signed in', 'late-send-0001');
    expect(retry.body.message.id).toBe(late.message.id);
    expect(
      await api.rows('SELECT customer_id FROM messages WHERE client_message_id = ?', ['late-send-0001']),
    ).toEqual([{ customer_id: into }]);
  });

  it('a ticket and an unanswered question recorded after the merge are the survivor’s', async () => {
    const { shop, from, into } = await mergedVisitor();
    const draft = {
      type: 'exchange',
      intent: 'exchange_size',
      orderId: null,
      productId: null,
      reason: null,
      wantedSize: 'L',
    };
    const opened = await openOrUpdateTicket(api.app.deps, {
      appId: shop.appId,
      customerId: from,
      conversationId: null,
      channel: 'web',
      draft,
      text: '想换大一码',
    });
    expect(opened).toMatchObject({ created: true, ticket: { customerId: into } });
    // The same matter again finds that ticket (the survivor's open tickets), not a second one.
    const again = await openOrUpdateTicket(api.app.deps, {
      appId: shop.appId,
      customerId: from,
      conversationId: null,
      channel: 'web',
      draft: { ...draft, orderId: 'SO-1001' },
      text: '订单 SO-1001',
    });
    expect(again).toMatchObject({ created: false, ticket: { id: opened.ticket.id, orderId: 'SO-1001' } });
    await recordUnanswered(api.app.deps, {
      appId: shop.appId,
      customerId: from,
      conversationId: null,
      channel: 'web',
      text: '你们的仓库在哪个城市',
      kind: 'out_of_scope',
      confidence: 0.1,
      bestIntent: null,
      bestArticleId: null,
    });
    for (const table of ['tickets', 'unanswered_questions', 'events']) {
      expect(await count(table, from), table).toBe(0);
      expect(await count(table, into), table).toBeGreaterThan(0);
    }
  });
});
