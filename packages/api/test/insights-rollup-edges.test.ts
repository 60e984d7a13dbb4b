import type { MetricsRow } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/db/database';
import { insightContacts } from '../src/db/schema';
import { foldBatch, foldInsights } from '../src/insights/rollup';
import { seedDemoStore } from '../src/knowledge';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi, UNLIMITED } from './harness';
import { expectSlotTotalsMatchRows } from './insights-slot-totals';

/**
 * The rollups at their edges: a merge carries the contacts (a repeat after login is a repeat), the
 * channel a conversation counts on does not depend on when the fold ran, a reader answers at once
 * with how far behind it is, and a fold that fails midway or runs twice at once counts everything
 * exactly once.
 */
const START = Date.UTC(2026, 10, 2, 2, 0); // 10:00 in Shanghai
const H = 3600_000;
const clock = createManualClock(START);
let api: TestApi;
let shop: Awaited<ReturnType<TestApi['createShop']>>;

beforeAll(async () => {
  api = await createTestApi({ clock, rateLimits: UNLIMITED });
  shop = await api.createShop({ settings: { timeZone: 'Asia/Shanghai' } });
  await seedDemoStore(api.app.deps, shop.appId);
}, 60_000);
afterAll(() => api?.close());

type Row = MetricsRow;
const metrics = async (path = '/v1/insights/metrics?period=all') => {
  const res = await api.call('GET', path, { token: shop.secretKey });
  expect(res.status).toBe(200);
  return res.body as { asOf: string; behind: number; rows: Row[] };
};
const allChannels = async () => (await metrics()).rows.find((r) => r.channel === null)!;
const intentOf = (answer: { body: { replies: { intent?: string }[] } }) =>
  answer.body.replies.find((r) => r.intent)?.intent;
describe('insights rollups: merges', () => {
  it('an anonymous contact, then login (merge), then the same matter 2 h later is a repeat with context', async () => {
    const before = await allChannels();
    // The account exists already (an earlier app login), without an open conversation.
    await shop.startSession({ channel: 'app', identityToken: await shop.identityToken('u-merge-1') });
    const web = await shop.startSession({ channel: 'web' });
    expect(intentOf(await shop.send(web.sessionToken, '我的快递到哪了'))).toBe('logistics_query');
    await allChannels(); // folded while still anonymous
    clock.set(START + 60_000);
    const identified = await shop.identify(web.sessionToken, await shop.identityToken('u-merge-1'));
    expect(identified.status).toBeLessThan(300);
    clock.set(START + 2 * H);
    expect(intentOf(await shop.send(web.sessionToken, '帮我查一下物流'))).toBe('logistics_query');
    const after = await allChannels();
    expect(after.contacts - before.contacts).toBe(2);
    expect(after.repeatContacts - before.repeatContacts).toBe(1);
    expect(after.repeatWithContext - before.repeatWithContext).toBe(1);
  });

  it('two open conversations merged into one: the earlier contact follows into the kept conversation', async () => {
    clock.set(START + 3 * H);
    const before = await allChannels();
    const app = await shop.startSession({
      channel: 'app',
      identityToken: await shop.identityToken('u-merge-2'),
    });
    expect(intentOf(await shop.send(app.sessionToken, '成分是什么'))).toBe('ingredients');
    const web = await shop.startSession({ channel: 'web' });
    expect(intentOf(await shop.send(web.sessionToken, '优惠券怎么用'))).toBe('coupon_usage');
    await allChannels();
    clock.set(START + 3 * H + 60_000);
    expect(
      (await shop.identify(web.sessionToken, await shop.identityToken('u-merge-2'))).status,
    ).toBeLessThan(300);
    clock.set(START + 5 * H);
    expect(intentOf(await shop.send(web.sessionToken, '两张券能一起用吗'))).toBe('coupon_usage');
    const after = await allChannels();
    expect(after.contacts - before.contacts).toBe(3);
    expect(after.repeatContacts - before.repeatContacts).toBe(1);
    expect(after.repeatWithContext - before.repeatWithContext).toBe(1);
    // No contact names the merged-away customer.
    const anonymous = await api.rows('SELECT 1 FROM insight_contacts WHERE customer_id = ?', [
      web.customer.id,
    ]);
    expect(anonymous).toEqual([]);
  });
});

