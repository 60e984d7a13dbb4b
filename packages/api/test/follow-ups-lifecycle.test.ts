import { randomUUID } from 'node:crypto';
import { followUpList } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FOLLOW_UP_MAX_ATTEMPTS,
  quietHoursEnd,
  STOP_CONFIRMATION,
  startFollowUpWorker,
} from '../src/followups';
import { seedDemoStore } from '../src/knowledge';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

/**
 * Follow-ups over a person's whole life, on a real API and database (review of issue 19, F3, F6,
 * F7, F9, F10, F13–F16): bot-only conversations end by the idle rule or the merchant's end route;
 * the weekly cap, cancels and lists hold across merged customers; one matter merged from two
 * conversations gets one card; erase leaves no linkable row; a stop reply is confirmed and recalls
 * pending webhook deliveries; a send that always fails backs off and gives up without starving
 * other apps; quiet hours end at the local time across DST.
 */

type Shop = Awaited<ReturnType<TestApi['createShop']>>;

// 11:00 in Shanghai: outside the default quiet hours (21:00–09:00).
const MORNING = Date.UTC(2026, 5, 1, 3, 0);
const CARE_QUESTION = '我买的那个真皮托特包平时要怎么保养啊';
const CARE_CARD = { title: '真皮托特包保养视频', targetUrl: 'https://shop.example/care/leather-tote' };

let api: TestApi;
let clock: ReturnType<typeof createManualClock>;

beforeAll(async () => {
  clock = createManualClock(MORNING);
  api = await createTestApi({ clock, rateLimits: UNLIMITED, webhooks: { allowPrivateTargets: true } });
});
afterAll(() => api.close());
beforeEach(() => clock.set(MORNING));

/** A demo shop with one rule: a care question on `from` → `content` on `to` after 10 minutes. */
async function shopWithRule(
  from: string | null,
  to: string,
  content: Record<string, unknown> = { kind: 'card', card: CARE_CARD },
): Promise<Shop> {
  const shop = await api.createShop({ settings: { followUps: { cardHosts: ['shop.example'] } } });
  await seedDemoStore(api.deps, shop.appId);
  const created = await api.call('POST', '/v1/follow-up-rules', {
    token: shop.secretKey,
    body: {
      name: 'care follow-up',
      when: { ...(from ? { channel: from } : {}), intent: 'care_instructions' },
      delaySeconds: 600,
      send: { channel: to, content },
    },
  });
  expect(created.status, created.text).toBe(201);
  return shop;
}

async function callAboutCare(shop: Shop, phone: string) {
  const callId = randomUUID();
  for (const [sequence, body] of [
    { event: 'start' },
    { event: 'speech', utterance: CARE_QUESTION },
    { event: 'hangup' },
  ].entries()) {
    const res = await api.call('POST', '/v1/voice/turn', {
      token: shop.secretKey,
      body: { callId, from: phone, sequence, ...body },
    });
    expect(res.status, res.text).toBe(200);
  }
}

async function subscribeWebhook(shop: Shop) {
  const hook = await api.call('POST', '/v1/webhooks', {
    token: shop.secretKey,
    body: { url: 'http://127.0.0.1:9/threadline', events: ['*'] },
  });
  expect(hook.status, hook.text).toBe(201);
}

const followUpsOf = async (shop: Shop, query = '') => {
  const res = await api.call('GET', `/v1/follow-ups${query}`, { token: shop.secretKey });
  expect(res.status, res.text).toBe(200);
  return followUpList.parse(res.body).followUps;
};

async function runWorker() {
  const worker = startFollowUpWorker(api.deps, { pollMs: 3_600_000 });
  try {
    await worker.drain();
  } finally {
    await worker.stop();
  }
}

const openConversations = (customerId: string) =>
  api.rows<{ id: string }>("select id from conversations where customer_id = ? and status <> 'resolved'", [
    customerId,
  ]);

