import { errorEnvelope, handoffAnswer, sessionAnswer, timelinePage } from '@threadline/sdk-core/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createManualClock } from '../src/platform/clock';
import { anonymousId, createTestApi, type TestApi } from './harness';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;

/** A web shopper mid-conversation who asks to continue in the mini-program. */
async function webShopperWithCode(api: TestApi, shop: Shop) {
  const web = await shop.startSession({ channel: 'web' });
  const sent = await shop.send(web.sessionToken, '这件外套有 M 码吗？');
  expect(sent.status).toBe(201);
  const created = await api.call('POST', '/v1/handoffs', {
    token: web.sessionToken,
    body: { toChannel: 'miniprogram' },
  });
  expect(created.status).toBe(201);
  return { web, conversationId: sent.body.conversation.id as string, ...handoffAnswer.parse(created.body) };
}

const claim = (api: TestApi, shop: Shop, handoffCode: string, extra: Record<string, unknown> = {}) =>
  api.call('POST', '/v1/sessions', {
    token: shop.publishableKey,
    body: { channel: 'miniprogram', anonymousId: anonymousId(), handoffCode, ...extra },
    headers: extra.headers as Record<string, string> | undefined,
  });

const errorCode = (res: { body: unknown }) => errorEnvelope.parse(res.body).error.code;

describe('handoff codes move a live conversation to another channel', () => {
  const clock = createManualClock(Date.UTC(2026, 2, 1, 9));
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    // A generous client limit: this block checks outcomes; guessing limits have their own block.
    api = await createTestApi({
      clock,
      rateLimits: { handoffClaimFailuresPerIpPerMinute: 1000, handoffClaimFailuresPerDevicePerHour: 1000 },
    });
    shop = await api.createShop({ settings: { handoffUrlBase: 'https://shop.example/continue' } });
  });
  afterAll(() => api.close());

  it('continues the web conversation in the mini-program with the long code', async () => {
    const { web, conversationId, code, shortCode, url } = await webShopperWithCode(api, shop);
    expect(shortCode).toMatch(/^\d{6}$/);
    expect(url).toBe(`https://shop.example/continue?handoff=${encodeURIComponent(code)}`);

    const claimed = await claim(api, shop, code);
    expect(claimed.status).toBe(201);
    const session = sessionAnswer.parse(claimed.body);
    expect(session.anonymousId).not.toBe(web.anonymousId);
    expect(session.customer.id).toBe(web.customer.id);
    expect(session.conversation?.id).toBe(conversationId);
    expect(session.handoff).toMatchObject({ fromChannel: 'web', conversationId });

    const next = await shop.send(session.sessionToken, '我在小程序里继续问');
    expect(next.body.conversation.id).toBe(conversationId);
    const timeline = timelinePage.parse(
      (await api.call('GET', '/v1/timeline', { token: session.sessionToken })).body,
    );
    expect(timeline.messages.map((m) => [m.channel, m.text])).toEqual([
      ['web', '这件外套有 M 码吗？'],
      ['miniprogram', '我在小程序里继续问'],
    ]);
  });

  it('accepts the 6-digit short code read out over the phone, with the last 4 digits of the caller’s phone', async () => {
    const call = await shop.channelMessage('phone', { phone: '13800000077' }, '能发个链接到 App 吗');
    const created = await api.call('POST', '/v1/handoffs', {
      token: shop.agentToken,
      body: { toChannel: 'app', customer: { phone: '13800000077' } },
    });
    const { shortCode } = handoffAnswer.parse(created.body);
    const bare = await claim(api, shop, shortCode);
    expect([bare.status, errorCode(bare)]).toEqual([400, 'handoff_check_required']);
    const claimed = await claim(api, shop, shortCode, { handoffCheck: '0077' });
    expect(claimed.status).toBe(201);
    expect(claimed.body.customer.id).toBe(call.body.customer.id);
    expect(claimed.body.handoff).toMatchObject({
      fromChannel: 'phone',
      conversationId: call.body.conversation.id,
    });
  });

  it('refuses a second claim of the same code', async () => {
    const { code, shortCode } = await webShopperWithCode(api, shop);
    expect((await claim(api, shop, code)).status).toBe(201);
    const again = await claim(api, shop, code);
    expect([again.status, errorCode(again)]).toEqual([409, 'handoff_code_used']);
    // Short codes are recycled once used, so a used one reads as unknown.
    const short = await claim(api, shop, shortCode, { handoffCheck: '1234' });
    expect([short.status, errorCode(short)]).toEqual([404, 'handoff_code_invalid']);
  });

  it('refuses an expired code (10 minutes by default) with the same answer as an unknown one', async () => {
    const { code, shortCode } = await webShopperWithCode(api, shop);
    clock.advance(10 * 60_000 + 1_000);
    for (const presented of [code, shortCode]) {
      const late = await claim(api, shop, presented, { handoffCheck: '1234' });
      expect([late.status, errorCode(late)]).toEqual([404, 'handoff_code_invalid']);
    }
  });

  it('refuses a guessed code', async () => {
    await webShopperWithCode(api, shop);
    for (const guess of ['not-a-real-code-at-all-0123456789', '000000']) {
      const res = await claim(api, shop, guess, { handoffCheck: '0000' });
      // A 6-digit guess can hit a live code by chance; anything else must be unknown.
      if (res.status !== 201) expect([res.status, errorCode(res)]).toEqual([404, 'handoff_code_invalid']);
    }
    const long = await claim(api, shop, 'ZZZZ-definitely-not-issued-ZZZZ');
    expect([long.status, errorCode(long)]).toEqual([404, 'handoff_code_invalid']);
  });

  it('refuses a session verified as another customer, and the code still works for its owner', async () => {
    const alice = await shop.startSession({
      channel: 'app',
      identityToken: await shop.identityToken('alice'),
    });
    await shop.send(alice.sessionToken, 'alice asks about her order');
    const created = await api.call('POST', '/v1/handoffs', { token: alice.sessionToken, body: {} });
    const { code } = handoffAnswer.parse(created.body);

    const bob = await claim(api, shop, code, { identityToken: await shop.identityToken('bob') });
    expect([bob.status, errorCode(bob)]).toEqual([409, 'identity_conflict']);
    const bobDevice = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken('bob'),
    });
    await shop.send(bobDevice.sessionToken, 'bob asks about his own order');
    const bobTimeline = timelinePage.parse(
      (await api.call('GET', '/v1/timeline', { token: bobDevice.sessionToken })).body,
    );
    expect(bobTimeline.messages.map((m) => m.text)).toEqual(['bob asks about his own order']);

    const aliceElsewhere = await claim(api, shop, code, { identityToken: await shop.identityToken('alice') });
    expect(aliceElsewhere.status).toBe(201);
    expect(aliceElsewhere.body.customer.id).toBe(alice.customer.id);
  });

  it('lets exactly one of two concurrent claims win', async () => {
    const { web, code } = await webShopperWithCode(api, shop);
    const results = await Promise.all([
      claim(api, shop, code),
      claim(api, shop, code),
      claim(api, shop, code),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409]);
    for (const lost of results.filter((r) => r.status !== 201))
      expect(errorCode(lost)).toBe('handoff_code_used');
    expect(results.find((r) => r.status === 201)!.body.customer.id).toBe(web.customer.id);
    const [row] = await api.rows<{ n: number }>(
      'select count(*) as n from sessions where customer_id = ? and channel = ?',
      [web.customer.id, 'miniprogram'],
    );
    expect(row!.n).toBe(1);
  });

  it('lets the merchant backend and agents hand a caller off by externalId or phone', async () => {
    // The caller is known from the phone line; an IVR texts them a link to the app.
    const call = await shop.channelMessage('phone', { phone: '13800000042' }, '我想查一下退货进度');
    expect(call.status).toBe(201);
    const callerId = call.body.customer.id as string;
    const bySecret = await api.call('POST', '/v1/handoffs', {
      token: shop.secretKey,
      body: { toChannel: 'app', customer: { phone: '138-0000-0042' } },
    });
    expect(bySecret.status).toBe(201);
    const inApp = await api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      body: { channel: 'app', anonymousId: anonymousId(), handoffCode: bySecret.body.code },
    });
    expect(inApp.status).toBe(201);
    expect(inApp.body.customer.id).toBe(callerId);
    expect(inApp.body.handoff).toMatchObject({
      fromChannel: 'phone',
      conversationId: call.body.conversation.id,
    });

    await shop.channelMessage('wecom', { externalId: 'user-77' }, '企业微信上的问题');
    const byAgent = await api.call('POST', '/v1/handoffs', {
      token: shop.agentToken,
      body: { customer: { externalId: 'user-77' } },
    });
    expect(byAgent.status).toBe(201);
    // No phone on file: the short code alone opens nothing; the link code does.
    const short = await claim(api, shop, byAgent.body.shortCode, { handoffCheck: '0000' });
    expect([short.status, errorCode(short)]).toEqual([404, 'handoff_code_invalid']);
    const joined = await claim(api, shop, byAgent.body.code);
    expect(joined.status).toBe(201);
    expect(joined.body.handoff.fromChannel).toBe('wecom');

    const nobody = await api.call('POST', '/v1/handoffs', { token: shop.secretKey, body: {} });
    expect([nobody.status, errorCode(nobody)]).toEqual([400, 'validation_failed']);
  });
});