describe('insights rollups: channel attribution does not depend on fold timing', () => {
  it('an escalation folded before its messages still counts where the conversation started', async () => {
    clock.set(START + 10 * H);
    await foldInsights(api.deps);
    const before = await metrics();
    const web = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken('u-moves'),
    });
    await shop.send(web.sessionToken, '保质期多久');
    clock.set(START + 10 * H + 60_000);
    const app = await shop.startSession({
      channel: 'app',
      identityToken: await shop.identityToken('u-moves'),
    });
    const asked = await shop.send(app.sessionToken, '转人工');
    expect(asked.body.conversation.status).toBe('queued');
    const conversationId = asked.body.conversation.id as string;
    // The events pass first (the messages were committed after a fold's messages pass).
    while ((await foldBatch(api.deps, 'events')) > 0);
    const [provisional] = await api.rows<{ channel: string }>(
      'SELECT channel FROM insight_conversations WHERE conversation_id = ?',
      [conversationId],
    );
    expect(provisional?.channel).toBe('app');
    const after = await metrics();
    const [folded] = await api.rows<{ channel: string; started_at: number }>(
      'SELECT channel, started_at FROM insight_conversations WHERE conversation_id = ?',
      [conversationId],
    );
    expect(folded).toEqual({ channel: 'web', started_at: START + 10 * H });
    const web0 = before.rows.find((r) => r.channel === 'web')!;
    const web1 = after.rows.find((r) => r.channel === 'web')!;
    expect(web1.conversations - web0.conversations).toBe(1);
    expect(web1.escalated - web0.escalated).toBe(1);
    const app0 = before.rows.find((r) => r.channel === 'app');
    const app1 = after.rows.find((r) => r.channel === 'app');
    expect((app1?.conversations ?? 0) - (app0?.conversations ?? 0)).toBe(0);
  });
});

/** Stored messages nobody folded yet, written straight to the table (as an upgrade finds them). */
async function backlog(n: number, tag: string) {
  await api.database.client.execute({
    sql: `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?)
      INSERT INTO messages (id, app_id, customer_id, conversation_id, channel, author_type, text, created_at)
      SELECT 'msg_' || ? || '_' || i, ?, 'cus_' || ? || '_' || (i % 50), 'con_' || ? || '_' || (i % 50),
        CASE i % 3 WHEN 0 THEN 'web' WHEN 1 THEN 'app' ELSE 'wechat' END,
        CASE i % 2 WHEN 0 THEN 'customer' ELSE 'bot' END, 'x', ? + i FROM k`,
    args: [n, tag, shop.appId, tag, tag, START + 20 * H],
  });
}
const folded = async () =>
  (
    await api.rows<{ n: number }>(
      'SELECT coalesce(sum(count), 0) AS n FROM insight_message_counts WHERE app_id = ?',
      [shop.appId],
    )
  )[0]!.n;
const stored = async () =>
  (await api.rows<{ n: number }>('SELECT count(*) AS n FROM messages WHERE app_id = ?', [shop.appId]))[0]!.n;

describe('insights rollups: a reader never waits for the backlog', () => {
  it('folds at most its batches, answers with asOf and behind; the worker folds the rest', async () => {
    clock.set(START + 30 * H);
    await foldInsights(api.deps);
    expect((await metrics()).behind).toBe(0);
    await backlog(7000, 'lag');
    api.deps.config.insights = { readerBatches: 1 };
    try {
      const first = await metrics();
      // One batch of 2,000 messages folded by the reader; 5,000 left.
      expect(first.behind).toBe(5000);
      expect(Date.parse(first.asOf)).toBe(START + 20 * H + 2001);
      expect((await stored()) - (await folded())).toBe(5000);
      await foldInsights(api.deps); // the background worker
      const caught = await metrics();
      expect(caught.behind).toBe(0);
      expect(caught.asOf).toBe(new Date(START + 30 * H).toISOString());
      for (const path of ['/v1/insights/intents?period=all', '/v1/insights/high-value?period=all']) {
        const res = await api.call('GET', path, { token: shop.secretKey });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ behind: 0, asOf: caught.asOf });
      }
    } finally {
      api.deps.config.insights = undefined;
    }
    expect(await folded()).toBe(await stored());
  });
});

describe('insights rollups: a reader leaves a long backlog to the worker', () => {
  it('folds nothing past readerFoldsUpTo, answers exactly how far behind it is; folds again once under it', async () => {
    clock.set(START + 31 * H);
    await foldInsights(api.deps);
    await backlog(3000, 'long');
    api.deps.config.insights = { readerBatches: 1, readerFoldsUpTo: 2500 };
    try {
      // 3,000 waiting, more than the reader folds for: it answers at once, nothing folded.
      const first = await metrics();
      expect(first.behind).toBe(3000);
      expect((await stored()) - (await folded())).toBe(3000);
      // Under the bound the reader folds its batch again (2,000 of the 3,000).
      api.deps.config.insights = { readerBatches: 1, readerFoldsUpTo: 3000 };
      expect((await metrics()).behind).toBe(1000);
      await foldInsights(api.deps); // the background worker
      expect((await metrics()).behind).toBe(0);
    } finally {
      api.deps.config.insights = undefined;
    }
    expect(await folded()).toBe(await stored());
  });
});

