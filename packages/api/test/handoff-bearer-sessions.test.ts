import { errorEnvelope, handoffAnswer, sessionAnswer, timelinePage } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymousId, createTestApi, type TestApi } from './harness';
import { readSse } from './sse-reader';

/**
 * A session made by claiming a handoff code is a bearer of the code's customer *as it was*. Review of
 * issue 8: the orders of events its tests did not try — the code's customer becoming a merchant
 * account later (a phone caller's record that a login claims, a merge), and the claimer's own
 * device history on identify.
 */
type Shop = Awaited<ReturnType<TestApi['createShop']>>;

describe('a claimed session never grows into a merchant account', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  const timelineOf = async (token: string) => {
    const res = await api.call('GET', '/v1/timeline', { token });
    return res.status === 200 ? timelinePage.parse(res.body).messages.map((m) => m.text) : res.status;
  };
  const codeOf = (res: { body: unknown }) => errorEnvelope.parse(res.body).error.code;

  /** An agent reads a short code out on a call; whoever is on the line (caller id can be spoofed) claims it. */
  async function claimCallersCode(phone: string) {
    await shop.channelMessage('phone', { phone }, '电话里问的问题');
    const created = handoffAnswer.parse(
      (
        await api.call('POST', '/v1/handoffs', {
          token: shop.secretKey,
          body: { toChannel: 'web', customer: { phone } },
        })
      ).body,
    );
    const claimed = await api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      body: {
        channel: 'web',
        anonymousId: anonymousId(),
        handoffCode: created.shortCode,
        handoffCheck: phone.slice(-4),
      },
    });
    expect(claimed.status).toBe(201);
    return sessionAnswer.parse(claimed.body);
  }

  it('ends a claimed session when the caller’s record becomes a logged-in account (login names the phone)', async () => {
    const claimer = await claimCallersCode('13912340001');
    const stream = readSse(
      await api.app.request('/v1/stream', { headers: { authorization: `Bearer ${claimer.sessionToken}` } }),
    );
    await stream.until((frames) => frames.some((f) => f.comment === 'connected'));

    // The merchant user with that phone logs in on the web: the caller's record becomes the account.
    const owner = await shop.startSession({
      identityToken: await shop.identityToken('phone-owner-1', { phone: '13912340001' }),
    });
    expect(owner.customer.id).toBe(claimer.customer.id);
    await shop.send(owner.sessionToken, '登录后才说的私事');

    expect(await timelineOf(claimer.sessionToken)).toBe(401);
    await stream.until(() => false, 50);
    expect(stream.ended()).toBe(true);
    expect(stream.frames.some((f) => f.data?.includes('私事'))).toBe(false);
  });

  it('does not carry a claimed session along when the caller’s record merges into an existing account', async () => {
    const account = await shop.startSession({ identityToken: await shop.identityToken('phone-owner-2') });
    await shop.send(account.sessionToken, '账户里早就有的私事');
    const claimer = await claimCallersCode('13912340002');
    expect(claimer.customer.id).not.toBe(account.customer.id);

    // The account's next login names the phone: the caller's record merges into the account.
    await shop.startSession({
      channel: 'app',
      identityToken: await shop.identityToken('phone-owner-2', { phone: '13912340002' }),
    });
    const after = await api.call('GET', '/v1/timeline', { token: claimer.sessionToken });
    expect([after.status, codeOf(after)]).toEqual([401, 'invalid_credential']);
  });

  it('keeps the claimed session that itself logs in as the caller (it proved who it is)', async () => {
    const claimer = await claimCallersCode('13912340003');
    const identified = await shop.identify(
      claimer.sessionToken,
      await shop.identityToken('phone-owner-3', { phone: '13912340003' }),
    );
    expect(identified.status).toBe(200);
    expect(identified.body.customer.id).toBe(claimer.customer.id);
    expect(await timelineOf(identified.body.sessionToken)).toContain('电话里问的问题');
  });
});

describe('the claimer’s own device history is not stranded', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  const timelineOf = async (token: string) =>
    timelinePage.parse((await api.call('GET', '/v1/timeline', { token })).body).messages.map((m) => m.text);

  it('joins the account when the claimed session logs in, as any login from that device would', async () => {
    const device = anonymousId();
    const own = await shop.startSession({ anonymousId: device });
    await shop.send(own.sessionToken, '我自己匿名时问过的');
    const stranger = await shop.startSession();
    const { code } = handoffAnswer.parse(
      (await api.call('POST', '/v1/handoffs', { token: stranger.sessionToken, body: {} })).body,
    );
    const claimed = sessionAnswer.parse(
      (
        await api.call('POST', '/v1/sessions', {
          token: shop.publishableKey,
          body: { channel: 'web', anonymousId: device, handoffCode: code },
        })
      ).body,
    );
    const token = await shop.identityToken('device-owner-1');
    const identified = await shop.identify(claimed.sessionToken, token);
    expect(identified.body.merged).toBe(false);
    // The device's own anonymous chat is the account's now, on every later login.
    const later = await shop.startSession({ channel: 'app', identityToken: token });
    expect(await timelineOf(later.sessionToken)).toEqual(['我自己匿名时问过的']);
    // …and the code's customer (the stranger's) did not join it.
    expect(await timelineOf(stranger.sessionToken)).toEqual([]);
  });

  it('joins the account when a device claims its own account’s link with its identity token', async () => {
    const device = anonymousId();
    const own = await shop.startSession({ anonymousId: device });
    await shop.send(own.sessionToken, '登录前在这台设备上问的');
    const token = await shop.identityToken('device-owner-2');
    const app = await shop.startSession({ channel: 'app', identityToken: token });
    const { code } = handoffAnswer.parse(
      (await api.call('POST', '/v1/handoffs', { token: app.sessionToken, body: {} })).body,
    );
    const claimed = sessionAnswer.parse(
      (
        await api.call('POST', '/v1/sessions', {
          token: shop.publishableKey,
          body: { channel: 'web', anonymousId: device, handoffCode: code, identityToken: token },
        })
      ).body,
    );
    expect(claimed.customer.id).toBe(app.customer.id);
    expect(await timelineOf(claimed.sessionToken)).toEqual(['登录前在这台设备上问的']);
    // The device id no longer leads to the anonymous record.
    const anonymousAgain = await shop.startSession({ anonymousId: device });
    expect(anonymousAgain.customer.id).not.toBe(own.customer.id);
  });
});
