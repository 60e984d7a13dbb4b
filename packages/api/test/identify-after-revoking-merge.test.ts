import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymousId, createTestApi, type TestApi, UNLIMITED } from './harness';
import { armWriteRace } from './write-race';

/**
 * Two sessions of one anonymous device customer (the app and the web shop on one device id). Both
 * sign in at about the same time. The first identify to commit merges the anonymous customer into
 * the signed-in one and revokes the device customer's other sessions — including the one whose own
 * `POST /v1/identify` was authenticated just before. That request must not answer 200 with a token
 * for a revoked session (a dead token the SDK would store); it answers 401 `invalid_credential`, as
 * any request on a revoked session does, and the SDK starts a new session.
 */
let api: TestApi;
let race: ReturnType<typeof armWriteRace>;
beforeAll(async () => {
  api = await createTestApi({ rateLimits: UNLIMITED });
  race = armWriteRace(api);
});
afterAll(() => api.close());

describe('POST /v1/identify on a session another sign-in revoked after its authentication', () => {
  it('answers 401 invalid_credential, issues no token, and moves nothing', async () => {
    const shop = await api.createShop();
    const device = anonymousId();
    const first = await shop.startSession({ channel: 'web', anonymousId: device });
    const second = await shop.startSession({ channel: 'app', anonymousId: device });
    expect(second.customer.id).toBe(first.customer.id);
    expect((await shop.send(first.sessionToken, '你好')).status).toBe(201);

    let survivor = '';
    const late = await race.beforeFirstWrite(
      async () => {
        const signedIn = await shop.identify(second.sessionToken, await shop.identityToken('user-a'));
        expect(signedIn.status, signedIn.text).toBe(200);
        survivor = signedIn.body.customer.id;
      },
      async () => shop.identify(first.sessionToken, await shop.identityToken('user-b')),
    );
    expect(survivor).not.toBe('');
    expect(late.status, late.text).toBe(401);
    expect(late.body.error.code).toBe('invalid_credential');
    expect(late.body.sessionToken).toBeUndefined();

    // The revoked session stays revoked and on the first sign-in's customer; no customer for
    // 'user-b' took the device's history.
    const [session] = await api.rows<{ revoked_at: number | null; customer_id: string; verified: number }>(
      'SELECT revoked_at, customer_id, verified FROM sessions WHERE id = ?',
      [first.session.id],
    );
    expect(session!.revoked_at).not.toBeNull();
    expect(Number(session!.verified)).toBe(0);
    const conversations = await api.rows<{ customer_id: string }>(
      'SELECT customer_id FROM conversations WHERE app_id = (SELECT app_id FROM customers WHERE id = ?)',
      [survivor],
    );
    expect(conversations.map((c) => c.customer_id)).toEqual([survivor]);

    // The device recovers the usual way: a new session, then a sign-in that works.
    const again = await shop.startSession({ channel: 'web', anonymousId: device });
    const retried = await shop.identify(again.sessionToken, await shop.identityToken('user-b'));
    expect(retried.status, retried.text).toBe(200);
  });
});