describe('bot-only conversations end (F3)', () => {
  it('a web conversation about care with the bot, idle past the window, is scheduled by the worker, then sent', async () => {
    const shop = await shopWithRule('web', 'web');
    const web = await shop.startSession({ channel: 'web' });
    expect((await shop.send(web.sessionToken, CARE_QUESTION)).status).toBe(201);

    // Still inside the idle window (default 30 minutes): nothing ends.
    clock.advance(29 * 60_000);
    await runWorker();
    expect(await followUpsOf(shop)).toHaveLength(0);

    clock.advance(2 * 60_000);
    await runWorker();
    const [scheduled] = await followUpsOf(shop);
    expect(scheduled).toMatchObject({ state: 'scheduled', channel: 'web' });
    // Swept again: still one (the unique index and the sweep mark).
    clock.advance(60_000);
    await runWorker();
    expect(await followUpsOf(shop)).toHaveLength(1);

    clock.advance(10 * 60_000);
    await runWorker();
    const [sent] = await followUpsOf(shop);
    expect(sent!.state).toBe('sent');
    const timeline = await api.call('GET', '/v1/timeline?limit=50', { token: web.sessionToken });
    expect(
      timeline.body.messages.find((m: { id: string }) => m.id === sent!.messageId).meta.card,
    ).toMatchObject(CARE_CARD);
    // It was not resolved: the shopper carries on in the same conversation.
    expect(await openConversations(web.customer.id)).toHaveLength(1);
  });

  it('idleEndMinutes: 0 turns the idle rule off; a setting of 5 ends sooner', async () => {
    const shop = await shopWithRule('web', 'web');
    const off = await api.call('PATCH', '/v1/follow-up-settings', {
      token: shop.secretKey,
      body: { idleEndMinutes: 0 },
    });
    expect(off.status, off.text).toBe(200);
    expect(off.body.settings.idleEndMinutes).toBe(0);
    const web = await shop.startSession({ channel: 'web' });
    await shop.send(web.sessionToken, CARE_QUESTION);
    clock.advance(24 * 3600_000);
    await runWorker();
    expect(await followUpsOf(shop)).toHaveLength(0);

    await api.call('PATCH', '/v1/follow-up-settings', { token: shop.secretKey, body: { idleEndMinutes: 5 } });
    const other = await shop.startSession({ channel: 'web' });
    await shop.send(other.sessionToken, CARE_QUESTION);
    clock.advance(6 * 60_000);
    await runWorker();
    expect(await followUpsOf(shop)).toHaveLength(2);
  });

  it('POST /v1/conversations/{id}/end (secret key) resolves a conversation and schedules its rules, once', async () => {
    const shop = await shopWithRule(null, 'web');
    const web = await shop.startSession({ channel: 'web' });
    await shop.send(web.sessionToken, CARE_QUESTION);
    const [open] = await openConversations(web.customer.id);
    const path = `/v1/conversations/${open!.id}/end`;

    expect((await api.call('POST', path, { token: web.sessionToken })).status).toBe(403);
    const stranger = await api.createShop();
    const other = await api.call('POST', path, { token: stranger.secretKey });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('not_found');
    expect((await api.call('POST', '/v1/conversations/nope/end', { token: shop.secretKey })).status).toBe(
      404,
    );

    const ended = await api.call('POST', path, { token: shop.secretKey });
    expect(ended.status, ended.text).toBe(200);
    expect(ended.body).toMatchObject({
      conversation: { id: open!.id, status: 'resolved' },
      followUpsScheduled: 1,
    });
    const again = await api.call('POST', path, { token: shop.secretKey });
    expect(again.body.followUpsScheduled).toBe(0);
    expect(await followUpsOf(shop)).toHaveLength(1);

    // With an agent on it, the agent resolves it.
    const agent = await shop.addAgent({ name: 'A', skills: [] });
    await agent.presence('online');
    const next = await shop.startSession({ channel: 'web' });
    const escalated = await api.call('POST', '/v1/escalate', { token: next.sessionToken, body: {} });
    const busy = await api.call('POST', `/v1/conversations/${escalated.body.conversation.id}/end`, {
      token: shop.secretKey,
    });
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('conflict');
  });
});

