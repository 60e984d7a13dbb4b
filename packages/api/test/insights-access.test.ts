import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

/**
 * Who may read insights: every route tagged Insights in /openapi.json (found there, so a route
 * added later is swept too) refuses a plain agent with 403 role_forbidden, and answers app A's
 * supervisor with none of app B's channels, questions or comments.
 */
type Doc = {
  paths: Record<
    string,
    Record<
      string,
      { tags?: string[]; parameters?: { name: string; in: string; schema?: { format?: string } }[] }
    >
  >;
};
let api: TestApi;
let a: Awaited<ReturnType<TestApi['createShop']>>;
let b: Awaited<ReturnType<TestApi['createShop']>>;
const B_QUESTION = '蓝鲸牌保温杯能装岩浆吗';
const B_COMMENT = 'B店的评价内容';

/** Every Insights operation, with its path params filled (`table` by each of its values). */
async function insightsOperations(emergingId: string) {
  const doc = (await api.call('GET', '/openapi.json')).body as Doc;
  const ops: string[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op.tags?.includes('Insights')) continue;
      expect(method).toBe('get');
      if (template.includes('{table}')) {
        for (const table of ['metrics', 'intents', 'emerging', 'high-value', 'csat'])
          ops.push(template.replace('{table}', table));
      } else ops.push(template.replace('{id}', emergingId));
    }
  }
  return ops;
}

beforeAll(async () => {
  api = await createTestApi({ rateLimits: UNLIMITED });
  a = await api.createShop({ name: 'Shop A' });
  b = await api.createShop({ name: 'Shop B' });
  await seedDemoStore(api.app.deps, a.appId);
  await seedDemoStore(api.app.deps, b.appId);
  // B: unanswerable questions on a channel A never uses, an escalation, a rating with a comment.
  const bAgent = await b.addAgent({ name: 'B 客服', role: 'supervisor' });
  for (let i = 0; i < 6; i += 1) {
    const s = await b.startSession({ channel: 'app' });
    await b.send(s.sessionToken, B_QUESTION);
  }
  const s = await b.startSession({ channel: 'app' });
  const asked = await b.send(s.sessionToken, '转人工');
  const id = asked.body.conversation.id;
  await bAgent.call('POST', `/v1/agent/conversations/${id}/claim`, {});
  await bAgent.call('POST', `/v1/agent/conversations/${id}/messages`, { text: '您好' });
  await bAgent.call('POST', `/v1/agent/conversations/${id}/resolve`, {});
  const rated = await api.call('POST', '/v1/csat', {
    token: s.sessionToken,
    body: { conversationId: id, rating: 5, comment: B_COMMENT },
  });
  expect(rated.status).toBe(201);
  // A: web traffic only.
  const aSession = await a.startSession({ channel: 'web' });
  await a.send(aSession.sessionToken, '你好');
}, 120_000);
afterAll(() => api?.close());

describe('insights access', () => {
  it('refuses a plain agent on every insights route with 403 role_forbidden', async () => {
    const agent = await a.addAgent({ name: 'Ada', role: 'agent' });
    const ops = await insightsOperations('0123456789ab');
    expect(ops).toEqual(expect.arrayContaining(['/v1/insights/csat', '/v1/insights/unanswered']));
    for (const path of ops) {
      const res = await api.call('GET', path, { token: agent.token });
      expect([path, res.status, res.body?.error?.code]).toEqual([path, 403, 'role_forbidden']);
    }
  });

  it("answers A's supervisor and secret key on every insights route with none of B's data", async () => {
    const bEmerging = await api.call('GET', '/v1/insights/emerging?windowDays=30&minCount=1', {
      token: b.secretKey,
    });
    expect(bEmerging.status).toBe(200);
    const bCluster = bEmerging.body.clusters?.[0]?.id ?? '0123456789ab';
    // B's own reads see B's data, so the checks below can fail.
    const bUnanswered = await api.call('GET', '/v1/insights/unanswered', { token: b.secretKey });
    expect(JSON.stringify(bUnanswered.body)).toContain(B_QUESTION);
    const supervisor = await a.addAgent({ name: 'Sue', role: 'supervisor' });
    const ops = await insightsOperations(bCluster);
    expect(ops.length).toBeGreaterThanOrEqual(10);
    for (const token of [supervisor.token, a.secretKey]) {
      for (const path of ops) {
        const res = await api.call('GET', path, { token });
        const text = res.text;
        if (path.endsWith('/article')) expect([path, res.status]).toEqual([path, 404]);
        else expect([path, res.status]).toEqual([path, 200]);
        for (const secret of [B_QUESTION, B_COMMENT, '"app"', b.appId])
          expect([path, text.includes(secret)]).toEqual([path, false]);
      }
    }
  });

  it('answers 400 validation_failed to every impossible or out-of-range date on every insights route', async () => {
    const doc = (await api.call('GET', '/openapi.json')).body as Doc;
    const BAD = {
      date: ['9999-12-31', '2026-02-31', '2026-02-29', '0050-01-01', '1999-12-31', '2101-01-01'],
      'date-time': ['9999-12-31T00:00:00Z', '2026-02-31T00:00:00Z', '0050-01-01T00:00:00Z'],
    };
    const tried: string[] = [];
    for (const [template, item] of Object.entries(doc.paths)) {
      const op = item.get;
      if (!op?.tags?.includes('Insights')) continue;
      const path = template.replace('{table}', 'metrics').replace('{id}', '0123456789ab');
      for (const param of op.parameters ?? []) {
        if (param.in !== 'query' || !['since', 'until'].includes(param.name)) continue;
        const format = param.schema?.format;
        expect([template, param.name, format]).toEqual([
          template,
          param.name,
          expect.stringMatching(/^date/),
        ]);
        for (const value of BAD[format as keyof typeof BAD]) {
          for (const extra of ['', '&period=all', '&period=week']) {
            const url = `${path}?${param.name}=${value}${extra}`;
            const res = await api.call('GET', url, { token: a.secretKey });
            tried.push(url);
            expect([url, res.status, res.body?.error?.code]).toEqual([url, 400, 'validation_failed']);
          }
        }
      }
    }
    expect(tried.filter((u) => u.startsWith('/v1/insights/metrics?until=9999'))).toHaveLength(3);
    expect(tried.some((u) => u.startsWith('/v1/insights/csat?'))).toBe(true);
    expect(tried.some((u) => u.startsWith('/v1/insights/unanswered?'))).toBe(true);
    // The edges of the range are real dates, and answer.
    const edge = await api.call('GET', '/v1/insights/metrics?period=all&since=2000-01-01&until=2100-12-31', {
      token: a.secretKey,
    });
    expect(edge.status).toBe(200);
  });
});
