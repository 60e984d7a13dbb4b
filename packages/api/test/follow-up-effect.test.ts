import { randomUUID } from 'node:crypto';
import { followUpEffectAnswer, followUpList } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFollowUpWorker } from '../src/followups';
import { seedDemoStore } from '../src/knowledge';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

/**
 * Issue 19 item 6, the measured effect: every card carries a click-through link that records the
 * open and redirects to the stored target only; orders the merchant pushes count for the latest
 * follow-up sent within 30 days before them; `GET /v1/insights/follow-ups` reports exact figures.
 */

type Shop = Awaited<ReturnType<TestApi['createShop']>>;

// 11:00 in Shanghai on 1 June 2026: outside the default quiet hours.
const MORNING = Date.UTC(2026, 5, 1, 3, 0);
const DAY = 24 * 3600_000;
const CARE_CARD = {
  title: '真皮托特包保养视频',
  imageUrl: 'https://shop.example/img/tote-care.jpg',
  targetUrl: 'https://shop.example/care/leather-tote',
};

let api: TestApi;
let clock: ReturnType<typeof createManualClock>;

beforeAll(async () => {
  clock = createManualClock(MORNING);
  api = await createTestApi({ clock, rateLimits: UNLIMITED });
});
afterAll(() => api.close());

async function careShop(): Promise<Shop & { ruleId: string }> {
  const shop = await api.createShop();
  await seedDemoStore(api.deps, shop.appId);
  const created = await api.call('POST', '/v1/follow-up-rules', {
    token: shop.secretKey,
    body: {
      name: '电话问保养 → 小程序保养卡',
      when: { channel: 'phone', intent: 'care_instructions', productId: 'p-leather-tote' },
      delaySeconds: 600,
      send: { channel: 'miniprogram', content: { kind: 'card', card: CARE_CARD } },
    },
  });
  expect(created.status, created.text).toBe(201);
  return { ...shop, ruleId: created.body.rule.id };
}

/**
 * A caller (anonymous, by phone) asks about the tote's care and hangs up; then opens the
 * mini-program signed in with the same phone, which merges the caller into the member — so the
 * follow-up is stored under the caller's id and the member's orders under the member's.
 */
async function callerWhoUsesTheMiniProgram(shop: Shop, i: number) {
  const phone = `+86139000${String(i).padStart(5, '0')}`;
  const userId = `member-${i}`;
  // The member is known to the shop (by user id, no phone on file) before the call.
  const member = await api.call('POST', '/v1/customers', {
    token: shop.secretKey,
    body: { customer: { externalId: userId }, name: `会员${i}` },
  });
  expect(member.status, member.text).toBe(200);
  const callId = randomUUID();
  const turn = (sequence: number, body: Record<string, unknown>) =>
    api.call('POST', '/v1/voice/turn', {
      token: shop.secretKey,
      body: { callId, from: phone, sequence, ...body },
    });
  expect((await turn(0, { event: 'start' })).status).toBe(200);
  expect((await turn(1, { event: 'speech', utterance: '我买的那个真皮托特包平时要怎么保养啊' })).status).toBe(
    200,
  );
  expect((await turn(2, { event: 'hangup' })).status).toBe(200);
  const mini = await shop.startSession({
    channel: 'miniprogram',
    identityToken: await shop.identityToken(userId, { phone }),
  });
  return { userId, mini };
}

async function runWorker() {
  const worker = startFollowUpWorker(api.deps, { pollMs: 3_600_000 });
  try {
    await worker.drain();
  } finally {
    await worker.stop();
  }
}

async function cardOf(sessionToken: string) {
  const timeline = await api.call('GET', '/v1/timeline?limit=50', { token: sessionToken });
  const cards = timeline.body.messages.filter((m: { meta?: { card?: unknown } }) => m.meta?.card);
  expect(cards).toHaveLength(1);
  return cards[0] as { id: string; meta: { card: { targetUrl: string; clickUrl: string } } };
}