describe('one person, many customer ids (F6, F13)', () => {
  it('a caller sent a follow-up while anonymous, then identified in the mini-program, is held to the weekly cap', async () => {
    const phone = '+8613944440001';
    const shop = await shopWithRule('phone', 'sms', {
      kind: 'text',
      text: '托特包保养指南 https://shop.example/care',
    });
    await subscribeWebhook(shop);
    await api.call('PATCH', '/v1/follow-up-settings', { token: shop.secretKey, body: { weeklyCap: 1 } });
    // A mini-program member whose phone the merchant does not know yet.
    const member = await shop.startSession({
      channel: 'miniprogram',
      identityToken: await shop.identityToken('user-f6', {}),
    });
    const person = member.customer.id;
    // They call: an anonymous caller, sent the SMS under that customer.
    await callAboutCare(shop, phone);
    clock.advance(600_000);
    await runWorker();
    const [first] = await followUpsOf(shop);
    expect(first!.state).toBe('sent');
    expect(first!.customerId).not.toBe(person);

    // Their token now carries the phone: the caller merges into the member.
    await shop.startSession({
      channel: 'miniprogram',
      identityToken: await shop.identityToken('user-f6', { phone }),
    });
    for (const c of await openConversations(person))
      expect(
        (await api.call('POST', `/v1/conversations/${c.id}/end`, { token: shop.secretKey })).status,
      ).toBe(200);
    // Listed under the person they are now.
    expect((await followUpsOf(shop, `?customerId=${person}`)).map((f) => f.id)).toEqual([first!.id]);

    clock.advance(24 * 3600_000);
    await callAboutCare(shop, phone);
    clock.advance(600_000);
    await runWorker();
    const all = await followUpsOf(shop);
    expect(all).toHaveLength(2);
    expect(all.find((f) => f.id !== first!.id)).toMatchObject({ state: 'skipped', reason: 'weekly_cap' });
  });

  it('merging two open conversations does not schedule the same rule twice for one matter', async () => {
    const phone = '+8613944440002';
    const shop = await shopWithRule(null, 'miniprogram');
    const agent = await shop.addAgent({ name: 'A', skills: [] });
    await agent.presence('online');
    // The mini-program member asked for a person before saying anything: an open conversation
    // with no intent recognised yet.
    const token = await shop.identityToken('user-m', {});
    const mini = await shop.startSession({ channel: 'miniprogram', identityToken: token });
    const escalated = await api.call('POST', '/v1/escalate', { token: mini.sessionToken, body: {} });
    expect(escalated.status, escalated.text).toBe(200);
    // The same person calls (not yet linked), asks about care and hangs up: one follow-up.
    await callAboutCare(shop, phone);
    expect(await followUpsOf(shop)).toHaveLength(1);
    // Their token now carries the phone: the caller merges into the member, and the call's open
    // conversation into theirs (which inherits the care intent).
    await shop.startSession({
      channel: 'miniprogram',
      identityToken: await shop.identityToken('user-m', { phone }),
    });
    const open = await openConversations(mini.customer.id);
    expect(open).toHaveLength(1);
    const resolved = await agent.call('POST', `/v1/agent/conversations/${open[0]!.id}/resolve`);
    expect(resolved.status, resolved.text).toBe(200);
    expect(await followUpsOf(shop)).toHaveLength(1);
  });
});

