import { randomUUID } from 'node:crypto';
import { followUpList, followUpRuleAnswer, message as messageSchema } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isStopReply, startFollowUpWorker } from '../src/followups';
import { seedDemoStore } from '../src/knowledge';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

/**
 * Proactive follow-ups end to end, on a real API and database: a phone call about a product's care
 * ends, ten minutes later the shopper's mini-program gets the care card; opt-outs (three ways),
 * quiet hours, the weekly cap and an agent helping each hold a send back; erase cancels.
 */

type Shop = Awaited<ReturnType<TestApi['createShop']>>;

// 11:00 in Shanghai: outside the default quiet hours (21:00–09:00).
const MORNING = Date.UTC(2026, 5, 1, 3, 0);
const CARE_CARD = {
  title: '真皮托特包保养视频',
  description: '防水、除尘、定期护理，3 分钟学会。',
  imageUrl: 'https://shop.example/img/tote-care.jpg',
  targetUrl: 'https://shop.example/care/leather-tote',
};

let api: TestApi;
let clock: ReturnType<typeof createManualClock>;

beforeAll(async () => {
  clock = createManualClock(MORNING);
  api = await createTestApi({ clock, rateLimits: UNLIMITED, webhooks: { allowPrivateTargets: true } });
});
afterAll(() => api.close());

async function careShop(): Promise<Shop> {
  const shop = await api.createShop();
  await seedDemoStore(api.deps, shop.appId);
  const created = await api.call('POST', '/v1/follow-up-rules', {
    token: shop.secretKey,
    body: {
      name: 'Tote care card after a call about care',
      when: { channel: 'phone', intent: 'care_instructions', productId: 'p-leather-tote' },
      delaySeconds: 600,
      send: { channel: 'miniprogram', content: { kind: 'card', card: CARE_CARD } },
    },
  });
  expect(created.status, created.text).toBe(201);
  return shop;
}