describe('guessing handoff codes is rate-limited', () => {
  afterEach(() => vi.useRealTimers());

  it('answers 429 with Retry-After past the limit, and refuses even the right code until the window ends', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2026, 2, 2, 9));
    const clock = createManualClock(Date.UTC(2026, 2, 2, 9));
    const api = await createTestApi({ clock, rateLimits: { handoffClaimFailuresPerIpPerMinute: 10 } });
    try {
      const shop = await api.createShop();
      const { code, web } = await webShopperWithCode(api, shop);
      for (let i = 0; i < 10; i++) {
        const guess = await claim(api, shop, `guessed-code-number-${i}-xxxxxxxx`);
        expect([guess.status, errorCode(guess)]).toEqual([404, 'handoff_code_invalid']);
      }
      const limited = await claim(api, shop, 'guessed-code-number-10-xxxxxxxx');
      expect([limited.status, errorCode(limited)]).toEqual([429, 'rate_limited']);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(errorEnvelope.parse(limited.body).error.retryAfterSec).toBe(
        Number(limited.headers.get('retry-after')),
      );

      const rightButLimited = await claim(api, shop, code);
      expect([rightButLimited.status, errorCode(rightButLimited)]).toEqual([429, 'rate_limited']);

      vi.setSystemTime(Date.now() + 61_000);
      const afterWindow = await claim(api, shop, code);
      expect(afterWindow.status).toBe(201);
      expect(afterWindow.body.customer.id).toBe(web.customer.id);
    } finally {
      await api.close();
    }
  });
});
