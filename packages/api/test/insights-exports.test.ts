import { metricsAnswer } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { percentile } from '../src/insights/metrics';
import { localMidnight } from '../src/insights/periods';
import { simulateTraffic } from '../src/insights/traffic-generator';
import { seedDemoStore } from '../src/knowledge';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi, UNLIMITED } from './harness';
import { expectSlotTotalsMatchRows } from './insights-slot-totals';

/**
 * What a merchant's BI and a service manager read: the CSV exports sum without double counting
 * and cover the asked window in the asked zone, and the response-time figures (bot and human
 * first response, wait for an agent) and per-agent CSAT equal planned spreads exactly.
 */
const ZONE = 'Asia/Shanghai';
const MINUTE = 60_000;
const START = localMidnight(2026, 10, 1, ZONE);
const clock = createManualClock(START);
let api: TestApi;
let shop: Awaited<ReturnType<TestApi['createShop']>>;

beforeAll(async () => {
  api = await createTestApi({ clock, rateLimits: UNLIMITED });
  shop = await api.createShop({ settings: { timeZone: ZONE } });
  await seedDemoStore(api.app.deps, shop.appId);
  await simulateTraffic(
    {
      clock,
      request: async (method, path, token, body) => {
        const r = await api.call(method, path, { token, body });
        return { status: r.status, body: r.body };
      },
    },
    shop,
    { start: START, days: 14, customers: 12, seed: 14 },
  );
  clock.set(START + 14 * 24 * 3600_000);
}, 240_000);
afterAll(() => api?.close());

/** RFC 4180 rows (quoted cells may hold commas, quotes and line breaks) as header → cell objects. */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [[]];
  const body = text.replace(/^\uFEFF/, '');
  // A cell is quoted ("…", "" for a quote) or bare; after it comes a comma, CRLF or the end.
  const cell = /("(?:[^"]|"")*"|[^",\r\n]*)(,|\r\n|$)/y;
  while (cell.lastIndex < body.length) {
    const match = cell.exec(body)!;
    const raw = match[1]!;
    rows[rows.length - 1]!.push(raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw);
    if (match[2] === '\r\n' && cell.lastIndex < body.length) rows.push([]);
  }
  const [header, ...lines] = rows;
  return lines.map((line) => Object.fromEntries(header!.map((h, i) => [h, line[i] ?? ''])));
}

const exportOf = async (table: string, query: string) => {
  const res = await api.call('GET', `/v1/insights/export/${table}?${query}`, { token: shop.secretKey });
  expect(res.status, res.text).toBe(200);
  return parseCsv(res.text);
};

describe('CSV exports a BI tool can sum', () => {
  it('metrics: a scope column; per-channel rows sum to the all-channel row, period by period', async () => {
    const rows = await exportOf('metrics', 'period=day&since=2026-10-01&until=2026-10-14');
    expect(Object.keys(rows[0]!).slice(0, 3)).toEqual(['period', 'scope', 'channel']);
    const additive = [
      'conversations',
      'messages',
      'customerMessages',
      'aiAnswered',
      'escalated',
      'handoffsCreated',
      'handoffsClaimed',
      'ticketsOpened',
      'ticketsClosed',
      'csatResponses',
      'contacts',
      'repeatContacts',
      'repeatWithContext',
      'repeatWithoutContext',
    ];
    const periods = [...new Set(rows.map((r) => r.period))];
    expect(periods).toHaveLength(14);
    let conversations = 0;
    for (const period of periods) {
      const all = rows.filter((r) => r.period === period && r.scope === 'all');
      expect(all).toHaveLength(1);
      expect(all[0]!.channel).toBe('');
      const channels = rows.filter((r) => r.period === period && r.scope === 'channel');
      for (const key of additive)
        expect(
          channels.reduce((a, r) => a + Number(r[key]), 0),
          `${period} ${key}`,
        ).toBe(Number(all[0]![key]));
      conversations += Number(all[0]!.conversations);
    }
    expect(conversations).toBeGreaterThan(20);
    // The old trap: summing every row counted each conversation twice.
    expect(rows.reduce((a, r) => a + Number(r.conversations), 0)).toBe(2 * conversations);
  });

  it('intents: one row per intent, channel and period, which add up to the JSON totals', async () => {
    const query = 'period=week&since=2026-10-01&until=2026-10-14';
    const json = (await api.call('GET', `/v1/insights/intents?${query}`, { token: shop.secretKey })).body;
    const rows = await exportOf('intents', query);
    expect(rows).toHaveLength(json.intents.length * json.periods.length);
    for (const trend of json.intents as { intent: string; channel: string | null; total: number }[]) {
      const own = rows.filter((r) => r.intent === trend.intent && r.channel === (trend.channel ?? ''));
      expect(own.map((r) => r.period)).toEqual(json.periods);
      expect(own.every((r) => /^\d+$/.test(r.contacts!))).toBe(true);
      expect(own.reduce((a, r) => a + Number(r.contacts), 0)).toBe(trend.total);
      expect(own[0]!.scope).toBe(trend.channel === null ? 'all' : 'channel');
    }
  });
});