describe('insights rollups: crashes and concurrency', () => {
  it('a fold that fails after the counts are written counts nothing twice when it runs again', async () => {
    await foldInsights(api.deps);
    await backlog(3000, 'crash');
    const real = api.deps.database;
    let failures = 0;
    // The contacts insert throws once the counts upsert is done, inside the fold's transaction:
    // through drizzle, or as the raw multi-row statement the messages pass writes contacts with
    // (it runs on the handle's session, its transaction when there is one).
    const crash = () => {
      failures++;
      throw new Error('crash after the counts upsert');
    };
    type Executor = { execute(stmt: { sql: string; args: unknown }): Promise<unknown> };
    const failingExecutor = (executor: Executor): Executor => ({
      execute: (stmt) => {
        if (failures === 0 && /^insert into "insight_contacts"/.test(stmt.sql)) crash();
        return executor.execute(stmt);
      },
    });
    const failing = {
      ...real,
      write: <T>(fn: Parameters<typeof real.write<T>>[0]) =>
        real.write<T>((db, onCommit) =>
          fn(
            new Proxy(db, {
              get(target, key, receiver) {
                if (key === 'insert')
                  return (table: unknown) => {
                    if (table === insightContacts && failures === 0) crash();
                    return target.insert(table as never);
                  };
                if (key === 'session') {
                  const session = Reflect.get(target, key, receiver) as { client: Executor; tx?: Executor };
                  return new Proxy(session, {
                    get(inner, name, innerReceiver) {
                      const value = Reflect.get(inner, name, innerReceiver);
                      return (name === 'tx' || name === 'client') && value
                        ? failingExecutor(value as Executor)
                        : value;
                    },
                  });
                }
                return Reflect.get(target, key, receiver);
              },
            }),
            onCommit,
          ),
        ),
    } as typeof real;
    const before = await folded();
    // Bot rows with an intent make the fold write contacts.
    await api.database.client.execute({
      sql: "UPDATE messages SET intent = 'invoice' WHERE id LIKE 'msg_crash_%' AND author_type = 'bot'",
      args: [],
    });
    await expect(foldInsights({ ...api.deps, database: failing })).rejects.toThrow(
      'crash after the counts upsert',
    );
    expect(failures).toBe(1);
    // Nothing of the failed batch stayed.
    expect(await folded()).toBe(before);
    await foldInsights(api.deps);
    expect(await folded()).toBe(await stored());
    const [contacts] = await api.rows<{ n: number }>(
      "SELECT count(*) AS n FROM insight_contacts WHERE customer_id LIKE 'cus_crash_%'",
    );
    // The 25 customers with bot rows (odd i), one contact each (1 ms apart, one conversation).
    expect(contacts!.n).toBe(25);
  });

  it('two folds at once in this process, and one from a second connection, count each row once', async () => {
    await backlog(9000, 'race');
    const second = createDatabase({ url: `file:${api.databasePath}` });
    try {
      await Promise.all([
        foldInsights(api.deps),
        foldInsights(api.deps),
        foldInsights({ ...api.deps, database: second }),
      ]);
    } finally {
      second.close();
    }
    expect(await folded()).toBe(await stored());
    const [facts] = await api.rows<{ n: number; m: number }>(
      `SELECT count(*) AS n, coalesce(sum(customer_messages + bot_messages), 0) AS m
       FROM insight_conversations WHERE conversation_id LIKE 'con_race_%'`,
    );
    expect(facts).toEqual({ n: 50, m: 9000 });
  });
});

describe('insights rollups: high-value segments have no customer cap', () => {
  it('puts the 2,001st large-cart customer in large_cart, like the first', async () => {
    const n = 2001;
    const at = START + 40 * H;
    clock.set(at + H);
    await api.database.client.execute({
      sql: `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?)
        INSERT INTO messages (id, app_id, customer_id, conversation_id, channel, author_type, text, created_at)
        SELECT 'msg_hv_' || i, ?, 'cus_hv_' || i, 'con_hv_' || i, 'web', 'customer', 'x', ? + i FROM k`,
      args: [n, shop.appId, at],
    });
    // Plain (pre-sealing) tracked events: one cart line worth 1,200 per customer.
    await api.database.client.execute({
      sql: `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?)
        INSERT INTO customer_events (app_id, customer_id, channel, name, properties, created_at)
        SELECT ?, 'cus_hv_' || i, 'web', 'add_to_cart', '{"sku":"SKU-1","quantity":2,"price":600}', ? + i FROM k`,
      args: [n, shop.appId, at],
    });
    // 2,001 of each: more than a reader folds; the background worker folds the rest.
    await foldInsights(api.deps);
    const res = await api.call('GET', '/v1/insights/high-value?period=all&largeCart=1000', {
      token: shop.secretKey,
    });
    expect(res.status).toBe(200);
    expect(res.body.behind).toBe(0);
    const large = res.body.segments.find((s: { segment: string }) => s.segment === 'large_cart');
    expect(large).toMatchObject({ customers: n, conversations: n });
    // A higher threshold moves them all out, to `other` (no orders, no VIP flag).
    const higher = await api.call('GET', '/v1/insights/high-value?period=all&largeCart=1201', {
      token: shop.secretKey,
    });
    expect(higher.body.segments.find((s: { segment: string }) => s.segment === 'large_cart').customers).toBe(
      0,
    );
  });
});

describe('the per-slot totals the metrics read', () => {
  it('equal the conversation and contact rows they sum, after everything above', async () => {
    await expectSlotTotalsMatchRows(api);
  });
});