describe('erase and opt-out reach what was sent (F9, F10, F7)', () => {
  it('erase leaves no follow-up row linkable to the person; the rule keeps its counts', async () => {
    const phone = '+8613944440003';
    const shop = await shopWithRule('phone', 'miniprogram');
    await callAboutCare(shop, phone);
    const mini = await shop.startSession({
      channel: 'miniprogram',
      identityToken: await shop.identityToken(`user-${phone}`, { phone }),
    });
    clock.advance(600_000);
    await runWorker();
    expect((await followUpsOf(shop))[0]!.state).toBe('sent');
    const ids = [mini.customer.id, ...(await followUpsOf(shop)).map((f) => f.customerId)];
    const conversationIds = (
      await api.rows<{ id: string }>('select id from conversations where customer_id in (?, ?)', [
        ids[0]!,
        ids[1]!,
      ])
    ).map((r) => r.id);

    const erased = await api.call('DELETE', `/v1/customers/${mini.customer.id}`, { token: shop.secretKey });
    expect(erased.status, erased.text).toBe(200);
    for (const id of ids) {
      const [left] = await api.rows<{ n: number }>(
        'select count(*) as n from follow_ups where customer_id = ?',
        [id],
      );
      expect(Number(left!.n)).toBe(0);
      expect(await followUpsOf(shop, `?customerId=${id}`)).toHaveLength(0);
    }
    const [row] = await api.rows<{ conversation_id: string; message_id: string | null }>(
      'select conversation_id, message_id from follow_ups where app_id = ?',
      [shop.appId],
    );
    expect(conversationIds).not.toContain(row!.conversation_id);
    expect(row!.message_id).toBeNull();
    const rules = await api.call('GET', '/v1/follow-up-rules', { token: shop.secretKey });
    expect(rules.body.rules[0].counts).toMatchObject({ sent: 1 });
  });

  it('a stop reply is confirmed by a fixed system message, gets no bot answer, recalls pending follow_up.sent deliveries and tells the merchant', async () => {
    const phone = '+8613944440004';
    const shop = await shopWithRule('phone', 'sms', {
      kind: 'text',
      text: '托特包保养指南 https://shop.example/care',
    });
    await subscribeWebhook(shop);
    await callAboutCare(shop, phone);
    clock.advance(600_000);
    await runWorker();
    expect((await followUpsOf(shop))[0]!.state).toBe('sent');
    // The merchant's gateway is down: the follow_up.sent delivery is pending.
    const pending = () =>
      api.rows<{ n: number }>(
        "select count(*) as n from webhook_deliveries d join webhook_events e on e.seq = d.event_seq where e.app_id = ? and e.type = 'follow_up.sent' and d.state = 'pending'",
        [shop.appId],
      );
    expect(Number((await pending())[0]!.n)).toBe(1);

    const mini = await shop.startSession({
      channel: 'miniprogram',
      identityToken: await shop.identityToken(`user-${phone}`, { phone }),
    });
    const stop = await shop.send(mini.sessionToken, '退订');
    expect(stop.status, stop.text).toBe(201);
    expect(Number((await pending())[0]!.n)).toBe(0);
    const [recalled] = await api.rows<{ state: string; last_error: string }>(
      "select d.state, d.last_error from webhook_deliveries d join webhook_events e on e.seq = d.event_seq where e.app_id = ? and e.type = 'follow_up.sent'",
      [shop.appId],
    );
    expect(recalled).toMatchObject({ state: 'failed', last_error: 'recalled' });
    const updated = await api.rows(
      "select seq from webhook_events where app_id = ? and type = 'customer.updated' and customer_id = ?",
      [shop.appId, mini.customer.id],
    );
    expect(updated).toHaveLength(1);

    const timeline = await api.call('GET', '/v1/timeline?limit=50', { token: mini.sessionToken });
    const after = timeline.body.messages.slice(
      timeline.body.messages.findIndex((m: { text: string }) => m.text === '退订'),
    );
    expect(after.map((m: { author: { type: string } }) => m.author.type)).toEqual(['customer', 'system']);
    expect(after[1].text).toBe(STOP_CONFIRMATION.zh);

    const english = await shop.startSession({ channel: 'web' });
    const sent = await shop.send(english.sessionToken, 'STOP');
    expect(sent.status).toBe(201);
    const english2 = await api.call('GET', '/v1/timeline?limit=50', { token: english.sessionToken });
    expect(english2.body.messages.map((m: { text: string }) => m.text)).toEqual([
      'STOP',
      STOP_CONFIRMATION.en,
    ]);
  });
});

