import { errorEnvelope, handoffAnswer, sessionAnswer, timelinePage } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymousId, createTestApi, type TestApi } from './harness';
import { readSse } from './sse-reader';

/**
 * Issue 8, items 1, 5 and 6: a handoff link or a device id must never be a door into someone
 * else's verified account. The attack, step by step, against the real API.
 */
type Shop = Awaited<ReturnType<TestApi['createShop']>>;

describe('a handoff link cannot hand a verified shopper’s account to whoever made the code', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  const timelineOf = async (token: string) =>
    timelinePage.parse((await api.call('GET', '/v1/timeline', { token })).body).messages.map((m) => m.text);
  const codeOf = (res: { body: unknown }) => errorEnvelope.parse(res.body).error.code;

  it('keeps the victim’s history, account and live events away from the attacker at every step', async () => {
    // The victim's verified account already holds private history (the app, logged in).
    const victimToken = await shop.identityToken('victim-1');
    const victimApp = await shop.startSession({ channel: 'app', identityToken: victimToken });
    await shop.send(victimApp.sessionToken, '我的收货地址是上海市徐汇区某路 88 号');

    // The attacker starts an anonymous session and makes a code.
    const attackerDevice = anonymousId();
    const attacker = await shop.startSession({ channel: 'web', anonymousId: attackerDevice });
    await shop.send(attacker.sessionToken, 'attacker was here');
    const created = await api.call('POST', '/v1/handoffs', { token: attacker.sessionToken, body: {} });
    const { code } = handoffAnswer.parse(created.body);
    const attackerStream = readSse(
      await api.app.request('/v1/stream', { headers: { authorization: `Bearer ${attacker.sessionToken}` } }),
    );
    await attackerStream.until((frames) => frames.some((f) => f.comment === 'connected'));

    // The victim, not logged in on the web, chatted anonymously, then opens the link.
    const victimDevice = anonymousId();
    const victimWeb = await shop.startSession({ channel: 'web', anonymousId: victimDevice });
    await shop.send(victimWeb.sessionToken, 'my phone is 13912345678');
    const claimed = await api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      body: { channel: 'web', anonymousId: victimDevice, handoffCode: code },
    });
    expect(claimed.status).toBe(201);
    const viaLink = sessionAnswer.parse(claimed.body);
    expect(viaLink.customer.id).toBe(attacker.customer.id);

    // 1. The claim moved none of the victim's earlier history into the code's customer.
    expect(await timelineOf(attacker.sessionToken)).toEqual(['attacker was here']);
    expect(await timelineOf(victimWeb.sessionToken)).toEqual(['my phone is 13912345678']);

    // 2. The victim logs in inside the link's session: only that session becomes the account's.
    const identified = await shop.identify(viaLink.sessionToken, victimToken);
    expect(identified.status).toBe(200);
    expect(identified.body.customer.id).toBe(victimApp.customer.id);
    expect(identified.body.merged).toBe(false);

    // The attacker's session still reads only the attacker's own customer…
    expect(await timelineOf(attacker.sessionToken)).toEqual(['attacker was here']);
    // …posts there, not as the shopper (whose account holds only the shopper's own words: the
    // victim device's anonymous chat joined it on login, as any login from that device does)…
    await shop.send(attacker.sessionToken, 'posting as the victim?');
    expect(await timelineOf(victimApp.sessionToken)).toEqual([
      '我的收货地址是上海市徐汇区某路 88 号',
      'my phone is 13912345678',
    ]);
    // …and follows none of the account's live events.
    await shop.send(victimApp.sessionToken, 'a private follow-up');
    await shop.send(attacker.sessionToken, 'marker');
    await attackerStream.until((frames) => frames.some((f) => f.data?.includes('marker')));
    await attackerStream.close();
    expect(attackerStream.frames.some((f) => f.data?.includes('private'))).toBe(false);

    // 3. The attacker's device id never became an identity of the account.
    const again = await shop.startSession({ channel: 'web', anonymousId: attackerDevice });
    expect(again.customer.id).not.toBe(victimApp.customer.id);
    expect(await timelineOf(again.sessionToken)).not.toContain('a private follow-up');
  });

  it('never lets an anonymous code customer become a door: logging in with the attacker’s session merges nothing of the victim’s', async () => {
    const attacker = await shop.startSession({ channel: 'web' });
    const { code } = handoffAnswer.parse(
      (await api.call('POST', '/v1/handoffs', { token: attacker.sessionToken, body: {} })).body,
    );
    const victim = sessionAnswer.parse(
      (
        await api.call('POST', '/v1/sessions', {
          token: shop.publishableKey,
          body: { channel: 'web', anonymousId: anonymousId(), handoffCode: code },
        })
      ).body,
    );
    await shop.send(victim.sessionToken, 'victim typed into the shared conversation');
    // The attacker logs into their own account from their session: the shared customer merges into
    // it, but the victim's session is revoked instead of following.
    const attackerAccount = await shop.identify(
      attacker.sessionToken,
      await shop.identityToken('attacker-2'),
    );
    expect(attackerAccount.body.merged).toBe(true);
    const after = await api.call('GET', '/v1/timeline', { token: victim.sessionToken });
    expect([after.status, codeOf(after)]).toEqual([401, 'invalid_credential']);
  });

  it('moves only the calling session on identify; other sessions of the anonymous customer are revoked', async () => {
    const device = anonymousId();
    const tabA = await shop.startSession({ channel: 'web', anonymousId: device });
    const tabB = await shop.startSession({ channel: 'web', anonymousId: device });
    expect(tabB.customer.id).toBe(tabA.customer.id);
    await shop.send(tabA.sessionToken, 'before login');
    const identified = await shop.identify(tabA.sessionToken, await shop.identityToken('tabs-user'));
    const b = await api.call('GET', '/v1/timeline', { token: tabB.sessionToken });
    expect([b.status, codeOf(b)]).toEqual([401, 'invalid_credential']);
    // Tab B renews the way the SDK does: its device id alone no longer leads anywhere verified…
    const renewed = await shop.startSession({ channel: 'web', anonymousId: device });
    expect(renewed.customer.identified).toBe(false);
    expect(await timelineOf(renewed.sessionToken)).toEqual([]);
    // …while tab A is the account's, with its history.
    expect(await timelineOf(identified.body.sessionToken)).toEqual(['before login']);
  });
});

