import { errorEnvelope } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientKeyOf } from '../src/http/auth';
import { anonymousId, createTestApi, type TestApi } from './harness';

/**
 * Review of issue 8's rate limits: the doors its tests did not try. A limit per session is no limit
 * when sessions are free to make, an address is not one client when it is IPv6, and a route that
 * costs as much as a limited one needs the same limit.
 */
type Shop = Awaited<ReturnType<TestApi['createShop']>>;
const envelope = (res: { body: unknown }) => errorEnvelope.parse(res.body).error;

function expectLimited(res: { status: number; body: unknown; headers: Headers }) {
  expect([res.status, envelope(res).code]).toEqual([429, 'rate_limited']);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
}

describe('handoff codes and logins are limited per address and per app, not only per session', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    // Behind one trusted proxy, so each test names its client's address.
    api = await createTestApi({ trustedProxyHops: 1 });
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  const setLimits = async (rateLimits: Record<string, number> | null) =>
    expect((await api.call('PATCH', '/v1/app', { token: shop.secretKey, body: { rateLimits } })).status).toBe(
      200,
    );
  const sessionFrom = async (address: string) => {
    const res = await api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      headers: { 'x-forwarded-for': address },
      body: { channel: 'web', anonymousId: anonymousId() },
    });
    expect(res.status).toBe(201);
    return res.body.sessionToken as string;
  };
  const handoffFrom = (address: string, token: string) =>
    api.call('POST', '/v1/handoffs', { token, headers: { 'x-forwarded-for': address }, body: {} });

  it('limits handoff codes per address, however many fresh sessions make them', async () => {
    await setLimits({ handoffsPerIpPerHour: 3 });
    for (let i = 0; i < 3; i++)
      expect((await handoffFrom('203.0.113.5', await sessionFrom('203.0.113.5'))).status).toBe(201);
    expectLimited(await handoffFrom('203.0.113.5', await sessionFrom('203.0.113.5')));
    // Another address is another client.
    expect((await handoffFrom('203.0.113.6', await sessionFrom('203.0.113.6'))).status).toBe(201);
    await setLimits(null);
  });

  it('limits handoff codes per app (the 6-digit space is the app’s), but never the merchant’s or agents’', async () => {
    await setLimits({ handoffsPerAppPerHour: 2 });
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push(await handoffFrom(`198.51.100.${i}`, await sessionFrom(`198.51.100.${i}`)));
    expect(answers.slice(0, 2).map((a) => a.status)).toEqual([201, 201]);
    expectLimited(answers[2]!);
    // An agent handing a caller over is not held up by shoppers (or a script) using the budget.
    await shop.channelMessage('phone', { phone: '13700001111' }, '电话');
    const byAgent = await api.call('POST', '/v1/handoffs', {
      token: shop.agentToken,
      body: { customer: { phone: '13700001111' } },
    });
    expect(byAgent.status).toBe(201);
    await setLimits(null);
  });

  it('limits identify per address like session starts (a login costs the same)', async () => {
    await setLimits({ sessionsPerIpPerMinute: 3 });
    const token = await sessionFrom('192.0.2.77');
    const identityToken = await shop.identityToken('limit-identify');
    const identify = () =>
      api.call('POST', '/v1/identify', {
        token,
        headers: { 'x-forwarded-for': '192.0.2.77' },
        body: { identityToken },
      });
    expect((await identify()).status).toBe(200);
    expect((await identify()).status).toBe(200);
    expectLimited(await identify());
    await setLimits(null);
  });
});

describe('per-address limits count a client, not one of its addresses', () => {
  it('counts an IPv6 client by its /64 (one host holds billions of addresses)', async () => {
    const api = await createTestApi({
      trustedProxyHops: 1,
      rateLimits: { handoffClaimFailuresPerIpPerMinute: 2 },
    });
    try {
      const shop = await api.createShop();
      const guess = (address: string) =>
        api.call('POST', '/v1/sessions', {
          token: shop.publishableKey,
          headers: { 'x-forwarded-for': address },
          body: { channel: 'web', handoffCode: 'not-a-code-xxxxxxxxxxxx' },
        });
      expect((await guess('2001:db8:1:2::1')).status).toBe(404);
      expect((await guess('2001:db8:1:2:ffff:abcd:1:2')).status).toBe(404);
      expect((await guess('2001:0DB8:0001:0002:0000:0000:0000:0099')).status).toBe(429);
      // The next /64 is another client.
      expect((await guess('2001:db8:1:3::1')).status).toBe(404);
    } finally {
      await api.close();
    }
  });

  it('reads the same client in every spelling of its address', () => {
    expect(clientKeyOf('203.0.113.9')).toBe('203.0.113.9');
    expect(clientKeyOf('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientKeyOf('::FFFF:203.0.113.9')).toBe('203.0.113.9');
    expect(clientKeyOf('203.0.113.9:51234')).toBe('203.0.113.9');
    expect(clientKeyOf('[2001:db8::1]:443')).toBe(clientKeyOf('2001:db8:0:0:abcd::7'));
    expect(clientKeyOf('2001:db8::1%eth0')).toBe('2001:db8:0:0::/64');
    expect(clientKeyOf('::1')).toBe('0:0:0:0::/64');
    // Anything that is no address at all stays itself (bounded), never an error.
    expect(clientKeyOf('unknown')).toBe('unknown');
    expect(clientKeyOf('x'.repeat(500)).length).toBeLessThanOrEqual(64);
  });
});