const pushOrder = (shop: Shop, userId: string, id: string, placedAt: number, status = 'paid') =>
  api.call('POST', '/v1/orders', {
    token: shop.secretKey,
    body: {
      customer: { externalId: userId },
      orders: [
        { id, status, items: [], amount: 399, currency: 'CNY', placedAt: new Date(placedAt).toISOString() },
      ],
    },
  });

describe('card click-through', () => {
  it('links every follow-up card through /r/{token}: the first open is kept once, repeats are counted, and it redirects to the stored target only', async () => {
    clock.set(MORNING);
    const shop = await careShop();
    const { mini } = await callerWhoUsesTheMiniProgram(shop, 1);
    clock.advance(600_000);
    await runWorker();
    const card = await cardOf(mini.sessionToken);
    // The target stays the real one (clients show its host); the link is the click-through.
    expect(card.meta.card.targetUrl).toBe(CARE_CARD.targetUrl);
    expect(card.meta.card.clickUrl).toMatch(/^\/r\/msg_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    const link = card.meta.card.clickUrl;

    // A link preview (HEAD) redirects but is not an open.
    const head = await api.app.request(link, { method: 'HEAD' });
    expect(head.status).toBe(302);
    expect(await api.rows('SELECT * FROM card_opens')).toHaveLength(0);

    clock.advance(60_000);
    const firstOpen = clock.now();
    // Whatever the query says, the redirect goes to the stored target.
    for (const path of [link, `${link}?url=https://evil.example/`, `${link}?targetUrl=javascript:alert(1)`]) {
      const res = await api.app.request(path);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(CARE_CARD.targetUrl);
      expect(res.headers.get('cache-control')).toBe('no-store');
      clock.advance(1000);
    }
    // An app that opens the page in its own web-view asks for JSON: the target, and the open counted.
    const asJson = await api.call('GET', link, { headers: { accept: 'application/json' } });
    expect(asJson.status).toBe(200);
    expect(asJson.body).toEqual({ targetUrl: CARE_CARD.targetUrl });
    const [open] = await api.rows<Record<string, unknown>>(
      'SELECT message_id, follow_up_id, opened_at, opens FROM card_opens',
    );
    const [followUp] = followUpList.parse(
      (await api.call('GET', '/v1/follow-ups', { token: shop.secretKey })).body,
    ).followUps;
    expect(open).toMatchObject({ message_id: card.id, follow_up_id: followUp!.id, opens: 4 });
    expect(Number(open!.opened_at)).toBe(firstOpen);

    // Forged, tampered, malformed or unknown tokens: 404 in the error envelope, nothing recorded.
    const [messageId, mac] = link.slice(3).split('.') as [string, string];
    const flipped = `${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
    for (const token of [
      `${messageId}.${flipped}`,
      `msg_nosuchmessage00000.${mac}`,
      messageId,
      'x',
      `${messageId}.${mac}.extra`,
      encodeURIComponent('https://evil.example/'),
    ]) {
      const res = await api.call('GET', `/r/${token}`);
      expect(res.status, token).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect((await api.rows<{ opens: number }>('SELECT opens FROM card_opens'))[0]!.opens).toBe(4);

    // Once the customer is erased, the link is dead and the open is gone with them.
    const erased = await api.call('DELETE', `/v1/customers/${mini.customer.id}`, { token: shop.secretKey });
    expect(erased.status, erased.text).toBeLessThan(300);
    expect((await api.app.request(link)).status).toBe(404);
    expect(await api.rows('SELECT * FROM card_opens')).toHaveLength(0);
  });

  it('an agent’s card gets a click-through link too (an open with no follow-up)', async () => {
    clock.set(MORNING);
    const shop = await api.createShop();
    const session = await shop.startSession({ channel: 'web' });
    await shop.send(session.sessionToken, '我想看看托特包');
    const agent = await shop.addAgent({ name: '小周', email: `a-${randomUUID()}@shop.example` });
    const [conversation] = await api.rows<{ id: string }>(
      'SELECT id FROM conversations WHERE customer_id = ?',
      [session.customer.id],
    );
    const sent = await agent.call('POST', `/v1/agent/conversations/${conversation!.id}/cards`, {
      card: { title: '真皮托特包', targetUrl: 'https://shop.example/p/leather-tote' },
    });
    expect(sent.status, sent.text).toBe(201);
    const link = sent.body.message.meta.card.clickUrl as string;
    expect(link).toMatch(/^\/r\//);
    const res = await api.app.request(link);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://shop.example/p/leather-tote');
    const opens = await api.rows(
      'SELECT message_id, follow_up_id, opens FROM card_opens WHERE message_id = ?',
      [sent.body.message.id],
    );
    expect(opens).toEqual([{ message_id: sent.body.message.id, follow_up_id: null, opens: 1 }]);
  });
});

describe('GET /v1/insights/follow-ups', () => {
  it('counts exactly: sent, opened (repeat clicks once), orders within 30 days over merged ids (day 31 and orders before the send are not counted; an order pushed twice counts once)', async () => {
    clock.set(MORNING);
    const shop = await careShop();
    const people = [];
    for (let i = 1; i <= 6; i++) people.push(await callerWhoUsesTheMiniProgram(shop, 100 + i));
    // An order placed before the follow-up is sent (customer 3): it must not count.
    await pushOrder(shop, people[2]!.userId, 'before-send', MORNING + 60_000);
    clock.set(MORNING + 600_000);
    await runWorker();
    const sentAt = clock.now();
    const followUps = followUpList.parse(
      (await api.call('GET', '/v1/follow-ups', { token: shop.secretKey })).body,
    ).followUps;
    expect(followUps.map((f) => f.state)).toEqual(Array(6).fill('sent'));
    // Stored under the callers, who have since been merged into the members the orders name.
    const merged = await api.rows<{ n: number }>(
      'SELECT count(*) AS n FROM follow_ups f JOIN customers c ON c.id = f.customer_id WHERE f.app_id = ? AND c.merged_into IS NOT NULL',
      [shop.appId],
    );
    expect(Number(merged[0]!.n)).toBe(6);

    // Clicks: customers 1, 2 and 3 open their card; customer 1 twice.
    const links = await Promise.all(
      people.map(async (p) => (await cardOf(p.mini.sessionToken)).meta.card.clickUrl),
    );
    for (const i of [0, 0, 1, 2]) expect((await api.app.request(links[i]!)).status).toBe(302);

    // Orders, pushed a month on: 1 at day 5 (counts), 2 at day 31 (no), 4 at day 10 and day 29
    // and the day-10 one pushed again as shipped (counts once), 5 at day 1 (counts, not opened).
    clock.set(sentAt + 32 * DAY);
    const orders: [number, string, number][] = [
      [0, 'o-1', sentAt + 5 * DAY],
      [1, 'o-2', sentAt + 31 * DAY],
      [3, 'o-4a', sentAt + 10 * DAY],
      [3, 'o-4b', sentAt + 29 * DAY],
      [4, 'o-5', sentAt + 1 * DAY],
    ];
    for (const [who, id, at] of orders)
      expect((await pushOrder(shop, people[who]!.userId, id, at)).status).toBe(200);
    expect((await pushOrder(shop, people[3]!.userId, 'o-4a', sentAt + 10 * DAY, 'shipped')).status).toBe(200);

    const res = await api.call(
      'GET',
      '/v1/insights/follow-ups?period=all&since=2026-06-01&until=2026-06-01',
      {
        token: shop.secretKey,
      },
    );
    expect(res.status, res.text).toBe(200);
    const answer = followUpEffectAnswer.parse(res.body);
    const expected = { sent: 6, opened: 3, opens: 4, openRate: 0.5, ordered: 3, conversionRate: 0.5 };
    expect(answer.attributionDays).toBe(30);
    expect(answer.rows).toEqual([
      { period: '2026-06-01', scope: 'all', channel: null, ruleId: null, ruleName: null, ...expected },
      {
        period: '2026-06-01',
        scope: 'channel',
        channel: 'miniprogram',
        ruleId: null,
        ruleName: null,
        ...expected,
      },
      {
        period: '2026-06-01',
        scope: 'rule',
        channel: null,
        ruleId: shop.ruleId,
        ruleName: '电话问保养 → 小程序保养卡',
        ...expected,
      },
    ]);

    // Days: all on 1 June, nothing the day after; another channel's filter finds nothing.
    const days = followUpEffectAnswer.parse(
      (
        await api.call('GET', '/v1/insights/follow-ups?since=2026-06-01&until=2026-06-02', {
          token: shop.secretKey,
        })
      ).body,
    );
    expect(days.rows.filter((r) => r.scope === 'all').map((r) => [r.period, r.sent])).toEqual([
      ['2026-06-01', 6],
      ['2026-06-02', 0],
    ]);
    const sms = followUpEffectAnswer.parse(
      (
        await api.call(
          'GET',
          '/v1/insights/follow-ups?period=all&since=2026-06-01&until=2026-06-01&channel=sms',
          {
            token: shop.secretKey,
          },
        )
      ).body,
    );
    expect(sms.rows).toEqual([expect.objectContaining({ scope: 'all', sent: 0, openRate: null })]);

    // The same figures as CSV.
    const csv = await api.call(
      'GET',
      '/v1/insights/export/follow-ups?period=all&since=2026-06-01&until=2026-06-01',
      { token: shop.secretKey },
    );
    expect(csv.status, csv.text).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = csv.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).toBe(
      'period,scope,channel,ruleId,ruleName,sent,opened,openRate,opens,ordered,conversionRate',
    );
    expect(lines[1]).toBe('2026-06-01,all,,,,6,3,0.5,4,3,0.5');
    expect(lines).toHaveLength(4);

    // Supervisors read it; plain agents do not; another app sees none of it.
    const plain = await shop.addAgent({ name: 'A', email: `p-${randomUUID()}@shop.example` });
    expect((await plain.call('GET', '/v1/insights/follow-ups')).status).toBe(403);
    const other = await api.createShop();
    const theirs = await api.call(
      'GET',
      '/v1/insights/follow-ups?period=all&since=2026-06-01&until=2026-06-01',
      {
        token: other.secretKey,
      },
    );
    expect(theirs.body.rows).toEqual([
      expect.objectContaining({ scope: 'all', sent: 0, opened: 0, ordered: 0 }),
    ]);
  });

  it('an order counts once, for the latest follow-up sent before it (last touch)', async () => {
    clock.set(MORNING);
    const shop = await careShop();
    const second = await api.call('POST', '/v1/follow-up-rules', {
      token: shop.secretKey,
      body: {
        name: '再次提醒',
        when: { channel: 'phone', intent: 'care_instructions' },
        delaySeconds: 3 * 24 * 3600,
        send: { channel: 'miniprogram', content: { kind: 'text', text: '保养小贴士：避免暴晒。' } },
      },
    });
    expect(second.status, second.text).toBe(201);
    const { userId } = await callerWhoUsesTheMiniProgram(shop, 200);
    clock.set(MORNING + 600_000);
    await runWorker();
    clock.set(MORNING + 3 * DAY);
    await runWorker();
    const sent = followUpList
      .parse((await api.call('GET', '/v1/follow-ups', { token: shop.secretKey })).body)
      .followUps.filter((f) => f.state === 'sent');
    expect(sent).toHaveLength(2);
    // Placed after both sends: it belongs to the later (the reminder), not to both.
    clock.set(MORNING + 4 * DAY);
    expect((await pushOrder(shop, userId, 'o-last-touch', MORNING + 4 * DAY - 1000)).status).toBe(200);
    const answer = followUpEffectAnswer.parse(
      (
        await api.call('GET', '/v1/insights/follow-ups?period=all&since=2026-06-01&until=2026-06-05', {
          token: shop.secretKey,
        })
      ).body,
    );
    const byRule = Object.fromEntries(
      answer.rows.filter((r) => r.scope === 'rule').map((r) => [r.ruleId, [r.sent, r.ordered]]),
    );
    expect(byRule).toEqual({ [shop.ruleId]: [1, 0], [second.body.rule.id]: [1, 1] });
    expect(answer.rows.find((r) => r.scope === 'all')).toMatchObject({
      sent: 2,
      ordered: 1,
      conversionRate: 0.5,
    });
  });
});