describe('response times and CSAT per agent, against planned spreads', () => {
  // Ten escalations on 20 October, each with its own planned wait and reply time.
  const DAY = localMidnight(2026, 10, 20, ZONE);
  const plan = [
    { wait: 1, reply: 2, agent: 0, rating: 5, channel: 'web' },
    { wait: 3, reply: 1, agent: 1, rating: 2, channel: 'web' },
    { wait: 5, reply: 4, agent: 0, rating: 4, channel: 'app' },
    { wait: 2, reply: 8, agent: 1, rating: 3, channel: 'web' },
    { wait: 13, reply: 1, agent: 0, rating: 5, channel: 'app' },
    // Rated at 15:00 Shanghai, which is midnight starting the 20th in Los Angeles (half-open check).
    {
      wait: 8,
      reply: 3,
      agent: 0,
      rating: 4,
      channel: 'web',
      ratedAt: localMidnight(2026, 10, 20, 'America/Los_Angeles'),
    },
    { wait: 21, reply: 5, agent: 1, rating: 1, channel: 'app' },
    { wait: 4, reply: 2, agent: 0, rating: 5, channel: 'web' },
    { wait: 34, reply: 13, agent: 1, rating: 2, channel: 'web' },
    { wait: 6, reply: 6, agent: 0, rating: null, channel: 'app' },
  ];
  let team: Awaited<ReturnType<typeof shop.addAgent>>[];
  let names: string[];

  beforeAll(async () => {
    names = ['王敏', 'Li Lei'];
    team = [
      await shop.addAgent({ name: names[0], role: 'agent' }),
      await shop.addAgent({ name: names[1], role: 'agent' }),
    ];
    for (const [i, step] of plan.entries()) {
      const at = DAY + 9 * 3600_000 + i * 3600_000; // 09:00, 10:00 … local
      clock.set(at);
      const session = await shop.startSession({ channel: step.channel });
      const sent = await shop.send(session.sessionToken, '转人工');
      expect(sent.status, sent.text).toBe(201);
      const id = sent.body.conversation.id as string;
      // A fresh token each time: the day outlasts one (8 h).
      const issued = await api.call('POST', `/v1/agents/${team[step.agent]!.id}/tokens`, {
        token: shop.secretKey,
        body: {},
      });
      const agent = {
        call: (method: string, path: string, body?: unknown) =>
          api.call(method, path, { token: issued.body.token, ...(body === undefined ? {} : { body }) }),
      };
      clock.set(at + step.wait * MINUTE);
      expect((await agent.call('POST', `/v1/agent/conversations/${id}/claim`)).status).toBeLessThan(300);
      clock.set(at + (step.wait + step.reply) * MINUTE);
      const wrote = await agent.call('POST', `/v1/agent/conversations/${id}/messages`, {
        text: '您好，我来帮您。',
      });
      expect(wrote.status, wrote.text).toBeLessThan(300);
      clock.set(at + (step.wait + step.reply + 5) * MINUTE);
      expect((await agent.call('POST', `/v1/agent/conversations/${id}/resolve`)).status).toBeLessThan(300);
      if (step.rating !== null) {
        if ('ratedAt' in step && step.ratedAt !== undefined) clock.set(step.ratedAt);
        const rated = await api.call('POST', '/v1/csat', {
          token: session.sessionToken,
          body: { conversationId: id, rating: step.rating },
        });
        expect(rated.status, rated.text).toBe(201);
      }
    }
    clock.set(DAY + 2 * 24 * 3600_000);
  }, 120_000);

  const metricsOn = async (query = '') => {
    const res = await api.call(
      'GET',
      `/v1/insights/metrics?period=day&since=2026-10-20&until=2026-10-20${query}`,
      {
        token: shop.secretKey,
      },
    );
    expect(res.status, res.text).toBe(200);
    return metricsAnswer.parse(res.body);
  };
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);

  it('human first response (escalation → first agent message) and the wait for an agent, p50 and p90 exactly', async () => {
    const answer = await metricsOn();
    const all = answer.rows.find((r) => r.channel === null)!;
    expect(all.escalated).toBe(plan.length);
    const human = sorted(plan.map((s) => (s.wait + s.reply) * MINUTE));
    const waits = sorted(plan.map((s) => s.wait * MINUTE));
    expect(all.humanFirstResponseMs).toEqual({ p50: percentile(human, 50), p90: percentile(human, 90) });
    expect(all.escalationToAgentMs).toEqual({ p50: percentile(waits, 50), p90: percentile(waits, 90) });
    // Spelled out, so the percentile helper is checked too: nearest rank of 10 values.
    expect(all.humanFirstResponseMs).toEqual({ p50: 10 * MINUTE, p90: 26 * MINUTE });
    for (const channel of ['web', 'app']) {
      const row = answer.rows.find((r) => r.channel === channel)!;
      const own = sorted(plan.filter((s) => s.channel === channel).map((s) => (s.wait + s.reply) * MINUTE));
      expect(row.humanFirstResponseMs, channel).toEqual({
        p50: percentile(own, 50),
        p90: percentile(own, 90),
      });
    }
  });

  it('CSAT per agent and period in the metrics, over all channels or one', async () => {
    const expected = (channel?: string) =>
      team
        .map((agent, k) => {
          const ratings = plan
            .filter((s) => s.agent === k && s.rating !== null && (!channel || s.channel === channel))
            .map((s) => s.rating!);
          return {
            period: '2026-10-20',
            agent: { id: agent.id, name: names[k]! },
            csatResponses: ratings.length,
            csatAverage: Math.round((ratings.reduce((a, b) => a + b, 0) / ratings.length) * 100) / 100,
          };
        })
        .sort((a, b) => b.csatResponses - a.csatResponses);
    expect((await metricsOn()).agents).toEqual(expected());
    // 王敏: 5, 4, 5, 4, 5 → 4.6 over 5; Li Lei: 2, 3, 1, 2 → 2 over 4.
    expect((await metricsOn()).agents.map((a) => [a.csatResponses, a.csatAverage])).toEqual([
      [5, 4.6],
      [4, 2],
    ]);
    expect((await metricsOn('&channel=app')).agents).toEqual(expected('app'));
  });

  it('the CSAT export reads the same local-date window, zone and channel, half-open at midnight', async () => {
    const day = await exportOf('csat', 'since=2026-10-20&until=2026-10-20');
    const channelRows = day.filter((r) => r.scope === 'channel');
    expect(channelRows.reduce((a, r) => a + Number(r.responses), 0)).toBe(9);
    const app = await exportOf('csat', 'since=2026-10-20&until=2026-10-20&channel=app');
    expect(app.filter((r) => r.scope === 'channel').map((r) => [r.channel, r.responses])).toEqual([
      ['app', '3'],
    ]);
    expect(app.filter((r) => r.scope === 'agent').reduce((a, r) => a + Number(r.responses), 0)).toBe(3);
    // In Los Angeles the ratings fall on the 19th (steps 0–4) and the 20th (steps 5–8: step 5 at
    // exactly midnight, which belongs to the 20th only).
    const total = (rows: Record<string, string>[]) =>
      rows.filter((r) => r.scope === 'channel').reduce((a, r) => a + Number(r.responses), 0);
    const la = (date: string) => exportOf('csat', `since=${date}&until=${date}&timeZone=America/Los_Angeles`);
    expect(total(await la('2026-10-19'))).toBe(5);
    expect(total(await la('2026-10-20'))).toBe(4);
  });
});

describe('the per-slot totals the metrics read', () => {
  it('equal the conversation and contact rows they sum, after everything above', async () => {
    await expectSlotTotalsMatchRows(api);
  });
});
