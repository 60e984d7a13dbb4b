// review-d: speed-18d's send builds the conversation it returns instead of reading it back
// (9163c59). Attack: in every order of events around a send — bot with memory, an agent holding
// it, a merge, an agent's take in the same group commit — the row the send returns must be the
// row as committed (status, owner, updatedAt, last channel, memory), and "bot answered" must agree
// with the status it returns.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postCustomerMessage } from '../src/conversations';
import { conversations } from '../src/db/schema';
import { createTestApi, type TestApi } from './harness';

describe('a send returns the conversation row as committed', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  const committed = async (id: string) => {
    const [row] = await api.database.db.select().from(conversations).where(eq(conversations.id, id));
    return row!;
  };
  const send = (customerId: string, text: string, channel = 'web') =>
    postCustomerMessage(api.deps, {
      appId: shop.appId,
      customerId,
      channel,
      text,
      clientMessageId: randomUUID(),
    });
  const same = async (posted: Awaited<ReturnType<typeof send>>) => {
    const row = await committed(posted.conversation.id);
    expect(posted.conversation).toEqual(row);
  };

  it('bot with memory, a new channel, an agent holding it, a queue', async () => {
    const session = await shop.startSession();
    const customerId = session.customer.id as string;
    await same(await send(customerId, 'hello'));
    await same(await send(customerId, 'where is my order 20251130884213', 'app'));
    await same(await send(customerId, '👍', 'miniprogram'));
    const first = await send(customerId, 'again');
    // An agent takes it (as the claim does, in its own write).
    await api.deps.database.write(async (db) => {
      await db
        .update(conversations)
        .set({ status: 'assigned', assignedAgentId: 'agt_x', assignedAt: Date.now(), updatedAt: Date.now() })
        .where(eq(conversations.id, first.conversation.id));
    });
    const held = await send(customerId, 'are you there?', 'app');
    expect(held.conversation.status).toBe('assigned');
    expect(held.replies).toEqual([]);
    await same(held);
    // Back in the queue.
    await api.deps.database.write(async (db) => {
      await db
        .update(conversations)
        .set({ status: 'queued', assignedAgentId: null, assignedAt: null, waitingSince: Date.now() })
        .where(eq(conversations.id, first.conversation.id));
    });
    await same(await send(customerId, 'still waiting'));
  });

  it('an agent takes the conversation in the same group commit as sends: status and bot replies agree', async () => {
    const session = await shop.startSession();
    const customerId = session.customer.id as string;
    const opened = await send(customerId, 'hello');
    const take = api.deps.database.write(async (db) => {
      await db
        .update(conversations)
        .set({ status: 'assigned', assignedAgentId: 'agt_y', assignedAt: Date.now() })
        .where(eq(conversations.id, opened.conversation.id));
    });
    const sends = Array.from({ length: 6 }, (_, i) => send(customerId, `hello ${i}`));
    const [, ...posted] = await Promise.all([take, ...sends]);
    for (const one of posted) {
      if (one.conversation.status === 'assigned') expect(one.replies).toEqual([]);
      expect(one.conversation.assignedAgentId).toBe(one.conversation.status === 'assigned' ? 'agt_y' : null);
    }
    // The last to commit returns what the file holds now.
    const last = posted.reduce((a, b) => (a.conversation.updatedAt >= b.conversation.updatedAt ? a : b));
    const row = await committed(opened.conversation.id);
    expect(row.status).toBe('assigned');
    expect(last.conversation.updatedAt).toBe(row.updatedAt);
  });

  it('a send under a merged-away id returns the survivor’s conversation as committed', async () => {
    const known = await shop.startSession({ identityToken: await shop.identityToken('rd-merge') });
    expect((await shop.send(known.sessionToken, 'mine')).status).toBe(201);
    const anon = await shop.startSession();
    const fromId = anon.customer.id as string;
    expect((await shop.send(anon.sessionToken, 'before sign-in')).status).toBe(201);
    expect((await shop.identify(anon.sessionToken, await shop.identityToken('rd-merge'))).status).toBe(200);
    const late = await send(fromId, 'authenticated before the merge');
    expect(late.conversation.customerId).toBe(known.customer.id);
    await same(late);
  });
});
