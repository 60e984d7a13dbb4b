import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge';
import { createTestApi, type TestApi, UNLIMITED } from './harness';
import { expectSlotTotalsMatchRows } from './insights-slot-totals';

/**
 * An escalation counts however routing answers it: queued for a person, or handed at once to an
 * agent who is online and free (then the only event says `assigned`, never `queued`).
 */
let api: TestApi;
let shop: Awaited<ReturnType<TestApi['createShop']>>;
let agent: Awaited<ReturnType<typeof shop.addAgent>>;

beforeAll(async () => {
  api = await createTestApi({ rateLimits: UNLIMITED });
  shop = await api.createShop({ settings: { timeZone: 'Asia/Shanghai' } });
  await seedDemoStore(api.app.deps, shop.appId);
}, 60_000);
afterAll(() => api?.close());

type Row = { channel: string | null; conversations: number; escalated: number; aiAnswered: number };
const allChannels = async () => {
  const res = await api.call('GET', '/v1/insights/metrics?period=all', { token: shop.secretKey });
  expect(res.status).toBe(200);
  return res.body.rows.find((r: Row) => r.channel === null) as Row & {
    escalationToAgentMs: { p50: number | null };
  };
};

describe('insights escalations', () => {
  it('counts an escalation routed straight to a free agent, and the conversation is not AI-answered', async () => {
    agent = await shop.addAgent({ name: 'Ada', role: 'agent', capacity: 5 });
    expect((await agent.presence('online')).status).toBeLessThan(300);
    const session = await shop.startSession({ channel: 'web' });
    const asked = await shop.send(session.sessionToken, '转人工');
    expect(asked.body.conversation.status).toBe('assigned');
    const row = await allChannels();
    expect(row.conversations).toBe(1);
    expect(row.escalated).toBe(1);
    expect(row.aiAnswered).toBe(0);
    // Assigned in the same request: a wait of (real-clock) milliseconds, not none.
    expect(row.escalationToAgentMs.p50).not.toBeNull();
    expect(row.escalationToAgentMs.p50).toBeLessThan(60_000);
  });

  it('still counts an escalation that waits in the queue, once', async () => {
    // Ada steps away, so this one waits in the queue.
    expect((await agent.presence('away')).status).toBeLessThan(300);
    const offline = await shop.startSession({ channel: 'web' });
    const asked = await shop.send(offline.sessionToken, '转人工');
    expect(asked.body.conversation.status).toBe('queued');
    const row = await allChannels();
    expect(row.conversations).toBe(2);
    expect(row.escalated).toBe(2);
  });
});

describe('the per-slot totals the metrics read', () => {
  it('equal the conversation and contact rows they sum, after everything above', async () => {
    await expectSlotTotalsMatchRows(api);
  });
});
