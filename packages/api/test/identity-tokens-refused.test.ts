import { errorEnvelope } from '@threadline/sdk-core/protocol';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi } from './harness';

const encoder = new TextEncoder();
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('identity tokens: HS256 only, exp required, bounded lifetime and skew', () => {
  const clock = createManualClock(Date.UTC(2026, 3, 1, 12));
  const nowSec = () => Math.floor(clock.now() / 1000);
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  let rsaPublicPem: string;
  let rsaToken: string;

  /** Signs claims as the merchant backend would (or would not): HS256 with the app secret unless told otherwise. */
  const sign = (claims: Record<string, unknown>, options: { alg?: string; secret?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
      .sign(encoder.encode(options.secret ?? shop.identitySecret));
  const valid = () => ({ sub: 'user-1', iat: nowSec(), exp: nowSec() + 3600 });

  beforeAll(async () => {
    api = await createTestApi({ clock });
    shop = await api.createShop();
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    rsaPublicPem = await exportSPKI(publicKey);
    rsaToken = await new SignJWT(valid()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
  });
  afterAll(() => api.close());

  const refused: [string, () => Promise<string>][] = [
    ['a forged signature', () => sign(valid(), { secret: 'is_not-the-app-secret-at-all-000000' })],
    ['alg "none"', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(valid())}.`],
    ['alg "none" with a signature part', async () => `${b64({ alg: 'none' })}.${b64(valid())}.c2ln`],
    ['an RS256 token', async () => rsaToken],
    ['HS256 keyed with the RSA public key (RS/HS confusion)', () => sign(valid(), { secret: rsaPublicPem })],
    ['HS512 with the right secret', () => sign(valid(), { alg: 'HS512' })],
    ['an expired token', () => sign({ ...valid(), iat: nowSec() - 7200, exp: nowSec() - 61 })],
    ['no exp', () => sign({ sub: 'user-1', iat: nowSec() })],
    ['no sub', () => sign({ iat: nowSec(), exp: nowSec() + 3600 })],
    ['an empty sub', () => sign({ ...valid(), sub: '' })],
    [
      'a lifetime over 7 days',
      () => sign({ sub: 'user-1', iat: nowSec(), exp: nowSec() + 7 * 86400 + 3600 }),
    ],
    ['a far exp without iat', () => sign({ sub: 'user-1', exp: nowSec() + 30 * 86400 })],
    ['iat in the future', () => sign({ sub: 'user-1', iat: nowSec() + 300, exp: nowSec() + 3600 })],
    ['nbf in the future', () => sign({ ...valid(), nbf: nowSec() + 300 })],
    ['a non-string phone claim', () => sign({ ...valid(), phone: 13800000000 })],
    ['garbage', async () => 'this-is-not-a-jwt-at-all-but-long-enough'],
  ];

  for (const [what, build] of refused) {
    it(`refuses ${what} on POST /v1/sessions and POST /v1/identify`, async () => {
      const token = await build();
      const session = await api.call('POST', '/v1/sessions', {
        token: shop.publishableKey,
        body: { channel: 'web', identityToken: token },
      });
      expect(session.status).toBe(401);
      expect(errorEnvelope.parse(session.body).error.code).toBe('invalid_identity_token');

      const anonymous = await shop.startSession({ channel: 'web' });
      const identify = await shop.identify(anonymous.sessionToken, token);
      expect(identify.status).toBe(401);
      expect(errorEnvelope.parse(identify.body).error.code).toBe('invalid_identity_token');
      // Nothing was created or bound from the refused token.
      const external = await api.rows("select id from identities where kind = 'external'");
      expect(external).toEqual([]);
    });
  }

  it('accepts up to 60 s of clock skew either way, and a lifetime of exactly 7 days', async () => {
    const slightlyExpired = await sign({ sub: 'skew-1', iat: nowSec() - 3600, exp: nowSec() - 50 });
    const issuedAhead = await sign({ sub: 'skew-2', iat: nowSec() + 50, exp: nowSec() + 3600 });
    const sevenDays = await sign({ sub: 'skew-3', iat: nowSec(), exp: nowSec() + 7 * 86400 });
    for (const token of [slightlyExpired, issuedAhead, sevenDays]) {
      const session = await api.call('POST', '/v1/sessions', {
        token: shop.publishableKey,
        body: { channel: 'app', identityToken: token },
      });
      expect(session.status).toBe(201);
      expect(session.body.customer.identified).toBe(true);
    }
    const anonymous = await shop.startSession({ channel: 'web' });
    const identify = await shop.identify(anonymous.sessionToken, slightlyExpired);
    expect(identify.status).toBe(200);
  });

  it('honours a shorter lifetime cap set for the app', async () => {
    const strict = await api.createShop({ settings: { identityTokenMaxLifetimeSec: 600 } });
    const hour = await new SignJWT({ sub: 'u', iat: nowSec(), exp: nowSec() + 3600 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(encoder.encode(strict.identitySecret));
    const res = await api.call('POST', '/v1/sessions', {
      token: strict.publishableKey,
      body: { channel: 'web', identityToken: hour },
    });
    expect([res.status, res.body.error.code]).toEqual([401, 'invalid_identity_token']);
  });
});
