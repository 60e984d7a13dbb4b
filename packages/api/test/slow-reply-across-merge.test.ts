import { timelinePage } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Responder } from '../src/conversations';
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
