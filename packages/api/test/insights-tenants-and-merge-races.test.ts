import type { MetricsRow } from '@threadline/sdk-core/protocol';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeCustomers } from '../src/identity/customers';
import { foldInsights, foldInsightsIn } from '../src/insights/rollup';
import { seedDemoStore } from '../src/knowledge';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi, UNLIMITED } from './harness';
import { expectSlotTotalsMatchRows } from './insights-slot-totals';

/**
 * Review 14b: how current an answer is says nothing about other shops, and a merge that commits
 * while a fold has read (outside the lock) but not yet written leaves no insight row naming the
 * merged-away customer.
 */
const START = Date.UTC(2026, 10, 2, 2, 0);
const H = 3600_000;
const clock = createManualClock(START);
let api: TestApi;

beforeAll(async () => {
  api = await createTestApi({ clock, rateLimits: UNLIMITED });
}, 60_000);
afterAll(() => api?.close());

describe('insights freshness is per shop', () => {
  it("another shop's backlog is not in this shop's behind or asOf", async () => {
    const quiet = await api.createShop({ settings: { timeZone: 'Asia/Shanghai' } });
    const busy = await api.createShop({ settings: { timeZone: 'Asia/Shanghai' } });
    clock.set(START + 10 * H);
    await foldInsights(api.deps);
    // 9,000 messages of the busy shop nobody folded yet (as an upgrade or a burst leaves them).
    await api.database.client.execute({
      sql: `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 9000)
        INSERT INTO messages (id, app_id, customer_id, conversation_id, channel, author_type, text, created_at)
        SELECT 'msg_busy_' || i, ?, 'cus_busy_' || (i % 20), 'con_busy_' || (i % 20), 'web', 'customer', 'x', ? + i FROM k`,
      args: [busy.appId, START + H],
    });
    api.deps.config.insights = { readerBatches: 1 };
    try {
      for (const path of [
        '/v1/insights/metrics?period=all',
        '/v1/insights/intents?period=all',
        '/v1/insights/high-value?period=all',
      ]) {
        const res = await api.call('GET', path, { token: quiet.secretKey });
        expect(res.status).toBe(200);
        // Nothing of the quiet shop is waiting: its figures are current, and the busy shop's
        // traffic (its volume, its earliest unfolded time) is none of its business.
        expect(res.body).toMatchObject({ behind: 0, asOf: new Date(START + 10 * H).toISOString() });
      }
      const own = await api.call('GET', '/v1/insights/metrics?period=all', { token: busy.secretKey });
      expect(own.body.behind).toBeGreaterThan(0);
      expect(Date.parse(own.body.asOf)).toBeLessThan(START + 10 * H);
    } finally {
      api.deps.config.insights = undefined;
    }
  });
});

describe('insights: a merge committed between a fold’s read and its write', () => {
  // A fold's writes: 1 the messages pass, 2 the events pass (read outside the lock before it),
  // 3 the carts pass (likewise). The login's merge takes the lock just before the one named.
  for (const [pass, write] of [
    ['events', 2],
    ['carts', 3],
  ] as const)
    it(`leaves no row on the merged-away customer when the merge lands before the ${pass} pass writes`, async () => {
      const shop = await api.createShop({ settings: { timeZone: 'Asia/Shanghai' } });
      clock.set(START + 20 * H);
      await foldInsights(api.deps);
      const known = await shop.startSession({
        channel: 'app',
        identityToken: await shop.identityToken(`u-race-${pass}`),
      });
      const web = await shop.startSession({ channel: 'web' });
      const anonymousId = web.customer.id as string;
      const asked = await shop.send(web.sessionToken, '转人工');
      expect(['queued', 'assigned']).toContain(asked.body.conversation.status);
      // A large cart, tracked while anonymous.
      const tracked = await api.call('POST', '/v1/track', {
        token: web.sessionToken,
        body: { name: 'add_to_cart', properties: { productId: 'p-race', quantity: 3, price: 500 } },
      });
      expect(tracked.status).toBeLessThan(300);
      const real = api.deps.database;
      let writes = 0;
      const racing = {
        ...real,
        write: <T>(fn: Parameters<typeof real.write<T>>[0]) => {
          writes++;
          if (writes !== write) return real.write<T>(fn);
          return real
            .write((db, onCommit) =>
              mergeCustomers(api.deps, db, onCommit, shop.appId, anonymousId, known.customer.id as string),
            )
            .then(() => real.write<T>(fn));
        },
      } as typeof real;
      await foldInsights({ ...api.deps, database: racing }, 1);
      expect(writes).toBeGreaterThanOrEqual(write);
      await foldInsights(api.deps);
      const stale = await api.rows(
        `SELECT 'conversations' AS t FROM insight_conversations WHERE customer_id = ?1
         UNION ALL SELECT 'carts' FROM insight_carts WHERE customer_id = ?1
         UNION ALL SELECT 'contacts' FROM insight_contacts WHERE customer_id = ?1`,
        [anonymousId],
      );
      expect(stale).toEqual([]);
      const [cart] = await api.rows<{ worth: number }>(
        'SELECT worth FROM insight_carts WHERE customer_id = ?',
        [known.customer.id],
      );
      expect(cart?.worth).toBe(1500);
      const [escalated] = await api.rows<{ n: number }>(
        'SELECT count(*) AS n FROM insight_conversations WHERE customer_id = ? AND escalated_at IS NOT NULL',
        [known.customer.id],
      );
      expect(escalated?.n).toBe(1);
    });
});