describe('a device id is never a key to a verified account (item 6)', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  it('starts a device that identified earlier, presenting only its device id, as nobody', async () => {
    const device = anonymousId();
    const first = await shop.startSession({
      channel: 'web',
      anonymousId: device,
      identityToken: await shop.identityToken('device-user', { phone: '13800138000' }),
    });
    await shop.send(first.sessionToken, '订单 LY1 什么时候到');
    const later = await shop.startSession({ channel: 'web', anonymousId: device });
    expect(later.customer).toMatchObject({ identified: false });
    expect(later.customer.id).not.toBe(first.customer.id);
    const page = await api.call('GET', '/v1/timeline', { token: later.sessionToken });
    expect(page.body.messages).toEqual([]);
  });

  it('forgets the device id on logout (DELETE /v1/session) and ends that session', async () => {
    const device = anonymousId();
    const anon = await shop.startSession({ channel: 'web', anonymousId: device });
    await shop.send(anon.sessionToken, 'anonymous but mine');
    const out = await api.call('DELETE', '/v1/session', { token: anon.sessionToken });
    expect(out.body).toEqual({ revoked: 1 });
    expect((await api.call('GET', '/v1/timeline', { token: anon.sessionToken })).status).toBe(401);
    const next = await shop.startSession({ channel: 'web', anonymousId: device });
    expect(next.customer.id).not.toBe(anon.customer.id);
  });
});

describe('open streams stop when their session is revoked or switched to another person (item 5, server)', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  const open = async (token: string) => {
    const stream = readSse(
      await api.app.request('/v1/stream', { headers: { authorization: `Bearer ${token}` } }),
    );
    await stream.until((frames) => frames.some((f) => f.comment === 'connected'));
    return stream;
  };

  it('ends the stream of a revoked session, and of a session that identified as someone else', async () => {
    const alice = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken('alice-5'),
    });
    const aliceStream = await open(alice.sessionToken);
    const revoked = await api.call('DELETE', `/v1/sessions/${alice.session.id}`, { token: shop.secretKey });
    expect(revoked.body).toEqual({ revoked: 1 });
    await aliceStream.until(() => false, 50);
    expect(aliceStream.ended()).toBe(true);

    // A shared computer: Bob's session logs in as Carol without logging out first.
    const bobToken = await shop.identityToken('bob-5');
    const bob = await shop.startSession({ channel: 'web', identityToken: bobToken });
    const bobStream = await open(bob.sessionToken);
    const asCarol = await shop.identify(bob.sessionToken, await shop.identityToken('carol-5'));
    expect(asCarol.body.merged).toBe(false);
    await bobStream.until(() => false, 50);
    expect(bobStream.ended()).toBe(true);
    // Bob's events after the switch reach no stream of that session.
    const bobElsewhere = await shop.startSession({ channel: 'app', identityToken: bobToken });
    await shop.send(bobElsewhere.sessionToken, 'bob private');
    expect(bobStream.frames.some((f) => f.data?.includes('bob private'))).toBe(false);
  });
});
