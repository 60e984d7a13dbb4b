import { timelinePage } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeCustomers, resolveCustomer } from '../src/identity/customers';
import { anonymousId, createTestApi, type TestApi } from './harness';

const texts = (body: unknown) => timelinePage.parse(body).messages.map((m) => m.text);

describe('merging an anonymous customer into an identified one keeps everything', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.close());

  const countFor = async (table: string, customerId: string) =>
    Number(
      (
        await api.rows<{ n: number }>(`select count(*) as n from ${table} where customer_id = ?`, [
          customerId,
        ])
      )[0]!.n,
    );

  it('moves messages, tracked events, the open conversation and the event log to the identified customer', async () => {
    const shop = await api.createShop();
    const web = await shop.startSession({ channel: 'web' });
    const oldId = web.customer.id;
    expect((await shop.send(web.sessionToken, '面霜保质期多久？')).status).toBe(201);
    expect((await shop.send(web.sessionToken, '我是干皮')).status).toBe(201);
    const tracked = await api.call('POST', '/v1/track', {
      token: web.sessionToken,
      body: { name: 'add_to_cart', properties: { sku: 'A1' } },
    });
    expect(tracked.status).toBe(202);
    const before = {
      messages: await countFor('messages', oldId),
      events: await countFor('events', oldId),
      customerEvents: await countFor('customer_events', oldId),
      conversations: await countFor('conversations', oldId),
    };
    expect(before).toEqual({ messages: 2, events: 2, customerEvents: 1, conversations: 1 });
    const [conversationBefore] = await api.rows<{ id: string }>(
      'select id from conversations where customer_id = ?',
      [oldId],
    );

    const identified = await shop.identify(web.sessionToken, await shop.identityToken('user-merge-1'));
    expect(identified.status).toBe(200);
    expect(identified.body.merged).toBe(true);
    const newId = identified.body.customer.id as string;
    expect(newId).not.toBe(oldId);

    // Everything moved, nothing was copied.
    for (const table of [
      'messages',
      'events',
      'customer_events',
      'conversations',
      'sessions',
      'identities',
    ]) {
      expect(await countFor(table, oldId), `${table} left behind`).toBe(0);
    }
    expect(await countFor('messages', newId)).toBe(before.messages);
    expect(await countFor('events', newId)).toBe(before.events);
    expect(await countFor('customer_events', newId)).toBe(before.customerEvents);
    const conversations = await api.rows<{ id: string; status: string }>(
      'select id, status from conversations where customer_id = ?',
      [newId],
    );
    expect(conversations).toEqual([{ id: conversationBefore!.id, status: 'bot' }]);

    // The same session, re-issued, reads the whole history and keeps talking in the same conversation.
    const token = identified.body.sessionToken as string;
    const timeline = await api.call('GET', '/v1/timeline', { token });
    expect(texts(timeline.body)).toEqual(['面霜保质期多久？', '我是干皮']);
    const next = await shop.send(token, '那就买这个');
    expect(next.body.conversation.id).toBe(conversationBefore!.id);

    // The old id is an alias: it still resolves, for services and for the merchant backend.
    const resolved = await resolveCustomer(api.database.db, shop.appId, oldId);
    expect(resolved.id).toBe(newId);
    const handoff = await api.call('POST', '/v1/handoffs', {
      token: shop.secretKey,
      body: { customer: { id: oldId } },
    });
    expect(handoff.status).toBe(201);
    const [handoffRow] = await api.rows<{ customer_id: string }>(
      'select customer_id from handoff_codes where short_code = ?',
      [handoff.body.shortCode],
    );
    expect(handoffRow!.customer_id).toBe(newId);
    const [alias] = await api.rows<{ merged_into: string }>(
      'select merged_into from customers where id = ?',
      [oldId],
    );
    expect(alias!.merged_into).toBe(newId);
  });

  it('merges two devices of the same user into one customer, one open conversation, in order', async () => {
    const shop = await api.createShop();
    const phone = await shop.startSession({ channel: 'app' });
    const laptop = await shop.startSession({ channel: 'web' });
    expect(phone.customer.id).not.toBe(laptop.customer.id);
    await shop.send(phone.sessionToken, 'app 1');
    await shop.send(laptop.sessionToken, 'web 1');
    await shop.send(phone.sessionToken, 'app 2');
    await shop.send(laptop.sessionToken, 'web 2');

    const token = await shop.identityToken('user-two-devices');
    const a = await shop.identify(phone.sessionToken, token);
    const b = await shop.identify(laptop.sessionToken, token);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.body.customer.id).toBe(a.body.customer.id);
    expect(b.body.merged).toBe(true);
    const userId = a.body.customer.id as string;

    for (const session of [a, b]) {
      const timeline = await api.call('GET', '/v1/timeline', { token: session.body.sessionToken });
      expect(texts(timeline.body)).toEqual(['app 1', 'web 1', 'app 2', 'web 2']);
    }
    expect(await countFor('messages', userId)).toBe(4);
    const open = await api.rows('select id from conversations where customer_id = ? and status <> ?', [
      userId,
      'resolved',
    ]);
    expect(open).toHaveLength(1);
    for (const oldId of [phone.customer.id, laptop.customer.id]) {
      expect((await resolveCustomer(api.database.db, shop.appId, oldId)).id).toBe(userId);
    }
    // The device id was unlinked when the device identified: without a token it is nobody yet.
    const returning = await shop.startSession({ channel: 'app', anonymousId: phone.anonymousId });
    expect(returning.customer).toMatchObject({ identified: false });
    expect(returning.customer.id).not.toBe(userId);
    const alone = await api.call('GET', '/v1/timeline', { token: returning.sessionToken });
    expect(alone.body.messages).toEqual([]);
  });

  it('joins an anonymous conversation into the open conversation the user already has', async () => {
    const shop = await api.createShop();
    const token = await shop.identityToken('user-with-open-conversation');
    const app = await shop.startSession({ channel: 'app', identityToken: token });
    const web = await shop.startSession({ channel: 'web' });
    await shop.send(app.sessionToken, 'app: 订单什么时候发货');
    await shop.send(web.sessionToken, 'web: 随便看看');
    await shop.send(app.sessionToken, 'app: 还没收到');
    await shop.send(web.sessionToken, 'web: 这个有货吗');
    const [userConversation] = await api.rows<{ id: string }>(
      "select id from conversations where customer_id = ? and status <> 'resolved'",
      [app.customer.id],
    );

    const identified = await shop.identify(web.sessionToken, token);
    expect(identified.status).toBe(200);
    expect(identified.body.customer.id).toBe(app.customer.id);
    expect(identified.body.merged).toBe(true);

    // Moved rows keep the key of the customer they were sealed for, and still open.
    const messages = await api.opened(
      await api.rows<{ text: string; conversation_id: string }>(
        'select text, conversation_id from messages where customer_id = ? order by seq',
        [app.customer.id],
      ),
    );
    expect(messages.map((m) => m.text)).toEqual([
      'app: 订单什么时候发货',
      'web: 随便看看',
      'app: 还没收到',
      'web: 这个有货吗',
    ]);
    expect(new Set(messages.map((m) => m.conversation_id))).toEqual(new Set([userConversation!.id]));
    const open = await api.rows(
      "select id from conversations where customer_id = ? and status <> 'resolved'",
      [app.customer.id],
    );
    expect(open).toHaveLength(1);
    const sent = await shop.send(identified.body.sessionToken, 'web: 好的');
    expect(sent.body.conversation.id).toBe(userConversation!.id);
  });

  it('keeps a request for a human made before logging in', async () => {
    const shop = await api.createShop();
    const token = await shop.identityToken('user-waiting-for-human');
    const app = await shop.startSession({ channel: 'app', identityToken: token });
    await shop.send(app.sessionToken, 'app: 看看新品');
    const web = await shop.startSession({ channel: 'web' });
    await shop.send(web.sessionToken, 'web: 我的包裹丢了');
    const escalated = await api.call('POST', '/v1/escalate', { token: web.sessionToken, body: {} });
    expect(escalated.body.conversation.status).toBe('queued');

    const identified = await shop.identify(web.sessionToken, token);
    expect(identified.status).toBe(200);
    const open = await api.rows<{ status: string; waiting_since: number | null }>(
      "select status, waiting_since from conversations where customer_id = ? and status <> 'resolved'",
      [app.customer.id],
    );
    expect(open).toHaveLength(1);
    expect(open[0]!.status).toBe('queued');
    expect(open[0]!.waiting_since).not.toBeNull();
  });

  it('keeps both messages when two devices used the same clientMessageId before the merge', async () => {
    const shop = await api.createShop();
    const token = await shop.identityToken('user-same-client-id');
    const app = await shop.startSession({ channel: 'app', identityToken: token });
    const web = await shop.startSession({ channel: 'web' });
    // Client message ids are only unique per customer; two devices may well count from 1.
    expect((await shop.send(app.sessionToken, 'from the app', 'counter-1')).status).toBe(201);
    expect((await shop.send(web.sessionToken, 'from the web', 'counter-1')).status).toBe(201);

    const identified = await shop.identify(web.sessionToken, token);
    expect(identified.status).toBe(200);
    const timeline = await api.call('GET', '/v1/timeline', { token: identified.body.sessionToken });
    expect(texts(timeline.body)).toEqual(['from the app', 'from the web']);
    // A retry after the merge is answered from what is stored, never stored a third time.
    const retry = await shop.send(identified.body.sessionToken, 'from the web', 'counter-1');
    expect(retry.status).toBe(201);
    expect(await countFor('messages', app.customer.id)).toBe(2);
  });

  it('rolls the whole merge back when the transaction around it fails', async () => {
    const shop = await api.createShop();
    const web = await shop.startSession({ channel: 'web' });
    await shop.send(web.sessionToken, 'before the failed merge');
    const user = await shop.startSession({
      channel: 'app',
      identityToken: await shop.identityToken('u-rollback'),
    });

    await expect(
      api.database.write(async (db, onCommit) => {
        await mergeCustomers(api.deps, db, onCommit, shop.appId, web.customer.id, user.customer.id);
        throw new Error('the process fails after the merge statements ran');
      }),
    ).rejects.toThrow(/after the merge/);

    expect(await countFor('messages', web.customer.id)).toBe(1);
    expect(await countFor('messages', user.customer.id)).toBe(0);
    expect((await resolveCustomer(api.database.db, shop.appId, web.customer.id)).id).toBe(web.customer.id);
  });
});

