import { appAnswer, errorEnvelope, handoffAnswer } from '@threadline/sdk-core/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_LIVE_CODES_PER_CUSTOMER, MAX_SHORT_CODE_CHECK_FAILURES } from '../src/handoffs';
import { createManualClock } from '../src/platform/clock';
import { anonymousId, createTestApi, type TestApi } from './harness';

/** Issue 8, items 2, 3 and 4: floods, code exhaustion and guessing, against the real API. */
type Shop = Awaited<ReturnType<TestApi['createShop']>>;
const envelope = (res: { body: unknown }) => errorEnvelope.parse(res.body).error;

/** A 429 in the envelope, with Retry-After in the header and the body. */
function expectLimited(res: { status: number; body: unknown; headers: Headers }) {
  expect([res.status, envelope(res).code]).toEqual([429, 'rate_limited']);
  const header = Number(res.headers.get('retry-after'));
  expect(header).toBeGreaterThan(0);
  expect(envelope(res).retryAfterSec).toBe(header);
}

describe('rate limits per session, address and app, settable per app (item 2)', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  const setLimits = async (rateLimits: Record<string, number> | null) => {
    const res = await api.call('PATCH', '/v1/app', { token: shop.secretKey, body: { rateLimits } });
    expect(res.status).toBe(200);
    return appAnswer.parse(res.body).app.rateLimits;
  };

  it('shows the limits in force and lets the merchant change them', async () => {
    const defaults = appAnswer.parse((await api.call('GET', '/v1/app', { token: shop.secretKey })).body).app
      .rateLimits;
    expect(defaults.messagesPerSessionPerMinute).toBe(30);
    const changed = await setLimits({ messagesPerSessionPerMinute: 3 });
    expect(changed).toEqual({ ...defaults, messagesPerSessionPerMinute: 3 });
    const bad = await api.call('PATCH', '/v1/app', {
      token: shop.secretKey,
      body: { rateLimits: { messagesPerSessionPerMinute: 0, noSuchLimit: 5 } },
    });
    expect([bad.status, envelope(bad).code]).toEqual([400, 'validation_failed']);
    expect(await setLimits(null)).toEqual(defaults);
  });

  it('limits messages per session (the answer engine is a paid call in LLM mode)', async () => {
    await setLimits({ messagesPerSessionPerMinute: 3 });
    const session = await shop.startSession();
    for (let i = 0; i < 3; i++)
      expect((await shop.send(session.sessionToken, `message ${i}`)).status).toBe(201);
    expectLimited(await shop.send(session.sessionToken, 'one too many'));
    // Another session of the same shopper is counted on its own.
    expect((await shop.send((await shop.startSession()).sessionToken, 'hello')).status).toBe(201);
    await setLimits(null);
  });

  it('limits messages per app, whichever sessions send them', async () => {
    await setLimits({ messagesPerAppPerMinute: 4 });
    const sessions = await Promise.all(Array.from({ length: 5 }, () => shop.startSession()));
    const answers = [];
    for (const s of sessions) answers.push(await shop.send(s.sessionToken, 'hi'));
    expect(answers.slice(0, 4).map((a) => a.status)).toEqual([201, 201, 201, 201]);
    expectLimited(answers[4]!);
    await setLimits(null);
  });

  it('limits new sessions per address and per app, track per session and handoff codes per session', async () => {
    await setLimits({ sessionsPerIpPerMinute: 2, trackPerSessionPerMinute: 2, handoffsPerSessionPerHour: 2 });
    const start = () =>
      api.call('POST', '/v1/sessions', {
        token: shop.publishableKey,
        body: { channel: 'web', anonymousId: anonymousId() },
      });
    const first = await start();
    expect((await start()).status).toBe(201);
    expectLimited(await start());
    const token = first.body.sessionToken as string;
    const track = () => api.call('POST', '/v1/track', { token, body: { name: 'product_view' } });
    expect((await track()).status).toBe(202);
    expect((await track()).status).toBe(202);
    expectLimited(await track());
    const handoff = () => api.call('POST', '/v1/handoffs', { token, body: {} });
    expect((await handoff()).status).toBe(201);
    expect((await handoff()).status).toBe(201);
    expectLimited(await handoff());
    await setLimits({ sessionsPerAppPerMinute: 1, sessionsPerIpPerMinute: 1000 });
    // The per-app window may already hold this test's sessions: one more is refused either way.
    expectLimited((await start()).status === 201 ? await start() : await start());
    await setLimits(null);
  });

  it('caps concurrent streams per session', async () => {
    await setLimits({ streamsPerSession: 2 });
    const session = await shop.startSession();
    const open = () =>
      api.app.request('/v1/stream', { headers: { authorization: `Bearer ${session.sessionToken}` } });
    const [a, b] = [await open(), await open()];
    expect([a.status, b.status]).toEqual([200, 200]);
    const third = await open();
    expect(third.status).toBe(429);
    expect(errorEnvelope.parse(await third.json()).error.code).toBe('rate_limited');
    await a.body?.cancel();
    // A closed stream gives its slot back.
    let again = await open();
    for (let i = 0; i < 50 && again.status === 429; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      again = await open();
    }
    expect(again.status).toBe(200);
    await Promise.all([b.body?.cancel(), again.body?.cancel()]);
    await setLimits(null);
  });
});