describe('the worker under failure and time (F14, F15)', () => {
  it('a poisoned app backs off and ends failed after N attempts; another app’s follow-up is still sent', async () => {
    const phone = '+8613944440005';
    const poisoned = await shopWithRule('phone', 'miniprogram');
    await callAboutCare(poisoned, phone);
    await poisoned.startSession({
      channel: 'miniprogram',
      identityToken: await poisoned.identityToken(`user-${phone}`, { phone }),
    });
    const [seed] = await followUpsOf(poisoned);
    // 250 follow-ups of this app, more than one scan's batch (200).
    await api.rows(
      `with recursive n(i) as (select 1 union all select i + 1 from n where i < 249)
       insert into follow_ups (id, app_id, rule_id, customer_id, conversation_id, channel, content, state, due_at, expires_at, deferrals, attempts, created_at, updated_at)
       select f.id || '-' || n.i, f.app_id, f.rule_id, f.customer_id, f.conversation_id || '-' || n.i, f.channel, f.content, f.state, f.due_at, f.expires_at, 0, 0, f.created_at, f.updated_at
       from follow_ups f, n where f.id = ?`,
      [seed!.id],
    );
    // A time zone this Node's ICU rejects: every send of the app throws.
    await api.rows(
      "update apps set settings = json_set(settings, '$.followUps.timeZone', 'Mars/Olympus') where id = ?",
      [poisoned.appId],
    );
    clock.advance(1000);
    const healthy = await shopWithRule('phone', 'miniprogram');
    await callAboutCare(healthy, '+8613944440006');
    await healthy.startSession({
      channel: 'miniprogram',
      identityToken: await healthy.identityToken('user-h', { phone: '+8613944440006' }),
    });

    clock.advance(601_000);
    await runWorker();
    expect((await followUpsOf(healthy))[0]!.state).toBe('sent');
    const states = () =>
      api.rows<{ state: string; reason: string | null; attempts: number; n: number }>(
        'select state, reason, attempts, count(*) as n from follow_ups where app_id = ? group by state, reason, attempts',
        [poisoned.appId],
      );
    expect(await states()).toEqual([{ state: 'scheduled', reason: null, attempts: 1, n: 250 }]);

    for (let i = 0; i < FOLLOW_UP_MAX_ATTEMPTS; i++) {
      clock.advance(2 * 3600_000);
      await runWorker();
    }
    expect(await states()).toEqual([
      { state: 'skipped', reason: 'failed', attempts: FOLLOW_UP_MAX_ATTEMPTS, n: 250 },
    ]);
  });

  it('quiet hours end at the local end time across DST (Paris, spring forward and fall back)', () => {
    const quiet = { start: '21:00', end: '09:00' };
    // 2026-03-28 21:30 CET; the clocks go forward that night: 09:00 CEST is 07:00Z.
    expect(quietHoursEnd(Date.UTC(2026, 2, 28, 20, 30), 'Europe/Paris', quiet)).toBe(
      Date.UTC(2026, 2, 29, 7, 0),
    );
    // 2026-10-24 21:30 CEST; the clocks go back that night: 09:00 CET is 08:00Z.
    expect(quietHoursEnd(Date.UTC(2026, 9, 24, 19, 30), 'Europe/Paris', quiet)).toBe(
      Date.UTC(2026, 9, 25, 8, 0),
    );
    // No change that night: as before.
    expect(quietHoursEnd(Date.UTC(2026, 5, 1, 19, 30), 'Europe/Paris', quiet)).toBe(
      Date.UTC(2026, 5, 2, 7, 0),
    );
    expect(quietHoursEnd(Date.UTC(2026, 5, 1, 14, 30), 'Asia/Shanghai', quiet)).toBe(
      Date.UTC(2026, 5, 2, 1, 0),
    );
  });

  it('a follow-up due on a Paris fall-back evening is sent once, at 09:00 local, after one deferral', async () => {
    const phone = '+8613944440007';
    const shop = await shopWithRule('phone', 'miniprogram');
    await api.call('PATCH', '/v1/follow-up-settings', {
      token: shop.secretKey,
      body: { timeZone: 'Europe/Paris' },
    });
    clock.set(Date.UTC(2026, 9, 24, 19, 20));
    await callAboutCare(shop, phone);
    await shop.startSession({
      channel: 'miniprogram',
      identityToken: await shop.identityToken(`user-${phone}`, { phone }),
    });
    clock.advance(600_000);
    await runWorker();
    const [moved] = await followUpsOf(shop);
    expect(moved).toMatchObject({ state: 'scheduled', deferrals: 1 });
    expect(Date.parse(moved!.dueAt)).toBe(Date.UTC(2026, 9, 25, 8, 0));
    clock.set(Date.UTC(2026, 9, 25, 8, 0));
    await runWorker();
    expect((await followUpsOf(shop))[0]).toMatchObject({ state: 'sent', deferrals: 1 });
  });
});

