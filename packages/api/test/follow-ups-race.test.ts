import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/db/database';
import { type SendOutcome, startFollowUpWorker } from '../src/followups';
import { seedDemoStore } from '../src/knowledge';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

/**
 * Two workers on two connections to one database file (what two API processes are) race for the
 * same due follow-ups: every follow-up is sent by exactly one of them, once.
 */

const CUSTOMERS = 30;
const MORNING = Date.UTC(2026, 5, 1, 3, 0);

let api: TestApi;
const clock = createManualClock(MORNING);
beforeAll(async () => {
  api = await createTestApi({ clock, rateLimits: UNLIMITED });
});
afterAll(() => api.close());

describe('two workers racing for due follow-ups', () => {
  it('send each follow-up once between them', { timeout: 120_000 }, async () => {
    const shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    // The cards link to shop.example: the app's card host (review 19, F11).
    await api.call('PATCH', '/v1/follow-up-settings', {
      token: shop.secretKey,
      body: { weeklyCap: 10, cardHosts: ['shop.example'] },
    });
    for (const channel of ['app', 'miniprogram', 'web']) {
      const res = await api.call('POST', '/v1/follow-up-rules', {
        token: shop.secretKey,
        body: {
          name: `care on ${channel}`,
          when: { intent: 'care_instructions' },
          delaySeconds: 60,
          send: {
            channel,
            content: { kind: 'card', card: { title: '保养指南', targetUrl: 'https://shop.example/care' } },
          },
        },
      });
      expect(res.status).toBe(201);
    }
    const agent = await shop.addAgent({ name: 'Closer', skills: [] });
    // CUSTOMERS shoppers ask about care; the agent resolves each conversation: 3 follow-ups each.
    for (let i = 0; i < CUSTOMERS; i++) {
      // The shopper uses all three clients, so none of the follow-ups is `not_on_channel`.
      const identityToken = await shop.identityToken(`racer-${i}`);
      for (const channel of ['app', 'miniprogram']) await shop.startSession({ channel, identityToken });
      const session = await shop.startSession({ channel: 'web', identityToken });
      const sent = await shop.send(session.sessionToken, '我买的那个真皮托特包平时要怎么保养啊');
      expect(sent.status).toBe(201);
      const resolved = await agent.call(
        'POST',
        `/v1/agent/conversations/${sent.body.conversation.id}/resolve`,
      );
      expect(resolved.status, resolved.text).toBe(200);
    }
    const [scheduled] = await api.rows<{ n: number }>(
      "select count(*) as n from follow_ups where state = 'scheduled'",
    );
    expect(Number(scheduled?.n)).toBe(CUSTOMERS * 3);
    clock.advance(60_000);

    // A second API over its own connection to the same file: another process, as far as locks go.
    const other = api.reopen({ database: createDatabase({ url: `file:${api.databasePath}` }) });
    const outcomes: [string, SendOutcome][][] = [[], []];
    const workers = [api.deps, other.deps].map((deps, i) =>
      startFollowUpWorker(deps, {
        pollMs: 3_600_000,
        batch: 50,
        concurrency: 8,
        onOutcome: (id, outcome) => outcomes[i]!.push([id, outcome]),
      }),
    );
    try {
      await Promise.all(workers.map((w) => w.drain()));
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      other.deps.database.close();
    }
    const sentBy = outcomes.map((list) => list.filter(([, o]) => o.outcome === 'sent').map(([id]) => id));
    const all = [...sentBy[0]!, ...sentBy[1]!];
    expect(all).toHaveLength(CUSTOMERS * 3);
    expect(new Set(all).size).toBe(CUSTOMERS * 3);
    // They did race: both went for the same rows, and the loser of each found it `taken`.
    const tried = outcomes.map((list) => new Set(list.map(([id]) => id)));
    expect([...tried[0]!].filter((id) => tried[1]!.has(id)).length).toBeGreaterThan(0);
    expect(outcomes.flat().filter(([, o]) => o.outcome === 'taken').length).toBeGreaterThan(0);
    const perFollowUp = await api.rows<{ n: number }>(
      "select count(*) as n from messages where author_type = 'system' group by json_extract(meta, '$.followUpId')",
    );
    expect(perFollowUp).toHaveLength(CUSTOMERS * 3);
    expect(perFollowUp.every((r) => Number(r.n) === 1)).toBe(true);
  });
});