/** A phone call on the generic voice protocol: the caller asks about care, then hangs up. */
async function callAboutCare(shop: Shop, phone: string, callId = randomUUID()) {
  const turn = (sequence: number, body: Record<string, unknown>) =>
    api.call('POST', '/v1/voice/turn', {
      token: shop.secretKey,
      body: { callId, from: phone, sequence, ...body },
    });
  expect((await turn(0, { event: 'start' })).status).toBe(200);
  const asked = await turn(1, { event: 'speech', utterance: '我买的那个真皮托特包平时要怎么保养啊' });
  expect(asked.status, asked.text).toBe(200);
  const hung = await turn(2, { event: 'hangup' });
  expect(hung.status, hung.text).toBe(200);
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

beforeEach(() => clock.set(MORNING));

describe('follow-up rules', () => {
  it('are created, listed with counts, changed and deleted with the secret key; bad links and unknown channels are refused', async () => {
    const shop = await careShop();
    const list = await api.call('GET', '/v1/follow-up-rules', { token: shop.secretKey });
    expect(list.status).toBe(200);
    expect(list.body.rules).toHaveLength(1);
    const rule = followUpRuleAnswer.shape.rule.parse(list.body.rules[0]);
    expect(rule).toMatchObject({
      enabled: true,
      when: { channel: 'phone', intent: 'care_instructions', productId: 'p-leather-tote' },
      delaySeconds: 600,
      send: { channel: 'miniprogram', content: { kind: 'card', card: CARE_CARD } },
      counts: { scheduled: 0, sent: 0, skipped: 0, cancelled: 0 },
    });

    const base = {
      name: 'x',
      when: { intent: 'care_instructions' },
      delaySeconds: 60,
      send: {
        channel: 'app',
        content: { kind: 'card', card: { title: 't', targetUrl: 'https://ok.example/' } },
      },
    };
    const badCards = [
      { title: 't', targetUrl: 'javascript:alert(1)' },
      { title: 't', targetUrl: ' javascript:alert(1)' },
      { title: 't', targetUrl: 'JaVaScRiPt:alert(1)' },
      { title: 't', targetUrl: 'data:text/html,<script>alert(1)</script>' },
      { title: 't', targetUrl: 'http://shop.example/care' },
      { title: 't', targetUrl: 'https://user:pass@shop.example/' },
      { title: 't', targetUrl: '//shop.example/care' },
      { title: 't', targetUrl: 'https://shop.example/\ncare' },
      { title: 't', targetUrl: 'https://shop.example/', imageUrl: 'javascript:alert(1)' },
      { title: '', targetUrl: 'https://shop.example/' },
      { title: 't', targetUrl: 'https://shop.example/', onclick: 'x' },
    ];
    for (const card of badCards) {
      const res = await api.call('POST', '/v1/follow-up-rules', {
        token: shop.secretKey,
        body: { ...base, send: { channel: 'app', content: { kind: 'card', card } } },
      });
      expect(res.status, JSON.stringify(card)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const unknownChannel = await api.call('POST', '/v1/follow-up-rules', {
      token: shop.secretKey,
      body: { ...base, send: { ...base.send, channel: 'fax' } },
    });
    expect(unknownChannel.status).toBe(400);
    expect(unknownChannel.body.error.code).toBe('unknown_channel');
    const noArticle = await api.call('POST', '/v1/follow-up-rules', {
      token: shop.secretKey,
      body: { ...base, send: { channel: 'app', content: { kind: 'article', articleId: 'no-such' } } },
    });
    expect(noArticle.status).toBe(400);
    const bySession = await api.call('GET', '/v1/follow-up-rules', {
      token: (await shop.startSession()).sessionToken,
    });
    expect(bySession.status).toBe(403);

    const patched = await api.call('PATCH', `/v1/follow-up-rules/${rule.id}`, {
      token: shop.secretKey,
      body: { enabled: false, delaySeconds: 1200 },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.rule).toMatchObject({ enabled: false, delaySeconds: 1200 });
    const removed = await api.call('DELETE', `/v1/follow-up-rules/${rule.id}`, { token: shop.secretKey });
    expect(removed.body).toEqual({ deleted: true });
    expect((await api.call('GET', `/v1/follow-up-rules/${rule.id}`, { token: shop.secretKey })).status).toBe(
      404,
    );
  });
});

describe('a phone call about care, then the care card on the mini-program', () => {
  it('is scheduled when the call hangs up, sent after the delay as a system message with a card, once, on the timeline', async () => {
    const shop = await careShop();
    const phone = '+8613911112222';
    await callAboutCare(shop, phone);
    const [scheduled] = await followUpsOf(shop);
    expect(scheduled).toMatchObject({ state: 'scheduled', channel: 'miniprogram', deferrals: 0 });
    expect(Date.parse(scheduled!.dueAt)).toBe(MORNING + 600_000);

    // The shopper opens the mini-program, logged in as the same person (the phone in the token).
    const mini = await shop.startSession({
      channel: 'miniprogram',
      identityToken: await shop.identityToken('user-care-1', { phone }),
    });
    // Not due yet: nothing is sent.
    await runWorker();
    expect((await followUpsOf(shop))[0]!.state).toBe('scheduled');

    clock.advance(600_000);
    await runWorker();
    await runWorker(); // a second pass (a second worker, a restart) sends nothing more
    const [sent] = await followUpsOf(shop);
    expect(sent).toMatchObject({ state: 'sent', channel: 'miniprogram' });
    const timeline = await api.call('GET', '/v1/timeline?limit=50', { token: mini.sessionToken });
    const cards = timeline.body.messages.filter((m: { meta?: { card?: unknown } }) => m.meta?.card);
    expect(cards).toHaveLength(1);
    const card = messageSchema.parse(cards[0]);
    expect(card).toMatchObject({
      id: sent!.messageId,
      channel: 'miniprogram',
      author: { type: 'system' },
      text: CARE_CARD.title,
      meta: { card: CARE_CARD, followUpId: sent!.id },
    });
    // Delivered live: the mini-program session's event feed has it.
    const updates = await api.call('GET', '/v1/updates?after=0&wait=0', { token: mini.sessionToken });
    expect(
      updates.body.events.filter(
        (e: { type: string; data: { id: string } }) => e.type === 'message.created' && e.data.id === card.id,
      ),
    ).toHaveLength(1);
    const rules = await api.call('GET', '/v1/follow-up-rules', { token: shop.secretKey });
    expect(rules.body.rules[0].counts).toMatchObject({ sent: 1, scheduled: 0 });
  });

  it('schedules nothing for another intent or product, and one follow-up however often the conversation ends', async () => {
    const shop = await careShop();
    const callId = randomUUID();
    const phone = '+8613911113333';
    const turn = (sequence: number, body: Record<string, unknown>) =>
      api.call('POST', '/v1/voice/turn', {
        token: shop.secretKey,
        body: { callId, from: phone, sequence, ...body },
      });
    await turn(0, { event: 'start' });
    await turn(1, { event: 'speech', utterance: '我的快递到哪了' });
    await turn(2, { event: 'hangup' });
    expect(await followUpsOf(shop)).toHaveLength(0);

    await callAboutCare(shop, '+8613911114444');
    await callAboutCare(shop, '+8613911114444'); // the same conversation (still open) ends again
    expect(await followUpsOf(shop)).toHaveLength(1);
  });
});

describe('consent and caps hold a send back', () => {
  async function dueFollowUp(phone: string) {
    const shop = await careShop();
    await callAboutCare(shop, phone);
    const mini = await shop.startSession({
      channel: 'miniprogram',
      identityToken: await shop.identityToken(`user-${phone}`, { phone }),
    });
    return { shop, mini };
  }

  it('an opt-out by POST /v1/track marketing_opt_out cancels what was scheduled and shows on the profile', async () => {
    const { shop, mini } = await dueFollowUp('+8613922220001');
    const tracked = await api.call('POST', '/v1/track', {
      token: mini.sessionToken,
      body: { name: 'marketing_opt_out' },
    });
    expect(tracked.status).toBe(202);
    expect((await followUpsOf(shop))[0]).toMatchObject({ state: 'cancelled', reason: 'opted_out' });
    const [customer] = await api.rows<{ attributes: string }>(
      'select attributes from customers where id = ?',
      [mini.customer.id],
    );
    expect(JSON.parse(customer!.attributes)).toMatchObject({ marketingOptOut: true });
    // Nothing new is scheduled for them either.
    await callAboutCare(shop, '+8613922220001');
    expect(await followUpsOf(shop, '?state=scheduled')).toHaveLength(0);
    clock.advance(700_000);
    await runWorker();
    expect(await followUpsOf(shop, '?state=sent')).toHaveLength(0);
  });

  it('a “退订” or “STOP” reply opts out; “stop the order please” does not', async () => {
    for (const [i, reply] of ['退订', ' STOP! ', 'TD'].entries()) {
      const { shop, mini } = await dueFollowUp(`+861392222010${i}`);
      const sent = await shop.send(mini.sessionToken, reply);
      expect(sent.status).toBe(201);
      expect((await followUpsOf(shop))[0], reply).toMatchObject({ state: 'cancelled', reason: 'opted_out' });
    }
    const { shop, mini } = await dueFollowUp('+8613922220109');
    await shop.send(mini.sessionToken, 'stop the order please');
    expect((await followUpsOf(shop))[0]!.state).toBe('scheduled');
  });

  it('stop replies are recognised through full-width forms, zero-width characters and punctuation; channel conventions apply', () => {
    const stops: [string, string?][] = [
      ['ＳＴＯＰ'],
      ['ＴＤ'],
      ['stop\u200b'],
      ['\u200bS\u200dTOP\ufeff'],
      ['stop?'],
      ['¿STOP?'],
      ['「退订」'],
      ['退订。'],
      ['别发了'],
      ['不要发了！'],
      ['Stop sending me messages.'],
      ['T', 'sms'],
      ['n', 'sms'],
      ['R', 'wechat_oa'],
      ['CANCEL', 'sms'],
      ['End', 'sms'],
      ['QUIT!', 'sms'],
      ['unsubscribe', 'phone'],
      ['退订', 'phone'],
    ];
    for (const [text, channel] of stops)
      expect(isStopReply(text, channel), `${text} on ${channel}`).toBe(true);
    const not: [string, string?][] = [
      ["don't stop"],
      ['stop the order'],
      ['stop the order please'],
      ['T', 'web'],
      ['cancel', 'miniprogram'],
      ['end', 'app'],
      ['stop', 'phone'],
      ['STOP!', 'phone'],
      ['td', 'phone'],
      [`stop${' '.repeat(80)}`],
    ];
    for (const [text, channel] of not)
      expect(isStopReply(text, channel), `${text} on ${channel}`).toBe(false);
  });

  it('a full-width or zero-width STOP in the mini-program opts out; a caller saying “stop” on the phone does not', async () => {
    for (const [i, reply] of ['ＳＴＯＰ', 'stop\u200b', 'stop?'].entries()) {
      const { shop, mini } = await dueFollowUp(`+861392222030${i}`);
      expect((await shop.send(mini.sessionToken, reply)).status).toBe(201);
      expect((await followUpsOf(shop))[0], reply).toMatchObject({ state: 'cancelled', reason: 'opted_out' });
    }
    const phone = '+8613922220309';
    const { shop } = await dueFollowUp(phone);
    const callId = randomUUID();
    for (const [sequence, body] of [{ event: 'start' }, { event: 'speech', utterance: 'stop' }].entries()) {
      const res = await api.call('POST', '/v1/voice/turn', {
        token: shop.secretKey,
        body: { callId, from: phone, sequence, ...body },
      });
      expect(res.status, res.text).toBe(200);
    }
    expect((await followUpsOf(shop))[0]!.state).toBe('scheduled');
  });

  it('the merchant’s profile attribute marketingOptOut: true cancels as well', async () => {
    const { shop } = await dueFollowUp('+8613922220201');
    const res = await api.call('POST', '/v1/customers', {
      token: shop.secretKey,
      body: { customer: { phone: '+8613922220201' }, attributes: { marketingOptOut: true } },
    });
    expect(res.status, res.text).toBe(200);
    expect((await followUpsOf(shop))[0]).toMatchObject({ state: 'cancelled', reason: 'opted_out' });
  });

  it('quiet hours in the app’s time zone move the send to their end, then it goes', async () => {
    const { shop } = await dueFollowUp('+8613922220301');
    // 22:30 in Shanghai when it falls due: quiet until 09:00.
    clock.set(Date.UTC(2026, 5, 1, 14, 30));
    await runWorker();
    const [moved] = await followUpsOf(shop);
    expect(moved).toMatchObject({ state: 'scheduled', deferrals: 1 });
    expect(Date.parse(moved!.dueAt)).toBe(Date.UTC(2026, 5, 2, 1, 0));
    clock.set(Date.UTC(2026, 5, 2, 1, 0));
    await runWorker();
    expect((await followUpsOf(shop))[0]!.state).toBe('sent');

    // A shop in Paris: 22:30 in Shanghai is 16:30 there, not quiet.
    clock.set(MORNING);
    const { shop: paris } = await dueFollowUp('+8613922220302');
    const settings = await api.call('PATCH', '/v1/follow-up-settings', {
      token: paris.secretKey,
      body: { timeZone: 'Europe/Paris' },
    });
    expect(settings.status, settings.text).toBe(200);
    clock.set(Date.UTC(2026, 5, 1, 14, 30));
    await runWorker();
    expect((await followUpsOf(paris))[0]!.state).toBe('sent');
    const bad = await api.call('PATCH', '/v1/follow-up-settings', {
      token: paris.secretKey,
      body: { timeZone: 'Mars/Olympus', quietHours: { start: '25:00', end: '9' } },
    });
    expect(bad.status).toBe(400);
  });

  it('one app time zone: quiet hours follow PATCH /v1/app timeZone; follow-ups may override it, null follows the app again', async () => {
    const { shop } = await dueFollowUp('+8613922220303');
    const settingsOf = async () => {
      const res = await api.call('GET', '/v1/follow-up-settings', { token: shop.secretKey });
      expect(res.status, res.text).toBe(200);
      return (res.body as { settings: { timeZone: string } }).settings.timeZone;
    };
    expect(await settingsOf()).toBe('Asia/Shanghai');
    // The merchant moves the shop to Paris once, in the app's settings (spelt loosely).
    const moved = await api.call('PATCH', '/v1/app', {
      token: shop.secretKey,
      body: { timeZone: 'europe/paris' },
    });
    expect(moved.status, moved.text).toBe(200);
    expect((moved.body as { app: { timeZone: string } }).app.timeZone).toBe('Europe/Paris');
    expect(await settingsOf()).toBe('Europe/Paris');
    const metrics = await api.call('GET', '/v1/insights/metrics?period=all', { token: shop.secretKey });
    expect((metrics.body as { timeZone: string }).timeZone).toBe('Europe/Paris');
    // 22:30 in Shanghai is 16:30 in Paris: not quiet, so it goes.
    clock.set(Date.UTC(2026, 5, 1, 14, 30));
    await runWorker();
    expect((await followUpsOf(shop))[0]!.state).toBe('sent');

    // An override for quiet hours only, canonicalised; null follows the app's zone again.
    const own = await api.call('PATCH', '/v1/follow-up-settings', {
      token: shop.secretKey,
      body: { timeZone: 'ASIA/SHANGHAI' },
    });
    expect(own.status, own.text).toBe(200);
    expect(await settingsOf()).toBe('Asia/Shanghai');
    const app = await api.call('GET', '/v1/app', { token: shop.secretKey });
    expect((app.body as { app: { timeZone: string } }).app.timeZone).toBe('Europe/Paris');
    const back = await api.call('PATCH', '/v1/follow-up-settings', {
      token: shop.secretKey,
      body: { timeZone: null },
    });
    expect(back.status, back.text).toBe(200);
    expect(await settingsOf()).toBe('Europe/Paris');
  });

  it('the weekly cap skips sends past N in any 7 days', async () => {
    const phone = '+8613922220401';
    const { shop, mini } = await dueFollowUp(phone);
    await api.call('PATCH', '/v1/follow-up-settings', { token: shop.secretKey, body: { weeklyCap: 1 } });
    clock.advance(600_000);
    await runWorker();
    expect((await followUpsOf(shop))[0]!.state).toBe('sent');
    // The conversation was ended by the call; a new call about care (a new conversation) a day later.
    const agent = await shop.addAgent({ name: 'A', skills: [] });
    await agent.presence('online');
    const open = await api.rows<{ id: string }>(
      "select id from conversations where customer_id = ? and status <> 'resolved'",
      [mini.customer.id],
    );
    for (const c of open) await agent.call('POST', `/v1/agent/conversations/${c.id}/resolve`);
    clock.advance(24 * 3600_000);
    await callAboutCare(shop, phone);
    clock.advance(600_000);
    await runWorker();
    const all = await followUpsOf(shop);
    expect(all.map((f) => f.state).sort()).toEqual(['sent', 'skipped']);
    expect(all.find((f) => f.state === 'skipped')!.reason).toBe('weekly_cap');
  });

  it('never during an open human conversation: deferred while an agent helps, sent after', async () => {
    const { shop, mini } = await dueFollowUp('+8613922220501');
    const agent = await shop.addAgent({ name: 'B', skills: [] });
    await agent.presence('online');
    const escalated = await api.call('POST', '/v1/escalate', { token: mini.sessionToken, body: {} });
    expect(escalated.status, escalated.text).toBe(200);
    clock.advance(600_000);
    await runWorker();
    const [held] = await followUpsOf(shop);
    expect(held).toMatchObject({ state: 'scheduled', deferrals: 1 });
    const conversationId = escalated.body.conversation.id;
    await agent.call('POST', `/v1/agent/conversations/${conversationId}/resolve`);
    clock.advance(15 * 60_000);
    await runWorker();
    expect((await followUpsOf(shop))[0]!.state).toBe('sent');
  });

  it('turning a rule off cancels what it already scheduled (rule_disabled); re-enabling does not revive it', async () => {
    const { shop } = await dueFollowUp('+8613922220701');
    const [rule] = (await api.call('GET', '/v1/follow-up-rules', { token: shop.secretKey })).body.rules;
    const off = await api.call('PATCH', `/v1/follow-up-rules/${rule.id}`, {
      token: shop.secretKey,
      body: { enabled: false },
    });
    expect(off.status, off.text).toBe(200);
    clock.advance(600_000);
    await runWorker();
    expect((await followUpsOf(shop))[0]).toMatchObject({
      state: 'cancelled',
      reason: 'rule_disabled',
      messageId: null,
    });
    await api.call('PATCH', `/v1/follow-up-rules/${rule.id}`, {
      token: shop.secretKey,
      body: { enabled: true },
    });
    await runWorker();
    expect(await followUpsOf(shop, '?state=sent')).toHaveLength(0);
  });

  it('a rule whose link is fixed after scheduling sends the fixed card; moved to another channel, it cancels', async () => {
    const fixed = { ...CARE_CARD, targetUrl: 'https://shop.example/care/leather-tote-v2' };
    const { shop, mini } = await dueFollowUp('+8613922220702');
    const [rule] = (await api.call('GET', '/v1/follow-up-rules', { token: shop.secretKey })).body.rules;
    const changed = await api.call('PATCH', `/v1/follow-up-rules/${rule.id}`, {
      token: shop.secretKey,
      body: { send: { channel: 'miniprogram', content: { kind: 'card', card: fixed } } },
    });
    expect(changed.status, changed.text).toBe(200);
    clock.advance(600_000);
    await runWorker();
    const [sent] = await followUpsOf(shop);
    expect(sent!.state).toBe('sent');
    const timeline = await api.call('GET', '/v1/timeline?limit=50', { token: mini.sessionToken });
    const card = timeline.body.messages.find((m: { id: string }) => m.id === sent!.messageId);
    // The fixed card, plus the click-through link every stored card gets.
    expect(card.meta.card).toEqual({ ...fixed, clickUrl: expect.stringMatching(/^\/r\//) });

    const other = await dueFollowUp('+8613922220703');
    const [otherRule] = (await api.call('GET', '/v1/follow-up-rules', { token: other.shop.secretKey })).body
      .rules;
    await api.call('PATCH', `/v1/follow-up-rules/${otherRule.id}`, {
      token: other.shop.secretKey,
      body: { send: { channel: 'app', content: { kind: 'card', card: fixed } } },
    });
    clock.advance(600_000);
    await runWorker();
    expect((await followUpsOf(other.shop))[0]).toMatchObject({ state: 'cancelled', reason: 'rule_changed' });
  });

  it('erasing the customer cancels their follow-ups', async () => {
    const { shop, mini } = await dueFollowUp('+8613922220601');
    const erased = await api.call('DELETE', `/v1/customers/${mini.customer.id}`, { token: shop.secretKey });
    expect(erased.status, erased.text).toBe(200);
    expect((await followUpsOf(shop))[0]).toMatchObject({ state: 'cancelled', reason: 'erased' });
    clock.advance(600_000);
    await runWorker();
    expect(await followUpsOf(shop, '?state=sent')).toHaveLength(0);
  });
});

describe('server channels', () => {
  /** A shop with the mini-program care card rule plus a second rule on `channel`. */
  async function twoRuleShop(channel: string) {
    const shop = await careShop();
    const rule = await api.call('POST', '/v1/follow-up-rules', {
      token: shop.secretKey,
      body: {
        name: `${channel} care text`,
        when: { intent: 'care_instructions' },
        delaySeconds: 60,
        send: { channel, content: { kind: 'text', text: '您的托特包保养指南：https://shop.example/care' } },
      },
    });
    expect(rule.status, rule.text).toBe(201);
    return shop;
  }

  it('an SMS follow-up that no webhook would carry is skipped no_webhook: no message, and it does not use the weekly cap', async () => {
    for (const events of [null, ['message.created']]) {
      const shop = await twoRuleShop('sms');
      await api.call('PATCH', '/v1/follow-up-settings', { token: shop.secretKey, body: { weeklyCap: 1 } });
      if (events) {
        const hook = await api.call('POST', '/v1/webhooks', {
          token: shop.secretKey,
          body: { url: 'http://127.0.0.1:9/threadline', events },
        });
        expect(hook.status, hook.text).toBe(201);
      }
      const phone = events ? '+8613933330011' : '+8613933330012';
      await callAboutCare(shop, phone);
      await shop.startSession({
        channel: 'miniprogram',
        identityToken: await shop.identityToken(`user-${phone}`, { phone }),
      });
      clock.advance(600_000);
      await runWorker();
      const all = await followUpsOf(shop);
      expect(
        all.find((f) => f.channel === 'sms'),
        String(events),
      ).toMatchObject({
        state: 'skipped',
        reason: 'no_webhook',
        messageId: null,
      });
      // The cap of 1 is still free for the card that can be delivered.
      expect(all.find((f) => f.channel === 'miniprogram')!.state).toBe('sent');
      const smsMessages = await api.rows('select id from messages where app_id = ? and channel = ?', [
        shop.appId,
        'sms',
      ]);
      expect(smsMessages).toHaveLength(0);
    }
  });

  it('a WeChat official-account follow-up to a customer with no openid is skipped not_reachable', async () => {
    const shop = await twoRuleShop('wechat_oa');
    const hook = await api.call('POST', '/v1/webhooks', {
      token: shop.secretKey,
      body: { url: 'http://127.0.0.1:9/threadline', events: ['*'] },
    });
    expect(hook.status, hook.text).toBe(201);
    await callAboutCare(shop, '+8613933330013');
    clock.advance(600_000);
    await runWorker();
    expect((await followUpsOf(shop)).find((f) => f.channel === 'wechat_oa')).toMatchObject({
      state: 'skipped',
      reason: 'not_reachable',
    });
    const events = await api.rows(
      "select id from webhook_events where app_id = ? and type = 'follow_up.sent'",
      [shop.appId],
    );
    expect(events).toHaveLength(0);
  });

  it('a mini-program follow-up to a caller who never used the mini-program is skipped not_on_channel', async () => {
    const shop = await careShop();
    await callAboutCare(shop, '+8613933330014');
    clock.advance(600_000);
    await runWorker();
    expect((await followUpsOf(shop))[0]).toMatchObject({
      state: 'skipped',
      reason: 'not_on_channel',
      messageId: null,
    });
  });

  it('an SMS follow-up goes to the app’s webhook as follow_up.sent and onto the timeline', async () => {
    const shop = await careShop();
    await api.call('POST', '/v1/follow-up-rules', {
      token: shop.secretKey,
      body: {
        name: 'SMS care text',
        when: { intent: 'care_instructions' },
        delaySeconds: 60,
        send: {
          channel: 'sms',
          content: { kind: 'text', text: '您的托特包保养指南：https://shop.example/care' },
        },
      },
    });
    const hook = await api.call('POST', '/v1/webhooks', {
      token: shop.secretKey,
      body: { url: 'http://127.0.0.1:9/threadline', events: ['follow_up.sent'] },
    });
    expect(hook.status, hook.text).toBe(201);
    await callAboutCare(shop, '+8613933330001');
    clock.advance(600_000);
    await runWorker();
    const sms = (await followUpsOf(shop)).find((f) => f.channel === 'sms')!;
    expect(sms.state).toBe('sent');
    const events = await api.rows<{ type: string; customer_id: string }>(
      "select type, customer_id from webhook_events where app_id = ? and type = 'follow_up.sent'",
      [shop.appId],
    );
    expect(events).toHaveLength(1);
    const [stored] = await api.opened(
      await api.rows<{ text: string; channel: string; author_type: string }>(
        'select text, channel, author_type from messages where id = ?',
        [sms.messageId],
      ),
    );
    expect(stored).toMatchObject({
      channel: 'sms',
      author_type: 'system',
      text: '您的托特包保养指南：https://shop.example/care',
    });
  });
});