describe('rules and consent say what they mean (F18, F1 at rule time)', () => {
  it('a rule naming an intent or product the app does not have is refused; a partial `when` in PATCH keeps the rest', async () => {
    const shop = await shopWithRule('phone', 'miniprogram');
    const base = {
      name: 'x',
      delaySeconds: 60,
      send: { channel: 'app', content: { kind: 'text', text: 'hi' } },
    };
    for (const [when, path] of [
      [{ intent: 'care_instrutcions' }, 'intent'],
      [{ intent: 'care_instructions', productId: 'p-no-such-tote' }, 'productId'],
    ] as const) {
      const res = await api.call('POST', '/v1/follow-up-rules', {
        token: shop.secretKey,
        body: { ...base, when },
      });
      expect(res.status, res.text).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', issues: [{ path: ['when', path] }] });
    }
    const created = await api.call('POST', '/v1/follow-up-rules', {
      token: shop.secretKey,
      body: { ...base, when: { channel: 'phone', intent: 'care_instructions', productId: 'p-leather-tote' } },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.warnings).toEqual([]);
    const path = `/v1/follow-up-rules/${created.body.rule.id}`;
    const patched = await api.call('PATCH', path, {
      token: shop.secretKey,
      body: { when: { intent: 'size_advice' } },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.rule.when).toEqual({
      channel: 'phone',
      intent: 'size_advice',
      productId: 'p-leather-tote',
    });
    const cleared = await api.call('PATCH', path, {
      token: shop.secretKey,
      body: { when: { channel: null } },
    });
    expect(cleared.status, cleared.text).toBe(200);
    expect(cleared.body.rule.when).toMatchObject({ productId: 'p-leather-tote' });
    expect(cleared.body.rule.when.channel).toBeUndefined();
  });

  it('a server-channel rule with no subscribed webhook is saved with the warning no_webhook_for_channel', async () => {
    const shop = await shopWithRule('phone', 'sms', { kind: 'text', text: 'hi' });
    const body = {
      name: 'sms',
      when: { intent: 'care_instructions' },
      delaySeconds: 60,
      send: { channel: 'sms', content: { kind: 'text', text: 'hi' } },
    };
    const warned = await api.call('POST', '/v1/follow-up-rules', { token: shop.secretKey, body });
    expect(warned.status).toBe(201);
    expect(warned.body.warnings).toMatchObject([{ code: 'no_webhook_for_channel' }]);
    await subscribeWebhook(shop);
    const fine = await api.call('PATCH', `/v1/follow-up-rules/${warned.body.rule.id}`, {
      token: shop.secretKey,
      body: { name: 'sms care' },
    });
    expect(fine.status).toBe(200);
    expect(fine.body.warnings).toEqual([]);
  });

  it('consent events from the backend apply in `at` order, not array order', async () => {
    const shop = await shopWithRule('phone', 'miniprogram');
    const res = await api.call('POST', '/v1/customer-events', {
      token: shop.secretKey,
      body: {
        customer: { externalId: 'user-consent' },
        events: [
          { name: 'marketing_opt_out', at: '2026-05-30T10:00:00Z' },
          { name: 'marketing_opt_in', at: '2026-05-01T10:00:00Z' },
        ],
      },
    });
    expect(res.status, res.text).toBe(202);
    const [customer] = await api.rows<{ attributes: string }>(
      "select c.attributes from customers c join identities i on i.customer_id = c.id where i.kind = 'external' and i.value = ? and c.app_id = ?",
      ['user-consent', shop.appId],
    );
    expect(JSON.parse(customer!.attributes)).toMatchObject({ marketingOptOut: true });
  });
});