describe('short codes are freed when they expire, and one session cannot fill the space (item 3)', () => {
  const clock = createManualClock(Date.UTC(2026, 4, 1, 9));
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi({ clock });
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  it('keeps at most a few live codes per customer', async () => {
    const session = await shop.startSession();
    for (let i = 0; i < MAX_LIVE_CODES_PER_CUSTOMER + 4; i++)
      expect((await api.call('POST', '/v1/handoffs', { token: session.sessionToken, body: {} })).status).toBe(
        201,
      );
    const [live] = await api.rows<{ n: number }>(
      'select count(*) as n from handoff_codes where customer_id = ? and claimed_at is null',
      [session.customer.id],
    );
    expect(live!.n).toBe(MAX_LIVE_CODES_PER_CUSTOMER);
  });

  it('sweeps expired codes (freeing their short codes) and answers expired exactly like unknown', async () => {
    const session = await shop.startSession();
    const old = handoffAnswer.parse(
      (await api.call('POST', '/v1/handoffs', { token: session.sessionToken, body: {} })).body,
    );
    // A backlog of expired codes, as a flood would leave behind.
    for (let i = 0; i < 250; i++) {
      await api.database.client.execute({
        sql: `insert into handoff_codes (id, app_id, customer_id, from_channel, code_hash, short_code, created_by, expires_at, created_at)
              values (?, ?, ?, 'web', ?, ?, 'test', ?, ?)`,
        args: [
          `hnd_old${i}`,
          shop.appId,
          session.customer.id,
          `h${i}`,
          String(100000 + i),
          clock.now() - 1,
          clock.now() - 600_000,
        ],
      });
    }
    clock.advance(11 * 60_000);
    const unknown = await api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      body: { channel: 'app', handoffCode: 'never-issued-code-xxxxxxxx' },
    });
    const expired = await api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      body: { channel: 'app', handoffCode: old.code },
    });
    expect([expired.status, expired.body]).toEqual([unknown.status, unknown.body]);

    const countOld = async () =>
      (
        await api.rows<{ n: number }>('select count(*) as n from handoff_codes where expires_at <= ?', [
          clock.now(),
        ])
      )[0]!.n;
    const backlog = await countOld();
    expect(backlog).toBeGreaterThanOrEqual(251);
    // Each new code sweeps a bounded batch (200) of codes that can no longer be claimed.
    await api.call('POST', '/v1/handoffs', { token: (await shop.startSession()).sessionToken, body: {} });
    expect(await countOld()).toBe(backlog - 200);
    await api.call('POST', '/v1/handoffs', { token: (await shop.startSession()).sessionToken, body: {} });
    expect(await countOld()).toBe(0);
  });
});

