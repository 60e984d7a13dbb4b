// review-d: attacks on the verified-session cache (http/auth.ts) beyond session-cache.test.ts —
// a second API process on the same file revoking through its own API, expiry on a moved clock,
// rotation of the identity secret with overlap, a token of one app or session altered to name
// another. Each warms the cache first; the very next request must answer as without the cache.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/db/database';
import { signIdentityToken } from '../src/identity/identity-tokens';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi } from './harness';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;
const codeOf = (res: { body?: { error?: { code?: string } } }) => res.body?.error?.code;

describe('verified-session cache under attack', () => {
  const clock = createManualClock(Date.now());
  let api: TestApi;
  let shop: Shop;
  let other: Shop;
  let second: ReturnType<TestApi['reopen']>;
  let secondDatabase: ReturnType<typeof createDatabase>;
  beforeAll(async () => {
    api = await createTestApi({ clock });
    shop = await api.createShop();
    other = await api.createShop();
    // Another API process: its own connection to the same file, the same keys.
    secondDatabase = createDatabase({ url: `file:${api.databasePath}` });
    second = api.reopen({ database: secondDatabase });
  });
  afterAll(() => {
    secondDatabase.close();
    api.close();
  });

  /** A request to the second process. */
  const onSecond = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await second.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
  };
  const warm = async (on: Shop = shop) => {
    const session = await on.startSession();
    for (let i = 0; i < 2; i++) expect((await on.send(session.sessionToken, `warm ${i}`)).status).toBe(201);
    return session;
  };

  it('the second process signs the session out, or revokes all of the customer’s: refused here next', async () => {
    const signedOut = await warm();
    expect((await onSecond('DELETE', '/v1/session', signedOut.sessionToken)).status).toBe(200);
    const res = await shop.send(signedOut.sessionToken, 'after sign-out elsewhere');
    expect([res.status, codeOf(res)]).toEqual([401, 'invalid_credential']);

    const revoked = await warm();
    const all = await onSecond('DELETE', `/v1/customers/${revoked.customer.id}/sessions`, shop.secretKey);
    expect(all.status).toBe(200);
    const after = await shop.send(revoked.sessionToken, 'after revoke-all elsewhere');
    expect([after.status, codeOf(after)]).toEqual([401, 'invalid_credential']);

    // And the other way round: this process revokes, the second (warm too) refuses next.
    const both = await warm();
    expect(
      (
        await onSecond('POST', '/v1/messages', both.sessionToken, {
          text: 'warm',
          clientMessageId: randomUUID(),
        })
      ).status,
    ).toBe(201);
    expect((await api.call('DELETE', '/v1/session', { token: both.sessionToken })).status).toBe(200);
    const there = await onSecond('POST', '/v1/messages', both.sessionToken, {
      text: 'x',
      clientMessageId: randomUUID(),
    });
    expect([there.status, there.body?.error?.code]).toEqual([401, 'invalid_credential']);
  });

  it('the second process erases the customer: refused here next', async () => {
    const session = await warm();
    expect((await onSecond('DELETE', `/v1/customers/${session.customer.id}`, shop.secretKey)).status).toBe(
      200,
    );
    const res = await shop.send(session.sessionToken, 'after erase elsewhere');
    expect([res.status, codeOf(res)]).toEqual([401, 'invalid_credential']);
  });

  it('a token past its expiry on the (moved) clock is refused although its rows are cached', async () => {
    const session = await warm();
    const expiresAt = Date.parse(session.expiresAt as unknown as string);
    clock.set(expiresAt + 1_000);
    try {
      const res = await shop.send(session.sessionToken, 'too late');
      expect([res.status, codeOf(res)]).toEqual([401, 'session_expired']);
    } finally {
      clock.set(Date.now());
    }
  });

  it('identity-secret rotation: the cached app row never keeps an old secret alive', async () => {
    const session = await warm();
    const oldToken = await shop.identityToken('rotating-user');
    // With an overlap, the old secret still signs in.
    const overlap = await api.call('POST', '/v1/app/keys/rotate', {
      token: shop.secretKey,
      body: { kind: 'identity', overlapSec: 60 },
    });
    expect(overlap.status).toBe(201);
    expect((await shop.identify(session.sessionToken, oldToken)).status).toBe(200);
    // Rotated again with no overlap: the secret it replaces signs in no more, on the very next request.
    const warmAgain = await warm();
    const ended = await api.call('POST', '/v1/app/keys/rotate', {
      token: shop.secretKey,
      body: { kind: 'identity', overlapSec: 0 },
    });
    expect(ended.status).toBe(201);
    const replaced = await signIdentityToken({ sub: 'rotating-user-2' }, overlap.body.key, clock.now());
    const stale = await shop.identify(warmAgain.sessionToken, replaced);
    expect(stale.status).toBe(401);
    const fresh = await signIdentityToken({ sub: 'rotating-user-2' }, ended.body.key, clock.now());
    expect((await shop.identify(warmAgain.sessionToken, fresh)).status).toBe(200);
  });

  it('a token altered to name another session, or another app, is refused; the cached row is never borrowed', async () => {
    const mine = await warm();
    const theirs = await warm(other);
    const [header, , signature] = mine.sessionToken.split('.');
    const theirPayload = theirs.sessionToken.split('.')[1];
    // Their claims (session and app) under my signature.
    const forged = `${header}.${theirPayload}.${signature}`;
    const res = await shop.send(forged, 'forged');
    expect([res.status, codeOf(res)]).toEqual([401, 'invalid_credential']);
    // A payload with one more claim: same session id, not the signed bytes.
    const payload = JSON.parse(Buffer.from(mine.sessionToken.split('.')[1]!, 'base64url').toString());
    const widened = Buffer.from(JSON.stringify({ ...payload, app: other.appId })).toString('base64url');
    const res2 = await shop.send(`${header}.${widened}.${signature}`, 'forged app');
    expect([res2.status, codeOf(res2)]).toEqual([401, 'invalid_credential']);
    // Both real tokens still work, each for its own app.
    expect((await shop.send(mine.sessionToken, 'still mine')).status).toBe(201);
    expect((await other.send(theirs.sessionToken, 'still theirs')).status).toBe(201);
  });

  it('a handoff code claimed at once on both processes: exactly one session, one 409 handoff_code_used', async () => {
    const web = await warm();
    const created = await api.call('POST', '/v1/handoffs', {
      token: web.sessionToken,
      body: { toChannel: 'miniprogram' },
    });
    expect(created.status).toBe(201);
    const body = { channel: 'miniprogram', anonymousId: randomUUID(), handoffCode: created.body.code };
    const [here, there] = await Promise.all([
      api.call('POST', '/v1/sessions', { token: shop.publishableKey, body }),
      onSecond('POST', '/v1/sessions', shop.publishableKey, { ...body, anonymousId: randomUUID() }),
    ]);
    const outcomes = [
      [here.status, here.body?.error?.code ?? null],
      [there.status, there.body?.error?.code ?? null],
    ].sort();
    expect(outcomes).toEqual([
      [201, null],
      [409, 'handoff_code_used'],
    ]);
    const [row] = await api.rows<{ n: number }>(
      `select count(*) as n from sessions where customer_id = ? and channel = 'miniprogram'`,
      [web.customer.id],
    );
    expect(row!.n).toBe(1);
  });

  it('a sign-in merge that revokes the merged-away customer’s other (cached) session: refused next', async () => {
    await other.startSession({ identityToken: await other.identityToken('rd-known') });
    const web = await warm(other);
    const created = await api.call('POST', '/v1/handoffs', {
      token: web.sessionToken,
      body: { toChannel: 'app' },
    });
    expect(created.status).toBe(201);
    const claimed = await api.call('POST', '/v1/sessions', {
      token: other.publishableKey,
      body: { channel: 'app', anonymousId: randomUUID(), handoffCode: created.body.code },
    });
    expect(claimed.status).toBe(201);
    const bearer = claimed.body.sessionToken as string;
    for (let i = 0; i < 2; i++) expect((await other.send(bearer, `bearer ${i}`)).status).toBe(201);
    // (`other`: this file rotated `shop`'s identity secret above.)
    // The web session signs in (on the second process): its customer merges into the known one,
    // and the code's bearer session is revoked.
    const signedIn = await onSecond('POST', '/v1/identify', web.sessionToken, {
      identityToken: await other.identityToken('rd-known'),
    });
    expect(signedIn.status).toBe(200);
    const res = await other.send(bearer, 'still me?');
    expect([res.status, codeOf(res)]).toEqual([401, 'invalid_credential']);
    expect((await other.send(web.sessionToken, 'signed in')).status).toBe(201);
  });
});
