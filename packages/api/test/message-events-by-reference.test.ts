import { realtimeEventData } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { appendEvents } from '../src/realtime';
import { createTestApi, type TestApi } from './harness';

/**
 * Issue 18: a send's `message.created` events keep a reference to their message row, not a second
 * sealed copy of it. What streams hand out, how cursors resume and what erase leaves are unchanged.
 */
describe('message events stored by reference', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
  });
  afterAll(() => api.close());

  const logRows = async (customerId: string) =>
    (
      await api.deps.database.client.execute({
        sql: 'SELECT id, type, data FROM events WHERE customer_id = ? ORDER BY id',
        args: [customerId],
      })
    ).rows.map((r) => ({ id: Number(r.id), type: String(r.type), data: String(r.data) }));

  it('logs a reference per message, and streams hand out the messages as the send returned them', async () => {
    const web = await shop.startSession({ channel: 'web' });
    const { cursor } = (await api.call('GET', '/v1/updates?wait=0', { token: web.sessionToken })).body;
    const text = 'Do you ship to Norway, and how long does it take?';
    const sent = await shop.send(web.sessionToken, text);
    expect(sent.status).toBe(201);
    const messages = [sent.body.message, ...sent.body.replies];
    expect(messages.length).toBeGreaterThanOrEqual(2);

    // The log: one row per message, in the send's order, each holding only its message's id.
    const rows = (await logRows(web.customer.id)).filter((r) => r.type === 'message.created');
    expect(rows.map((r) => JSON.parse(r.data))).toEqual(messages.map((m) => ({ $message: m.id })));
    for (const row of rows) expect(row.data).not.toContain('Norway');

    // The customer's stream and the app's (agents) read the same messages, customer-facing shape.
    const customerEvents = (
      await api.call('GET', `/v1/updates?after=${cursor}&wait=0`, { token: web.sessionToken })
    ).body.events as { id: string; type: string; data: unknown }[];
    const created = customerEvents.filter((e) => e.type === 'message.created');
    expect(created.map((e) => e.data)).toEqual(messages);
    expect(created.map((e) => Number(e.id))).toEqual(rows.map((r) => r.id));
    for (const event of created)
      expect(realtimeEventData['message.created'].parse(event.data)).toEqual(event.data);

    // Resuming after the first message hands out the rest, nothing twice, nothing skipped.
    const resumed = (
      await api.call('GET', `/v1/updates?after=${created[0]!.id}&wait=0`, { token: web.sessionToken })
    ).body.events as { id: string; type: string; data: unknown }[];
    expect(resumed.filter((e) => e.type === 'message.created').map((e) => e.data)).toEqual(messages.slice(1));
  });

  it('reads rows logged as sealed copies (before this change) beside references, in id order', async () => {
    const web = await shop.startSession({ channel: 'web' });
    const { cursor } = (await api.call('GET', '/v1/updates?wait=0', { token: web.sessionToken })).body;
    const sent = await shop.send(web.sessionToken, 'What sizes do your running shoes come in?');
    // A copy logged the old way: without deps.messageEvents the log seals the payload itself.
    const legacy = { ...sent.body.message, id: 'msg_legacy_copy', text: 'an older sealed copy' };
    const { messageEvents: _, ...withoutResolver } = api.deps;
    await api.deps.database.write((db, onCommit) =>
      appendEvents(withoutResolver, db, onCommit, [
        {
          appId: shop.appId,
          customerId: web.customer.id,
          type: 'message.created',
          data: legacy,
          messageId: legacy.id,
        },
      ]),
    );
    const last = (await logRows(web.customer.id)).at(-1)!;
    expect(last.data).not.toContain('older sealed copy');
    expect(last.data).not.toContain('$message');

    const events = (await api.call('GET', `/v1/updates?after=${cursor}&wait=0`, { token: web.sessionToken }))
      .body.events as { type: string; data: { id: string; text: string } }[];
    const created = events.filter((e) => e.type === 'message.created').map((e) => e.data);
    expect(created.map((m) => m.id)).toEqual([
      sent.body.message.id,
      ...sent.body.replies.map((r: { id: string }) => r.id),
      'msg_legacy_copy',
    ]);
    expect(created.at(-1)!.text).toBe('an older sealed copy');
  });

  it('an erased customer leaves no message event behind, and other customers keep theirs', async () => {
    const gone = await shop.startSession({ channel: 'web' });
    const kept = await shop.startSession({ channel: 'web' });
    await shop.send(gone.sessionToken, 'Please forget me after this question about returns.');
    await shop.send(kept.sessionToken, 'Can I return an item after 30 days?');
    const erased = await api.call('DELETE', `/v1/customers/${gone.customer.id}?messages=redact`, {
      token: shop.secretKey,
    });
    expect(erased.status).toBeLessThan(300);
    expect(await logRows(gone.customer.id)).toEqual([]);
    const keptEvents = (await api.call('GET', '/v1/updates?after=0&wait=0', { token: kept.sessionToken }))
      .body.events as { type: string; data: { text: string } }[];
    expect(keptEvents.filter((e) => e.type === 'message.created')[0]!.data.text).toBe(
      'Can I return an item after 30 days?',
    );
  });

  it('never shows a reference to a message of another customer or another app', async () => {
    const other = await api.createShop();
    const me = await shop.startSession({ channel: 'web' });
    const neighbour = await shop.startSession({ channel: 'web' });
    const stranger = await other.startSession({ channel: 'web' });
    const mine = (await shop.send(me.sessionToken, 'my own words')).body.message.id as string;
    const theirs = (await shop.send(neighbour.sessionToken, 'the neighbour’s words')).body.message
      .id as string;
    const foreign = (await other.send(stranger.sessionToken, 'another shop’s words')).body.message
      .id as string;
    const { cursor } = (await api.call('GET', '/v1/updates?wait=0', { token: me.sessionToken })).body;
    const agent = await shop.addAgent({ name: 'Ida', role: 'agent', capacity: 5 });
    const agentCursor = (await agent.call('GET', '/v1/agent/updates?wait=0')).body.cursor as string;
    // Log rows in my name (as a bug, a bad migration or a hand-made row could leave them), each
    // naming a message that is not mine, and one that is.
    const now = Date.now();
    for (const id of [theirs, foreign, mine])
      await api.deps.database.client.execute({
        sql: "INSERT INTO events (app_id, customer_id, type, data, audience, created_at) VALUES (?, ?, 'message.created', ?, 'customer', ?)",
        args: [shop.appId, me.customer.id, JSON.stringify({ $message: id }), now],
      });
    const feed = async (token: string, after: number) =>
      (
        (await api.call('GET', `/v1/updates?after=${after}&wait=0`, { token })).body.events as {
          type: string;
          data: { id: string; text: string };
        }[]
      ).filter((e) => e.type === 'message.created');
    expect((await feed(me.sessionToken, Number(cursor))).map((e) => e.data.text)).toEqual(['my own words']);
    // The app's feed (agents) shows the other app's message neither, nor a second copy of the
    // neighbour's under my name.
    const appEvents = (
      (await agent.call('GET', `/v1/agent/updates?after=${agentCursor}&wait=0`)).body.events as {
        type: string;
        data: { text?: string };
      }[]
    ).filter((e) => e.type === 'message.created');
    expect(appEvents.map((e) => e.data.text)).toEqual(['my own words']);
  });
});
