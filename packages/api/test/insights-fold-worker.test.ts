// The background insights fold's messages pass on a worker thread (insights/fold-thread.ts; opt-in,
// server option `insightsFoldWorker`): its own connection to the same file, one batch per write
// turn the request thread lends it. Shown here: its rollups equal an in-thread fold's of the same
// messages; a worker that dies inside its batch leaves nothing half-written and the next fold
// (in-thread or a new worker) folds every message exactly once; in-memory databases get no worker.
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, migrateDatabase } from '../src/db/database';
import { createFoldThread } from '../src/insights/fold-thread';
import { foldBatch, foldInsights } from '../src/insights/rollup';
import { createTestApi } from './harness';

const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

/** An API whose livestream room put `askers` questions (and as many filler comments) on timelines. */
async function roomWithQuestions(askers: number) {
  const api = await createTestApi({ liveTickMs: 0 });
  const shop = await api.createShop();
  open.push({
    close: async () => {
      api.app.livestream.close();
      await api.close();
    },
  });
  for (let batch = 0; batch < Math.ceil(askers / 100); batch++) {
    const items = [];
    for (let i = batch * 100; i < Math.min(askers, (batch + 1) * 100); i++) {
      const text = ['优惠券怎么领', '有没有小码', '什么时候发货'][i % 3]!;
      items.push({ id: `q${i}`, viewerId: `dy_${i}`, text, at: Date.now() });
      items.push({ id: `f${i}`, viewerId: `dy_${i}`, text: '666', at: Date.now() });
    }
    const res = await api.call('POST', '/v1/channels/douyin_live/comments', {
      token: shop.secretKey,
      body: { roomId: 'room-f', items },
    });
    expect(res.status).toBe(200);
  }
  // An export read settles the deferred timeline writes first (then 404s for this id).
  expect((await api.call('GET', '/v1/customers/cus_settle/export', { token: shop.secretKey })).status).toBe(
    404,
  );
  const n = async (sql: string) => Number((await api.rows<{ n: number }>(sql))[0]!.n);
  const rollups = async () => ({
    cursor: await n("select coalesce(max(position), 0) as n from insight_cursors where source = 'messages'"),
    counted: await n('select coalesce(sum(count), 0) as n from insight_message_counts'),
    conversations: await n('select count(*) as n from insight_conversations'),
    perConversation: await n(
      'select coalesce(sum(customer_messages + bot_messages + agent_messages), 0) as n from insight_conversations',
    ),
    contacts: await n('select count(*) as n from insight_contacts'),
    slotContacts: await n('select coalesce(sum(contacts), 0) as n from insight_slot_totals'),
  });
  const messages = await n('select count(*) as n from messages');
  const lastSeq = await n('select max(seq) as n from messages');
  return { api, rollups, messages, lastSeq };
}

describe('the insights fold on a worker thread', () => {
  it('folds what an in-thread fold folds, each message once, in short lent batches', async () => {
    const worked = await roomWithQuestions(300);
    const inThread = await roomWithQuestions(300);
    expect(worked.messages).toBeGreaterThanOrEqual(300);
    const thread = createFoldThread(worked.api.app.deps);
    expect(thread).not.toBeNull();
    open.push({ close: () => thread!.close() });
    let batches = 0;
    for (;;) {
      const folded = await thread!.foldMessages(64, Date.now());
      if (folded === 0) break;
      expect(folded).toBeLessThanOrEqual(64);
      batches++;
    }
    expect(batches).toBeGreaterThan(1);
    await foldInsights(inThread.api.app.deps);
    const a = await worked.rollups();
    const b = await inThread.rollups();
    expect(a.cursor).toBe(worked.lastSeq);
    expect(a.counted).toBe(worked.messages);
    expect(a.perConversation).toBe(worked.messages);
    expect(a.slotContacts).toBe(a.contacts);
    // The same room folded in-thread gives the same figures (ids differ, shapes do not).
    expect({ ...a, cursor: 0 }).toEqual({ ...b, cursor: 0 });
  }, 90_000);

  it('a worker that dies inside its batch leaves nothing; the next folds count every message once', async () => {
    const { api, rollups, messages, lastSeq } = await roomWithQuestions(200);
    const thread = createFoldThread(api.app.deps, { crashWorkers: 1 });
    expect(thread).not.toBeNull();
    open.push({ close: () => thread!.close() });
    await expect(thread!.foldMessages(100, Date.now())).rejects.toThrow(/ended/);
    // Rolled back: the cursor did not move, nothing was counted.
    expect(await rollups()).toMatchObject({ cursor: 0, counted: 0, conversations: 0, contacts: 0 });
    // In-thread once (as the rollup does after a failed batch), then a new worker, then in-thread
    // again: the cursor is read under the lock each time, so no message is folded twice.
    expect(await foldBatch(api.app.deps, 'messages')).toBeGreaterThan(0);
    await thread!.foldMessages(50, Date.now());
    expect(thread!.broken).toBe(false);
    await foldInsights(api.app.deps);
    const after = await rollups();
    expect(after.cursor).toBe(lastSeq);
    expect(after.counted).toBe(messages);
    expect(after.perConversation).toBe(messages);
    expect(after.slotContacts).toBe(after.contacts);
  }, 90_000);

  it("this process's writes do not wait for a worker's start (it boots outside the lent write turn)", async () => {
    const { api, rollups, messages } = await roomWithQuestions(100);
    const thread = createFoldThread(api.app.deps);
    expect(thread).not.toBeNull();
    open.push({ close: () => thread!.close() });
    let folded: number | null = null;
    const fold = thread!.foldMessages(500, Date.now()).then((n) => {
      folded = n;
      return n;
    });
    // Issued after the fold asked for its worker: it commits while the worker is still starting
    // (a lent turn taken before the start would have held it until the worker's batch was done).
    const written = await api.app.deps.database.write(async (db) => {
      await db.run(sql`select 1`);
      return true;
    });
    expect(written).toBe(true);
    expect(folded).toBeNull();
    expect(await fold).toBe(messages);
    expect((await rollups()).counted).toBe(messages);
  }, 90_000);

  it('an in-memory database gets no worker (a second connection would not share it)', async () => {
    for (const url of [':memory:', 'file::memory:']) {
      const database = createDatabase({ url });
      await migrateDatabase(database);
      expect(
        createFoldThread({ database, logger: { info() {}, warn() {}, error() {} } as never }),
      ).toBeNull();
      database.close();
    }
  });
});
