import { handoffAnswer } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './harness';

/**
 * Review of issue 8, item 15: "accepted but can never match" was fixed for paths and trailing
 * slashes; the same kind remained in ports and hosts. And a link base is a URL, so the code is
 * placed with URL rules, not by appending text.
 */
describe('origins a browser can actually send', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  it('refuses entries no browser sends as an Origin: default ports, impossible ports, empty host labels', async () => {
    for (const origin of [
      'https://shop.example:443',
      'http://shop.example:80',
      'https://shop.example:99999',
      'https://shop.example:0',
      'https://.',
      'https://-',
      'https://a..b',
      'http://127.1',
    ]) {
      const res = await api.call('PATCH', '/v1/app', {
        token: shop.secretKey,
        body: { allowedOrigins: [origin] },
      });
      expect([origin, res.status]).toEqual([origin, 400]);
    }
  });

  it('still takes the origins browsers send', async () => {
    const origins = [
      'https://shop.example',
      'https://shop.example:8443',
      'http://localhost:5173',
      'http://[::1]:8080',
      'http://127.0.0.1:8787',
      'capacitor://localhost',
      'https://xn--fiqs8s.example',
    ];
    const res = await api.call('PATCH', '/v1/app', {
      token: shop.secretKey,
      body: { allowedOrigins: origins },
    });
    expect(res.status).toBe(200);
  });
});

describe('handoff links are built with URL rules from any link base', () => {
  it('puts the code in the query, whatever query or fragment the base already has', async () => {
    const api = await createTestApi();
    try {
      const shop = await api.createShop();
      for (const base of [
        'https://shop.example/continue',
        'https://shop.example/continue?from=qr',
        'https://shop.example/continue#chat',
        'https://shop.example/continue?from=qr#chat',
        'https://shop.example/continue?handoff=stale',
      ]) {
        const patched = await api.call('PATCH', '/v1/app', {
          token: shop.secretKey,
          body: { handoffUrlBase: base },
        });
        expect(patched.status).toBe(200);
        const session = await shop.startSession();
        const answer = handoffAnswer.parse(
          (await api.call('POST', '/v1/handoffs', { token: session.sessionToken, body: {} })).body,
        );
        const link = new URL(answer.url!);
        expect([base, link.searchParams.getAll('handoff')]).toEqual([base, [answer.code]]);
        expect(link.hash).toBe(new URL(base).hash);
        expect(link.pathname).toBe('/continue');
      }
    } finally {
      await api.close();
    }
  });
});