describe('a guessed short code is worthless on its own, and guessers cannot lock shoppers out (item 4)', () => {
  afterEach(() => vi.useRealTimers());

  async function callerWithCode(api: TestApi, shop: Shop, phone: string) {
    await shop.channelMessage('phone', { phone }, '帮我发到 App 上');
    const created = await api.call('POST', '/v1/handoffs', {
      token: shop.secretKey,
      body: { toChannel: 'app', customer: { phone } },
    });
    return handoffAnswer.parse(created.body);
  }
  const claimFrom = (api: TestApi, shop: Shop, address: string, body: Record<string, unknown>) =>
    api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      headers: { 'x-forwarded-for': address },
      body: { channel: 'app', anonymousId: anonymousId(), ...body },
    });

  it('needs the phone’s last 4 digits with a short code, and withdraws the code after 3 wrong ones', async () => {
    const api = await createTestApi({ trustedProxyHops: 1 });
    try {
      const shop = await api.createShop();
      const { shortCode, code } = await callerWithCode(api, shop, '13700001234');
      const bare = await claimFrom(api, shop, '203.0.113.1', { handoffCode: shortCode });
      expect([bare.status, envelope(bare).code]).toEqual([400, 'handoff_check_required']);
      const unknownCode = await claimFrom(api, shop, '203.0.113.1', {
        handoffCode: String((Number(shortCode) + 1) % 1e6).padStart(6, '0'),
        handoffCheck: '1234',
      });
      for (let i = 0; i < MAX_SHORT_CODE_CHECK_FAILURES; i++) {
        // A right guess of the code with a wrong check reads exactly like a wrong code.
        const wrong = await claimFrom(api, shop, `203.0.113.${10 + i}`, {
          handoffCode: shortCode,
          handoffCheck: '9999',
        });
        expect([wrong.status, wrong.body]).toEqual([unknownCode.status, unknownCode.body]);
      }
      const right = await claimFrom(api, shop, '203.0.113.99', {
        handoffCode: shortCode,
        handoffCheck: '1234',
      });
      expect([right.status, envelope(right).code]).toEqual([404, 'handoff_code_invalid']);
      // Withdrawn means the whole code: the link is dead too.
      expect((await claimFrom(api, shop, '203.0.113.99', { handoffCode: code })).status).toBe(404);
    } finally {
      await api.close();
    }
  });

  it('lets the shopper with the right code and phone in while guessers from many addresses are refused', async () => {
    const api = await createTestApi({ trustedProxyHops: 1 });
    try {
      const shop = await api.createShop();
      const { shortCode } = await callerWithCode(api, shop, '13700005678');
      // 300 wrong guesses spread over 30 addresses: each address hits its own limit, nothing app-wide.
      let limited = 0;
      for (let i = 0; i < 300; i++) {
        const guess = String((Number(shortCode) + 1 + i) % 1e6).padStart(6, '0');
        const res = await claimFrom(api, shop, `198.51.100.${i % 30}`, {
          handoffCode: guess,
          handoffCheck: '0000',
        });
        if (res.status === 429) limited++;
        else expect(envelope(res).code).toBe('handoff_code_invalid');
      }
      expect(limited).toBe(0); // 10 per address per minute: 30 addresses × 10 = 300, all answered
      const oneMore = await claimFrom(api, shop, '198.51.100.0', {
        handoffCode: '000000',
        handoffCheck: '0000',
      });
      expectLimited(oneMore);
      const shopper = await claimFrom(api, shop, '192.0.2.50', {
        handoffCode: shortCode,
        handoffCheck: '5678',
      });
      expect(shopper.status).toBe(201);
    } finally {
      await api.close();
    }
  });

  it('limits wrong codes per device, whatever address it comes from', async () => {
    const api = await createTestApi({ trustedProxyHops: 1 });
    try {
      const shop = await api.createShop();
      await api.call('PATCH', '/v1/app', {
        token: shop.secretKey,
        body: { rateLimits: { handoffClaimFailuresPerDevicePerHour: 3 } },
      });
      const device = anonymousId();
      const attempt = (i: number) =>
        api.call('POST', '/v1/sessions', {
          token: shop.publishableKey,
          headers: { 'x-forwarded-for': `198.51.100.${i}` },
          body: { channel: 'app', anonymousId: device, handoffCode: `wrong-code-${i}-xxxxxxxxxxxx` },
        });
      for (let i = 0; i < 3; i++) expect((await attempt(i)).status).toBe(404);
      expectLimited(await attempt(3));
    } finally {
      await api.close();
    }
  });
});
