import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentResponder } from '../src/conversations';
import type { Logger } from '../src/platform/deps';
import { createTestApi, type TestApi } from './harness';

/**
 * The event log keeps `message.created` as a reference; the payload is built from the message row
 * when a feed reads it. One bad row — written by hand, by a bad migration — must cost only itself:
 * it is left out and logged, and every other event of the feed (before it and after it) is still
 * delivered, on the customer's long-poll and on the agents' feed, and the cursor moves on.
 */
const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
const logger: Logger = {
  info() {},
  warn: (message, fields) => warnings.push({ message, fields }),
  error() {},
};

let api: TestApi;
beforeAll(async () => {
  // No bot: only the rows under test are read (a bot would also read the conversation's history).
  api = await createTestApi({ logger, responder: silentResponder });
});
afterAll(() => api.close());

type Polled = { events: { id: number; type: string; data: { id?: string } }[]; cursor: string };
const messageIds = (polled: Polled) =>
  polled.events.filter((e) => e.type === 'message.created').map((e) => e.data.id);

describe('a bad referenced row in the event feed', () => {
  it('is left out and logged; the rest of the feed is delivered', async () => {
    const shop = await api.createShop();
    const agent = await shop.addAgent({ name: 'Ada', role: 'agent', capacity: 5 });
    const web = await shop.startSession({ channel: 'web' });
    const first = await shop.send(web.sessionToken, '第一句');
    expect(first.status).toBe(201);
    const conversationId = first.body.conversation.id as string;
    const customerId = web.customer.id as string;
    const poll = async (after: string | number) => {
      const res = await api.call('GET', `/v1/updates?after=${after}&wait=0`, { token: web.sessionToken });
      expect(res.status, res.text).toBe(200);
      return res.body as Polled;
    };
    const pollAgents = async (after: string | number) => {
      const res = await agent.call('GET', `/v1/agent/updates?after=${after}&wait=0`);
      expect(res.status, res.text).toBe(200);
      return res.body as Polled;
    };
    const before = await poll(0);
    const shownBefore = messageIds(before);
    expect(shownBefore.length).toBeGreaterThan(0);

    // Three referenced rows, each broken another way, put in by raw SQL with their log rows; and
    // one log row whose own data is not JSON.
    const now = Date.now();
    const bad = [
      { id: 'msg_bad_author', authorType: 'robot', meta: null, createdAt: now },
      { id: 'msg_bad_meta', authorType: 'bot', meta: '{not json', createdAt: now },
      { id: 'msg_bad_date', authorType: 'bot', meta: null, createdAt: 'yesterday' },
    ];
    for (const row of bad) {
      await api.rows(
        `INSERT INTO messages (id, app_id, customer_id, conversation_id, channel, author_type, text, meta, created_at)
         VALUES (?, ?, ?, ?, 'web', ?, 'broken row', ?, ?)`,
        [row.id, shop.appId, customerId, conversationId, row.authorType, row.meta, row.createdAt],
      );
      await api.rows(
        `INSERT INTO events (app_id, customer_id, type, data, audience, created_at)
         VALUES (?, ?, 'message.created', ?, 'customer', ?)`,
        [shop.appId, customerId, JSON.stringify({ $message: row.id }), now],
      );
    }
    await api.rows(
      `INSERT INTO events (app_id, customer_id, type, data, audience, created_at)
       VALUES (?, ?, 'conversation.updated', '{oops', 'customer', ?)`,
      [shop.appId, customerId, now],
    );
    const [badEvents] = await api.rows<{ n: number }>(
      'SELECT count(*) AS n FROM events WHERE customer_id = ?',
      [customerId],
    );
    expect(Number(badEvents!.n)).toBeGreaterThan(4);

    // Good messages after the bad rows.
    const second = await shop.send(web.sessionToken, '第二句');
    expect(second.status).toBe(201);
    const secondIds = [
      second.body.message.id as string,
      ...(second.body.replies as { id: string }[]).map((r) => r.id),
    ];

    // The customer's feed, from the start and from the cursor before the bad rows.
    const all = await poll(0);
    expect(messageIds(all)).toEqual([...shownBefore, ...secondIds]);
    const resumed = await poll(before.cursor);
    expect(messageIds(resumed)).toEqual(secondIds);
    const lastId = Math.max(...resumed.events.map((e) => e.id));
    expect(Number(resumed.cursor)).toBe(lastId);
    // The cursor is past every bad row: nothing is read again.
    const [maxBad] = await api.rows<{ id: number }>(
      "SELECT max(id) AS id FROM events WHERE customer_id = ? AND (data LIKE '%msg_bad_%' OR data = '{oops')",
      [customerId],
    );
    expect(Number(resumed.cursor)).toBeGreaterThan(Number(maxBad!.id));
    expect((await poll(resumed.cursor)).events).toEqual([]);

    // The agents' feed of the app: the same messages, none of the bad ones.
    const agents = await pollAgents(0);
    const agentMessages = messageIds(agents);
    for (const id of [...shownBefore, ...secondIds]) expect(agentMessages).toContain(id);
    for (const row of bad) expect(agentMessages).not.toContain(row.id);

    // Each bad row was logged, by id.
    const logged = JSON.stringify(warnings);
    for (const row of bad) expect(logged).toContain(row.id);
    expect(logged).toContain('not JSON');
  });
});
