import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

/**
 * After an erasure the app's figures stay (privacy/erase.ts): the person's conversations and
 * ratings remain, pseudonymised. High-value segments read the ratings through their conversations,
 * so the rating must still reach its (pseudonymised) conversation, or the segment's CSAT silently
 * loses every erased person's rating while the metrics' CSAT keeps it.
 */
const START = Date.UTC(2026, 10, 3, 2, 0);
const clock = createManualClock(START);
let api: TestApi;
type Shop = Awaited<ReturnType<TestApi['createShop']>>;

beforeAll(async () => {
  api = await createTestApi({ clock, rateLimits: UNLIMITED });
}, 60_000);
afterAll(() => api?.close());

/** A person served by an agent who rates the conversation. */
async function served(
  shop: Shop,
  agent: Awaited<ReturnType<Shop['addAgent']>>,
  user: string,
  rating: number,
) {
  const session = await shop.startSession({ channel: 'app', identityToken: await shop.identityToken(user) });
  const asked = await shop.send(session.sessionToken, '转人工');
  const conversationId = asked.body.conversation.id as string;
  // The shop's one agent: routed to it, or claimed now.
  await agent.call('POST', `/v1/agent/conversations/${conversationId}/claim`);
  clock.set(clock.now() + 60_000);
  expect((await agent.call('POST', `/v1/agent/conversations/${conversationId}/resolve`)).status).toBeLessThan(
    300,
  );
  const rated = await api.call('POST', '/v1/csat', {
    token: session.sessionToken,
    body: { conversationId, rating },
  });
  expect(rated.status).toBe(201);
  return session.customer.id as string;
}

const highValue = async (shop: Shop) => {
  const res = await api.call('GET', '/v1/insights/high-value?period=all&since=2026-11-01&until=2026-11-05', {
    token: shop.secretKey,
  });
  expect(res.status).toBe(200);
  return res.body.segments as { segment: string; conversations: number; csatAverage: number | null }[];
};
const metricsCsat = async (shop: Shop) => {
  const res = await api.call('GET', '/v1/insights/metrics?period=all&since=2026-11-01&until=2026-11-05', {
    token: shop.secretKey,
  });
  return (
    res.body.rows as { channel: string | null; csatAverage: number | null; csatResponses: number }[]
  ).find((r) => r.channel === null);
};

describe('high-value CSAT after an erasure', () => {
  // With `redact` the conversation stays, but its rollup rows (and assignments) take a pseudonym
  // as with `delete`, and the rating takes the same one: it still reaches its segment.
  for (const messages of ['delete', 'redact'] as const)
    it(`keeps the erased person's rating in the segment's CSAT (${messages}), as the metrics do`, async () => {
      const shop = await api.createShop({ settings: { timeZone: 'Asia/Shanghai' } });
      await seedDemoStore(api.app.deps, shop.appId);
      clock.set(START);
      const agent = await shop.addAgent({ name: 'Ada', role: 'agent', capacity: 5 });
      await agent.presence('online');
      await served(shop, agent, `u-five-${messages}`, 5);
      const erased = await served(shop, agent, `u-one-${messages}`, 1);
      const before = await highValue(shop);
      expect(before.find((s) => s.segment === 'other')).toMatchObject({ conversations: 2, csatAverage: 3 });
      expect(await metricsCsat(shop)).toMatchObject({ csatResponses: 2, csatAverage: 3 });
      const res = await api.call('DELETE', `/v1/customers/${erased}?messages=${messages}`, {
        token: shop.secretKey,
      });
      expect(res.status).toBe(200);
      expect(await metricsCsat(shop)).toMatchObject({ csatResponses: 2, csatAverage: 3 });
      expect(await highValue(shop)).toEqual(before);
      // Nothing kept for the figures names the person's conversation (it stays with `redact`).
      const [conversation] = await api.rows<{ id: string }>(
        'SELECT conversation_id AS id FROM csat_ratings WHERE app_id = ? AND rating = 1',
        [shop.appId],
      );
      expect(conversation!.id).toMatch(/^erased_/);
      const kept = await api.rows<{ id: string }>('SELECT id FROM conversations WHERE customer_id = ?', [
        erased,
      ]);
      expect(kept).toHaveLength(messages === 'redact' ? 1 : 0);
      for (const table of ['insight_conversations', 'insight_contacts', 'assignments', 'csat_ratings'])
        for (const { id } of kept)
          expect(await api.rows(`SELECT 1 FROM ${table} WHERE conversation_id = ?`, [id]), table).toEqual([]);
    });
});
