import { appAnswer, errorEnvelope } from '@threadline/sdk-core/protocol';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anonymousId, createTestApi, type TestApi } from './harness';

// WeChat's servers are a third party: msw plays jscode2session.
const codes = new Map<string, { openid: string; unionid?: string }>();
const received: URL[] = [];
const wechat = setupServer(
  http.get('https://api.weixin.qq.com/sns/jscode2session', ({ request }) => {
    const url = new URL(request.url);
    received.push(url);
    const user = codes.get(url.searchParams.get('js_code') ?? '');
    if (url.searchParams.get('secret') !== 'wx-secret' || !user) {
      return HttpResponse.json({ errcode: 40029, errmsg: 'invalid code' });
    }
    codes.delete(url.searchParams.get('js_code')!); // a login code is valid once
    return HttpResponse.json({ ...user, session_key: 'never-leaves-the-server' });
  }),
);

describe('WeChat login through the app settings', () => {
  let api: TestApi;
  beforeAll(async () => {
    wechat.listen({ onUnhandledRequest: 'bypass' });
    api = await createTestApi();
  });
  afterEach(() => wechat.resetHandlers());
  afterAll(async () => {
    wechat.close();
    await api.close();
  });

  it('refuses wechatCode until the merchant configures its appid and secret', async () => {
    const shop = await api.createShop();
    const res = await api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      body: { channel: 'miniprogram', anonymousId: anonymousId(), wechatCode: 'code-1' },
    });
    expect(res.status).toBe(400);
    expect(errorEnvelope.parse(res.body).error.code).toBe('wechat_not_configured');
  });

  it('exchanges the code, never returns session_key, and joins the unionid to the web user', async () => {
    const shop = await api.createShop();
    const patched = await api.call('PATCH', '/v1/app', {
      token: shop.secretKey,
      body: { wechat: { appId: 'wx123', secret: 'wx-secret' } },
    });
    expect(patched.status).toBe(200);
    expect(appAnswer.parse(patched.body).app.wechat).toEqual({ appId: 'wx123' });
    expect(patched.text).not.toContain('wx-secret');

    // The shopper is known on the web, where the merchant's token carries the unionid.
    const web = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken('user-7', { unionid: 'union-7' }),
    });
    await shop.send(web.sessionToken, '网页上问过的问题');

    codes.set('code-ok', { openid: 'openid-7', unionid: 'union-7' });
    const mini = await api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      body: { channel: 'miniprogram', anonymousId: anonymousId(), wechatCode: 'code-ok' },
    });
    expect(mini.status).toBe(201);
    expect(mini.text).not.toContain('never-leaves-the-server');
    expect(mini.body.customer).toEqual({ id: web.customer.id, identified: true });
    expect(received.at(-1)?.searchParams.get('appid')).toBe('wx123');

    const timeline = await api.call('GET', '/v1/timeline', { token: mini.body.sessionToken });
    expect(timeline.body.messages.map((m: { text: string }) => m.text)).toEqual(['网页上问过的问题']);

    // The same code again is refused by WeChat, and so by us.
    const again = await api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      body: { channel: 'miniprogram', anonymousId: anonymousId(), wechatCode: 'code-ok' },
    });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('invalid_credential');
  });

  it('a mini-program user met first keeps one customer when they later log in on the web', async () => {
    const shop = await api.createShop({ wechat: { appId: 'wx9', secret: 'wx-secret' } });
    codes.set('code-first', { openid: 'openid-9', unionid: 'union-9' });
    const mini = await shop.startSession({ channel: 'miniprogram', wechatCode: 'code-first' });
    await shop.send(mini.sessionToken, '小程序里先问的');

    const web = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken('user-9', { unionid: 'union-9' }),
    });
    expect(web.customer.id).toBe(mini.customer.id);
    const timeline = await api.call('GET', '/v1/timeline', { token: web.sessionToken });
    expect(timeline.body.messages.map((m: { text: string }) => m.text)).toEqual(['小程序里先问的']);
  });

  it('answers 502 when WeChat cannot be reached', async () => {
    const shop = await api.createShop({ wechat: { appId: 'wx5', secret: 'wx-secret' } });
    wechat.use(http.get('https://api.weixin.qq.com/sns/jscode2session', () => HttpResponse.error()));
    const res = await api.call('POST', '/v1/sessions', {
      token: shop.publishableKey,
      body: { channel: 'miniprogram', anonymousId: anonymousId(), wechatCode: 'code-x' },
    });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('wechat_exchange_failed');
  });

  it('validates settings changes', async () => {
    const shop = await api.createShop();
    const bad = await api.call('PATCH', '/v1/app', {
      token: shop.secretKey,
      body: { handoffTtlSec: 5, allowedOrigins: ['not a url'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const channels = await api.call('PATCH', '/v1/app', {
      token: shop.secretKey,
      body: { extraChannels: ['kuaishou_live'] },
    });
    expect(channels.body.app.channels).toContain('kuaishou_live');
    const posted = await shop.channelMessage('kuaishou_live', { externalId: 'viewer-1' }, '主播好');
    expect(posted.status).toBe(201);
    expect(posted.body.message.channel).toBe('kuaishou_live');
  });
});