describe('only verified identities merge customers', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.close());

  it('never merges two merchant users who share a phone or an email in their identity tokens', async () => {
    const shop = await api.createShop();
    const shared = { phone: '+86 138 0000 0001', email: 'Family@Example.com' };
    const alice = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken('alice', shared),
    });
    await shop.send(alice.sessionToken, 'alice only');
    const bob = await shop.startSession({
      channel: 'app',
      identityToken: await shop.identityToken('bob', {
        phone: '+8613800000001',
        email: 'family@example.com',
      }),
    });
    expect(bob.customer.id).not.toBe(alice.customer.id);
    await shop.send(bob.sessionToken, 'bob only');

    const aliceTimeline = await api.call('GET', '/v1/timeline', { token: alice.sessionToken });
    const bobTimeline = await api.call('GET', '/v1/timeline', { token: bob.sessionToken });
    expect(texts(aliceTimeline.body)).toEqual(['alice only']);
    expect(texts(bobTimeline.body)).toEqual(['bob only']);

    // Bob identifying on a device of his own, and the backend naming him, keep him apart too.
    const bobWeb = await shop.startSession({ channel: 'web' });
    const bobIdentified = await shop.identify(
      bobWeb.sessionToken,
      await shop.identityToken('bob', { phone: shared.phone }),
    );
    expect(bobIdentified.body.customer.id).toBe(bob.customer.id);
    const viaBackend = await shop.channelMessage(
      'sms',
      { externalId: 'bob', phone: shared.phone },
      'sms from bob',
    );
    expect(viaBackend.body.customer.id).toBe(bob.customer.id);
    const [external] = await api.rows<{ n: number }>(
      "select count(*) as n from identities where customer_id = ? and kind = 'external'",
      [alice.customer.id],
    );
    expect(external!.n).toBe(1);
  });

  it('folds a verified phone-only caller into the user whose token later carries that phone', async () => {
    const shop = await api.createShop();
    const call = await shop.channelMessage('phone', { phone: '13900000002' }, '电话里问的');
    expect(call.status).toBe(201);
    const caller = call.body.customer.id as string;

    const carol = await shop.startSession({
      channel: 'app',
      identityToken: await shop.identityToken('carol', { phone: '139-0000-0002' }),
    });
    expect(carol.customer.id).toBe(caller);
    const timeline = await api.call('GET', '/v1/timeline', { token: carol.sessionToken });
    expect(texts(timeline.body)).toEqual(['电话里问的']);

    // Another user claiming that number does not take Carol's history.
    const dave = await shop.startSession({
      channel: 'app',
      identityToken: await shop.identityToken('dave', { phone: '13900000002' }),
    });
    expect(dave.customer.id).not.toBe(caller);
    const daveTimeline = await api.call('GET', '/v1/timeline', { token: dave.sessionToken });
    expect(texts(daveTimeline.body)).toEqual([]);
  });

  it('keeps a device that a different user already identified on apart from the next user', async () => {
    const shop = await api.createShop();
    const device = anonymousId();
    const erin = await shop.startSession({
      channel: 'web',
      anonymousId: device,
      identityToken: await shop.identityToken('erin'),
    });
    await shop.send(erin.sessionToken, 'erin on the shared tablet');
    // No reset() before the next person logs in on the same device.
    const frank = await shop.startSession({
      channel: 'web',
      anonymousId: device,
      identityToken: await shop.identityToken('frank'),
    });
    expect(frank.customer.id).not.toBe(erin.customer.id);
    const timeline = await api.call('GET', '/v1/timeline', { token: frank.sessionToken });
    expect(texts(timeline.body)).toEqual([]);
    const erinTimeline = await api.call('GET', '/v1/timeline', { token: erin.sessionToken });
    expect(texts(erinTimeline.body)).toEqual(['erin on the shared tablet']);
  });
});
