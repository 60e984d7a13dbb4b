// The rows a send keeps between writes (issue 18): the customer's open conversation
// (conversations/messages.ts) and the app's webhook subscriptions (webhooks/outbox.ts). Each is used
// only while the `rowsVersion` of its table says it is what the file holds. Each case warms the
// entry with sends first, then changes the row — through the API, raw SQL in this process, another
// connection to the same file (another process), or a write that rolls back — and the very next
// send must act on what the file holds.
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldOpenConversation } from '../src/conversations/messages';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { createTestApi, type TestApi } from './harness';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;

describe('rows a send keeps: used only while the file still holds them', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    // Loopback webhook targets (nothing listens; only the recorded deliveries are counted).
    api = await createTestApi({ webhooks: { allowLoopbackTargets: true } });
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
  });
  afterAll(() => api.close());

  const warm = async () => {
    const session = await shop.startSession();
    for (const text of ['这款面霜保质期多久？', '有没有小样']) {
      expect((await shop.send(session.sessionToken, text)).status).toBe(201);
    }
    return session;
  };
  const conversationOf = async (customerId: string) =>
    (
      await api.rows<{
        id: string;
        status: string;
        context: string;
        updated_at: number;
        last_channel: string;
      }>(
        `select id, status, context, updated_at, last_channel from conversations where customer_id = ? and status <> 'resolved'`,
        [customerId],
      )
    )[0];

  it('the kept conversation is the stored row, and a send reads it without a statement', async () => {
    const session = await warm();
    const held = await heldOpenConversation(api.database, session.customer.id);
    expect(held).toBeDefined();
    const stored = await conversationOf(session.customer.id);
    expect(held!.id).toBe(stored!.id);
    expect(held!.updatedAt).toBe(stored!.updated_at);
    expect(held!.lastChannel).toBe(stored!.last_channel);
    expect(held!.context).toEqual(JSON.parse(stored!.context));

    // A send's own writes leave the version where it was, so other customers' entries stay.
    const other = await warm();
    const before = await api.database.write(async () => api.database.rowsVersion!('conversations'));
    expect((await shop.send(session.sessionToken, '有货吗')).status).toBe(201);
    const after = await api.database.write(async () => api.database.rowsVersion!('conversations'));
    expect(after).toBe(before);
    expect(await heldOpenConversation(api.database, other.customer.id)).toBeDefined();
    // Handed out as copies: changing what was handed out changes nothing kept.
    (held!.context as Record<string, unknown>).poisoned = true;
    expect((await heldOpenConversation(api.database, session.customer.id))!.context).not.toHaveProperty(
      'poisoned',
    );
  });

  it('raw SQL in this process resolves the conversation: the next send opens a new one', async () => {
    const session = await warm();
    const first = await conversationOf(session.customer.id);
    await api.rows(`update conversations set status = 'resolved', resolved_at = 1 where id = ?`, [first!.id]);
    const res = await shop.send(session.sessionToken, '还有一个问题');
    expect(res.status).toBe(201);
    expect(res.body.message.conversationId).not.toBe(first!.id);
    expect((await conversationOf(session.customer.id))!.id).toBe(res.body.message.conversationId);
  });

  it('an agent takes it over through the API: the next send gets no bot answer', async () => {
    const session = await warm();
    const escalated = await api.call('POST', '/v1/escalate', { token: session.sessionToken, body: {} });
    expect(escalated.status).toBe(200);
    const res = await shop.send(session.sessionToken, '这款面霜保质期多久？');
    expect(res.status).toBe(201);
    expect(res.body.replies).toEqual([]);
    expect((await conversationOf(session.customer.id))!.status).toBe('queued');
  });

  it('another connection to the file (another process) hands it to an agent: the bot stays quiet', async () => {
    const session = await warm();
    const conversation = await conversationOf(session.customer.id);
    const other = createClient({ url: `file:${api.databasePath}` });
    try {
      await other.execute({
        sql: `update conversations set status = 'queued', waiting_since = 1 where id = ?`,
        args: [conversation!.id],
      });
    } finally {
      other.close();
    }
    const res = await shop.send(session.sessionToken, '这款面霜保质期多久？');
    expect(res.status).toBe(201);
    expect(res.body.replies).toEqual([]);
    expect(res.body.message.conversationId).toBe(conversation!.id);
  });

  it('a write that changed the conversation and then failed leaves the row as stored', async () => {
    const session = await warm();
    const conversation = await conversationOf(session.customer.id);
    await expect(
      api.database.write(async () => {
        await api.database.client.execute({
          sql: `update conversations set status = 'queued', waiting_since = 1 where id = ?`,
          args: [conversation!.id],
        });
        throw new Error('the write fails after the change');
      }),
    ).rejects.toThrow('the write fails');
    const res = await shop.send(session.sessionToken, '这款面霜保质期多久？');
    expect(res.status).toBe(201);
    expect(res.body.replies.length).toBeGreaterThan(0);
  });

  describe('webhook subscriptions', () => {
    const deliveriesOf = async (webhookId: string) =>
      Number(
        (
          await api.rows<{ n: number }>('select count(*) as n from webhook_deliveries where webhook_id = ?', [
            webhookId,
          ])
        )[0]!.n,
      );
    const newHook = async () => {
      const hook = await api.call('POST', '/v1/webhooks', {
        token: shop.secretKey,
        body: { url: 'http://127.0.0.1:9/hook', events: ['message.created'] },
      });
      expect([hook.status, hook.text]).toEqual([201, hook.text]);
      return hook.body.webhook.id as string;
    };

    it('a webhook made, then turned off by another connection: the next sends follow the file', async () => {
      const session = await warm();
      const hook = await newHook();
      expect((await shop.send(session.sessionToken, '你好')).status).toBe(201);
      const delivered = await deliveriesOf(hook);
      // The customer's message and the bot's answer.
      expect(delivered).toBe(2);
      const other = createClient({ url: `file:${api.databasePath}` });
      try {
        await other.execute({ sql: 'update webhooks set enabled = 0 where id = ?', args: [hook] });
      } finally {
        other.close();
      }
      expect((await shop.send(session.sessionToken, '你好')).status).toBe(201);
      expect(await deliveriesOf(hook)).toBe(delivered);
      // On again, in this process: the next send is delivered again.
      await api.rows('update webhooks set enabled = 1 where id = ?', [hook]);
      expect((await shop.send(session.sessionToken, '你好')).status).toBe(201);
      expect(await deliveriesOf(hook)).toBe(delivered + 2);
      await api.rows('update webhooks set enabled = 0 where id = ?', [hook]);
    });

    it('subscriptions read inside a write that rolls back are not used after it', async () => {
      const session = await warm();
      const hook = await newHook();
      await api.rows('update webhooks set enabled = 0 where id = ?', [hook]);
      expect((await shop.send(session.sessionToken, '你好')).status).toBe(201);
      // Turned on, read (and kept) by the outbox in the same write, which then fails: rolled back.
      await expect(
        api.database.write(async (db, onCommit) => {
          await api.database.client.execute({
            sql: 'update webhooks set enabled = 1 where id = ?',
            args: [hook],
          });
          await api.deps.outbox!.fromRealtime(db, onCommit, [
            {
              appId: shop.appId,
              customerId: session.customer.id,
              type: 'message.created',
              data: { id: 'msg_x', conversationId: 'cnv_x', text: 'x' },
            },
          ]);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await deliveriesOf(hook)).toBe(0);
      expect((await shop.send(session.sessionToken, '你好')).status).toBe(201);
      expect(await deliveriesOf(hook)).toBe(0);
    });
  });
});
