// The verified-session cache (http/auth.ts, issue 18): a session and its app read once are reused
// until a sessions or apps row may have changed. Each case warms the cache with a request first,
// then changes the row — through the API, through raw SQL in this process, and from another
// connection to the same file (another process) — and the very next request must see the change.
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldVerifiedSessions } from '../src/http/auth';
import { createTestApi, type TestApi } from './harness';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;

const codeOf = (res: { body?: { error?: { code?: string } } }) => res.body?.error?.code;

describe('verified-session cache: revocation takes effect on the next request', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  /** A session whose row the cache already holds: two requests answered with it. */
  const warmSession = async () => {
    const session = await shop.startSession();
    for (let i = 0; i < 2; i++) expect((await shop.send(session.sessionToken, `warm ${i}`)).status).toBe(201);
    return session;
  };

  it('a send changes neither table: the version stands, so the cached rows stay in use', async () => {
    const session = await warmSession();
    const version = api.database.credentialRowsVersion!();
    // Sends touch neither table: the version stands, so the cached rows are what the file holds.
    expect((await shop.send(session.sessionToken, 'hello')).status).toBe(201);
    expect(api.database.credentialRowsVersion!()).toBe(version);
  });

  it('sign-out (DELETE /v1/session)', async () => {
    const session = await warmSession();
    expect((await api.call('DELETE', '/v1/session', { token: session.sessionToken })).status).toBe(200);
    const res = await shop.send(session.sessionToken, 'after sign-out');
    expect([res.status, codeOf(res)]).toEqual([401, 'invalid_credential']);
  });

  it("the merchant revokes one session, or all of a customer's", async () => {
    const one = await warmSession();
    const res = await api.call('DELETE', `/v1/sessions/${one.session.id}`, { token: shop.secretKey });
    expect(res.status).toBe(200);
    const after = await shop.send(one.sessionToken, 'after revoke');
    expect([after.status, codeOf(after)]).toEqual([401, 'invalid_credential']);

    const two = await warmSession();
    const all = await api.call('DELETE', `/v1/customers/${two.customer.id}/sessions`, {
      token: shop.secretKey,
    });
    expect(all.body).toEqual({ revoked: 1 });
    const afterAll = await shop.send(two.sessionToken, 'after revoke all');
    expect([afterAll.status, codeOf(afterAll)]).toEqual([401, 'invalid_credential']);
  });

  it('erase (DELETE /v1/customers/{id})', async () => {
    const session = await warmSession();
    const erased = await api.call('DELETE', `/v1/customers/${session.customer.id}`, {
      token: shop.secretKey,
    });
    expect(erased.status).toBe(200);
    const res = await shop.send(session.sessionToken, 'after erase');
    expect([res.status, codeOf(res)]).toEqual([401, 'invalid_credential']);
  });

  it('a sign-in that moves the session to another customer: the next send is filed under it', async () => {
    const known = await shop.startSession({ identityToken: await shop.identityToken('cache-signin') });
    const session = await warmSession();
    const signedIn = await shop.identify(session.sessionToken, await shop.identityToken('cache-signin'));
    expect(signedIn.status).toBe(200);
    const res = await shop.send(session.sessionToken, 'now signed in');
    expect(res.status).toBe(201);
    const [row] = await api.rows<{ customer_id: string }>('select customer_id from messages where id = ?', [
      res.body.message.id,
    ]);
    expect(row!.customer_id).toBe(known.customer.id);
  });

  it("the app's settings (its rate limits) apply to the next request", async () => {
    const session = await warmSession();
    const limits = { messagesPerSessionPerMinute: 3 };
    expect(
      (await api.call('PATCH', '/v1/app', { token: shop.secretKey, body: { rateLimits: limits } })).status,
    ).toBe(200);
    // A limit of its own size counts from zero (one counter set per size): three sends, then 429.
    for (const n of [1, 2, 3])
      expect((await shop.send(session.sessionToken, `limited ${n}`)).status).toBe(201);
    const fourth = await shop.send(session.sessionToken, 'fourth');
    expect([fourth.status, codeOf(fourth)]).toEqual([429, 'rate_limited']);
    const back = await api.call('PATCH', '/v1/app', { token: shop.secretKey, body: { rateLimits: null } });
    expect(back.status).toBe(200);
    // The default limit (30) applies again at once, and its own counter has room.
    expect((await shop.send(session.sessionToken, 'fifth')).status).toBe(201);
  });

  it('raw SQL in this process that revokes the row', async () => {
    const session = await warmSession();
    await api.rows('update sessions set revoked_at = ? where id = ?', [Date.now(), session.session.id]);
    const res = await shop.send(session.sessionToken, 'after raw revoke');
    expect([res.status, codeOf(res)]).toEqual([401, 'invalid_credential']);
  });

  it('another process (another connection to the file) revokes the row, or deletes it', async () => {
    const other = createClient({ url: `file:${api.databasePath}` });
    try {
      const revoked = await warmSession();
      await other.execute({
        sql: 'update sessions set revoked_at = ? where id = ?',
        args: [Date.now(), revoked.session.id],
      });
      const res = await shop.send(revoked.sessionToken, 'after the other process revoked it');
      expect([res.status, codeOf(res)]).toEqual([401, 'invalid_credential']);

      const deleted = await warmSession();
      await other.execute({ sql: 'delete from sessions where id = ?', args: [deleted.session.id] });
      const gone = await shop.send(deleted.sessionToken, 'after the other process deleted it');
      expect([gone.status, codeOf(gone)]).toEqual([401, 'invalid_credential']);

      // And a change elsewhere in the file by the other process is no reason to refuse a live one.
      const live = await warmSession();
      await other.execute({ sql: 'update apps set name = name where id = ?', args: [shop.appId] });
      expect((await shop.send(live.sessionToken, 'still live')).status).toBe(201);
    } finally {
      other.close();
    }
  });

  // review-d: what the cache keeps in memory. A moved version makes every older entry useless, so
  // none is kept: an erased or signed-out session's row (its device, its customer id) does not stay
  // in the process after the next request; and the sessions of one app share one app row.
  it('an erased or signed-out session is not held after the next request', async () => {
    // Started first (a new session moves the version), then each authenticated.
    const [erased, signedOut, other] = [
      await shop.startSession(),
      await shop.startSession(),
      await shop.startSession(),
    ];
    for (const session of [erased!, signedOut!, other!])
      expect((await shop.send(session.sessionToken, 'warm')).status).toBe(201);
    expect(heldVerifiedSessions(api.database).sessionIds).toEqual(
      expect.arrayContaining([erased!.session.id, signedOut!.session.id, other!.session.id]),
    );
    expect(
      (await api.call('DELETE', `/v1/customers/${erased.customer.id}`, { token: shop.secretKey })).status,
    ).toBe(200);
    expect((await api.call('DELETE', '/v1/session', { token: signedOut.sessionToken })).status).toBe(200);
    expect((await shop.send(other.sessionToken, 'someone else')).status).toBe(201);
    const held = heldVerifiedSessions(api.database).sessionIds;
    expect(held).toContain(other.session.id);
    expect(held).not.toContain(erased.session.id);
    expect(held).not.toContain(signedOut.session.id);
  });

  it('the sessions of one app share one app row (memory: 10,000 sessions are not 10,000 app rows)', async () => {
    // Started first (a new session moves the version), then each authenticated once.
    const started = [];
    for (let i = 0; i < 6; i++) started.push(await shop.startSession());
    for (const session of started) expect((await shop.send(session.sessionToken, 'hi')).status).toBe(201);
    const held = heldVerifiedSessions(api.database);
    expect(held.sessionIds).toEqual(expect.arrayContaining(started.map((s) => s.session.id)));
    expect(held.appRows).toBe(1);
  });
});