describe('insights: the fold inside an erasure misses nothing the erasure deletes', () => {
  it('folds the first agent message too, before the messages it comes from are deleted', async () => {
    const shop = await api.createShop({ settings: { timeZone: 'Asia/Shanghai' } });
    clock.set(START + 30 * H);
    await foldInsights(api.deps);
    // An agent's reply stored after the erasure's outer fold (the shopper is still talking).
    await api.database.client.execute({
      sql: `INSERT INTO messages (id, app_id, customer_id, conversation_id, channel, author_type, text, created_at)
        VALUES ('msg_gone_1', ?1, 'cus_gone', 'con_gone', 'web', 'customer', 'x', ?2),
               ('msg_gone_2', ?1, 'cus_gone', 'con_gone', 'web', 'agent', 'y', ?2 + 300000)`,
      args: [shop.appId, START + 29 * H],
    });
    // The erasure's transaction: fold everything, then delete the person's messages.
    await api.deps.database.write(async (db) => {
      await foldInsightsIn(api.deps, db);
      await db.run(sql`DELETE FROM messages WHERE conversation_id = 'con_gone'`);
    });
    await foldInsights(api.deps);
    const [first] = await api.rows<{ at: number }>(
      "SELECT at FROM insight_first_agent_messages WHERE conversation_id = 'con_gone'",
    );
    expect(first?.at).toBe(START + 29 * H + 300_000);
  });
});

describe('insights: two open conversations merged give the same figures whenever the fold runs', () => {
  for (const escalate of [false, true])
    it(`folded before the login or after it${escalate ? ', the anonymous one escalated' : ''}`, async () => {
      const figures = [];
      for (const readBefore of [true, false]) {
        const shop = await api.createShop({ settings: { timeZone: 'Asia/Shanghai' } });
        await seedDemoStore(api.app.deps, shop.appId);
        clock.set(START + 40 * H);
        await foldInsights(api.deps);
        const app = await shop.startSession({
          channel: 'app',
          identityToken: await shop.identityToken('u-two'),
        });
        await shop.send(app.sessionToken, '成分是什么');
        clock.set(START + 40 * H + 60_000);
        const web = await shop.startSession({ channel: 'web' });
        await shop.send(web.sessionToken, '优惠券怎么用');
        if (escalate) await shop.send(web.sessionToken, '转人工');
        if (readBefore) await foldInsights(api.deps);
        clock.set(START + 40 * H + 120_000);
        expect(
          (await shop.identify(web.sessionToken, await shop.identityToken('u-two'))).status,
        ).toBeLessThan(300);
        const res = await api.call('GET', '/v1/insights/metrics?period=all', { token: shop.secretKey });
        expect(res.status).toBe(200);
        figures.push(
          (res.body.rows as MetricsRow[]).map((r) => ({
            channel: r.channel,
            conversations: r.conversations,
            messages: r.messages,
            escalated: r.escalated,
            aiAnswered: r.aiAnswered,
            contacts: r.contacts,
          })),
        );
      }
      expect(figures[0]).toEqual(figures[1]);
    });
});

describe('insights: the app zone is stored and answered by its IANA name', () => {
  it('a shop in Kyiv sets europe/kyiv and reads Europe/Kyiv back, not Europe/Kiev', async () => {
    const shop = await api.createShop({ settings: { timeZone: 'Asia/Shanghai' } });
    const set = await api.call('PATCH', '/v1/app', {
      token: shop.secretKey,
      body: { timeZone: 'europe/kyiv' },
    });
    expect(set.status).toBe(200);
    expect(JSON.stringify(set.body)).not.toContain('Kiev');
    const res = await api.call('GET', '/v1/insights/metrics?period=all', { token: shop.secretKey });
    expect(res.body.timeZone).toBe('Europe/Kyiv');
    const asked = await api.call('GET', '/v1/insights/metrics?period=all&timeZone=Asia/Kolkata', {
      token: shop.secretKey,
    });
    expect(asked.body.timeZone).toBe('Asia/Kolkata');
  });
});

describe('the per-slot totals the metrics read', () => {
  it('equal the conversation and contact rows they sum, after everything above', async () => {
    await expectSlotTotalsMatchRows(api);
  });
});
