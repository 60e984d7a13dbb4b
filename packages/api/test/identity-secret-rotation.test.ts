import { errorEnvelope, rotateKeyAnswer } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIdentityToken } from '../src/identity/identity-tokens';
import { createManualClock } from '../src/platform/clock';
import { anonymousId, createTestApi, type TestApi } from './harness';

/**
 * Review of issue 8, item 17: keys rotate with an overlap — but the identity secret, the one that
 * signs in as *any* shopper, could not rotate at all. A leaked identity secret must be replaceable,
 * with an overlap for the merchant's backends to switch, or at once.
 */
describe('rotating the identity secret', () => {
  const clock = createManualClock(Date.UTC(2026, 6, 1, 9));
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  beforeAll(async () => {
    api = await createTestApi({ clock });
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  const rotate = async (body: Record<string, unknown>) => {
    const res = await api.call('POST', '/v1/app/keys/rotate', { token: shop.secretKey, body });
    expect(res.status).toBe(201);
    return rotateKeyAnswer.parse(res.body);
  };
  const signWith = (secret: string, sub: string) => signIdentityToken({ sub }, secret, clock.now());
  const login = (identityToken: string) =>
    api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      body: { channel: 'web', anonymousId: anonymousId(), identityToken },
    });

  it('keeps the old secret for the overlap, then refuses tokens it signed', async () => {
    const rotated = await rotate({ kind: 'identity', overlapSec: 600 });
    expect(rotated.key).toMatch(/^is_/);
    expect(rotated.key).not.toBe(shop.identitySecret);
    expect((await login(await signWith(shop.identitySecret, 'old-signer'))).status).toBe(201);
    expect((await login(await signWith(rotated.key, 'new-signer'))).status).toBe(201);

    clock.advance(601_000);
    const late = await login(await signWith(shop.identitySecret, 'old-signer'));
    expect([late.status, errorEnvelope.parse(late.body).error.code]).toEqual([401, 'invalid_identity_token']);
    expect((await login(await signWith(rotated.key, 'new-signer'))).status).toBe(201);
  });

  it('ends a leaked secret at once with no overlap, and a second rotation never extends the first', async () => {
    const first = await rotate({ kind: 'identity', overlapSec: 3_600 });
    const second = await rotate({ kind: 'identity', overlapSec: 0 });
    for (const leaked of [first.key]) {
      const res = await login(await signWith(leaked, 'attacker'));
      expect(res.status).toBe(401);
    }
    expect((await login(await signWith(second.key, 'merchant-user'))).status).toBe(201);
    // Identify uses the same secrets.
    const session = await login(await signWith(second.key, 'merchant-user'));
    const identify = await api.call('POST', '/v1/identify', {
      token: session.body.sessionToken,
      body: { identityToken: await signWith(first.key, 'attacker') },
    });
    expect(identify.status).toBe(401);
  });
});
