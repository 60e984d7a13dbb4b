// Review of issue 17: limits on wrong handoff codes must hold when the guesses arrive at once —
// a burst on one process, or spread over several — not only when they arrive one after another.
import { errorEnvelope, handoffAnswer } from '@threadline/sdk-core/protocol';
import { describe, expect, it } from 'vitest';
import { MAX_SHORT_CODE_CHECK_FAILURES } from '../src/handoffs';
import { anonymousId, createTestApi, type TestApi } from './harness';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;
const codeOf = (res: { body: unknown }) => errorEnvelope.parse(res.body).error.code;

const claimFrom = (api: TestApi, shop: Shop, address: string, body: Record<string, unknown>) =>
  api.call('POST', '/v1/sessions', {
    token: shop.publishableKey,
    headers: { 'x-forwarded-for': address },
    body: { channel: 'app', anonymousId: anonymousId(), ...body },
  });

describe('bursts of handoff guesses', () => {
  it('looks up at most the per-address limit of a burst of wrong codes sent at once', async () => {
    const api = await createTestApi({
      trustedProxyHops: 1,
      rateLimits: { handoffClaimFailuresPerIpPerMinute: 10 },
    });
    try {
      const shop = await api.createShop();
      const burst = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          claimFrom(api, shop, '203.0.113.7', { handoffCode: `guessed-long-code-${i}-xxxxxxxxxxxx` }),
        ),
      );
      const looked = burst.filter((res) => res.status === 404);
      const refused = burst.filter((res) => res.status === 429);
      expect(looked.length + refused.length).toBe(40);
      expect(looked.length).toBeLessThanOrEqual(10);
      expect(refused.length).toBeGreaterThanOrEqual(30);
      for (const res of looked) expect(codeOf(res)).toBe('handoff_code_invalid');
    } finally {
      await api.close();
    }
  });

  it('gives a known short code only its few phone checks, however many arrive at once from many addresses', async () => {
    const api = await createTestApi({ trustedProxyHops: 1 });
    try {
      const shop = await api.createShop();
      await shop.channelMessage('phone', { phone: '13700004321' }, '帮我发到 App 上');
      const created = await api.call('POST', '/v1/handoffs', {
        token: shop.secretKey,
        body: { toChannel: 'app', customer: { phone: '13700004321' } },
      });
      const { shortCode } = handoffAnswer.parse(created.body);
      // A code read over someone's shoulder, tried with 40 phone endings at once from 40 addresses.
      const burst = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          claimFrom(api, shop, `198.51.100.${i + 1}`, {
            handoffCode: shortCode,
            handoffCheck: String(1000 + i).padStart(4, '0'),
          }),
        ),
      );
      for (const res of burst) expect([res.status, codeOf(res)]).toEqual([404, 'handoff_code_invalid']);
      // Three wrong checks withdraw the code, so the right one is refused afterwards too.
      expect(MAX_SHORT_CODE_CHECK_FAILURES).toBeLessThan(40);
      const right = await claimFrom(api, shop, '192.0.2.9', { handoffCode: shortCode, handoffCheck: '4321' });
      expect(right.status).toBe(404);
      expect(codeOf(right)).toBe('handoff_code_invalid');
    } finally {
      await api.close();
    }
  });

  it('does not count a right code against the address', async () => {
    const api = await createTestApi({
      trustedProxyHops: 1,
      rateLimits: { handoffClaimFailuresPerIpPerMinute: 2 },
    });
    try {
      const shop = await api.createShop();
      for (let i = 0; i < 4; i++) {
        const web = await shop.startSession({ channel: 'web' });
        const created = await api.call('POST', '/v1/handoffs', { token: web.sessionToken, body: {} });
        const { code } = handoffAnswer.parse(created.body);
        const claimed = await claimFrom(api, shop, '203.0.113.8', { handoffCode: code });
        expect(claimed.status).toBe(201);
      }
    } finally {
      await api.close();
    }
  });
});
