import type { Message } from '@threadline/sdk-core';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedApi, startApi } from './api-harness';

// msw plays only WeChat (jscode2session); the Threadline API is the real one, in-process.
const wechatUsers = new Map<string, { openid: string; unionid?: string }>();
const exchanges: URL[] = [];
const wechat = setupServer(
  http.get('https://api.weixin.qq.com/sns/jscode2session', ({ request }) => {
    const url = new URL(request.url);
    exchanges.push(url);
    const code = url.searchParams.get('js_code') ?? '';
    const user = wechatUsers.get(code);
    if (!user || url.searchParams.get('secret') !== 'wx-secret')
      return HttpResponse.json({ errcode: 40029, errmsg: 'invalid code' });
    wechatUsers.delete(code); // valid once, like WeChat's
    return HttpResponse.json({ ...user, session_key: 'stays-on-the-server' });
  }),
);

const WECHAT = { appId: 'wx-mini-123', secret: 'wx-secret' };
const texts = (messages: Message[]) => messages.map((m) => `${m.channel}:${m.text}`);

describe('the mini-program client against the real API', () => {
  let api: StartedApi;
  beforeAll(async () => {
    wechat.listen({ onUnhandledRequest: 'error' });
    api = await startApi();
  });
  afterAll(async () => {
    wechat.close();
    await api?.close();
  });

  it('loginWithWechat(): the unionid makes the web shopper and the mini-program user one timeline', async () => {
    const shop = await api.createShop(WECHAT);
    // On the web the merchant's identity token carries the shopper's unionid.
    const web = await shop.webSession({
      identityToken: await shop.identityToken('user-7', { unionid: 'union-7' }),
    });
    await shop.send(web.sessionToken, '网页上问过：这款面霜保质期多久？');

    const { wx, client } = shop.miniProgram();
    wx.loginCodes.push('wx-code-7');
    wechatUsers.set('wx-code-7', { openid: 'openid-7', unionid: 'union-7' });
    const login = await client.loginWithWechat();

    expect(login.customer).toEqual({ id: web.customer.id, identified: true });
    expect(exchanges.at(-1)?.searchParams.get('appid')).toBe(WECHAT.appId);
    expect(exchanges.at(-1)?.searchParams.get('js_code')).toBe('wx-code-7');
    const sessionStart = wx.requests.find((r) => r.path === '/v1/sessions')!;
    expect(JSON.parse(String(sessionStart.options.data))).toMatchObject({
      channel: 'miniprogram',
      wechatCode: 'wx-code-7',
    });

    const history = await client.timeline({ limit: 20 });
    expect(texts(history.messages)).toContain('web:网页上问过：这款面霜保质期多久？');

    const sent = await client.send('小程序里接着问：敏感肌能用吗？');
    expect(sent.message).toMatchObject({ channel: 'miniprogram', author: { type: 'customer' } });
    const webTimeline = await shop.timeline(web.sessionToken);
    const webTexts = texts(webTimeline.messages);
    expect(webTexts).toContain('web:网页上问过：这款面霜保质期多久？');
    expect(webTexts).toContain('miniprogram:小程序里接着问：敏感肌能用吗？');
    expect(new Set(webTimeline.messages.map((m: Message) => m.conversationId)).size).toBe(1);
  });

  it('a handoff code made on the web resumes on the mini-program: same customer, same conversation', async () => {
    const shop = await api.createShop();
    const web = await shop.webSession();
    const asked = await shop.send(web.sessionToken, '我想换个尺码，订单 20240611001');
    const { code, shortCode } = await shop.handoff(web.sessionToken);
    expect(shortCode).toMatch(/^\d{6}$/);

    // Opened from a link: the page's query carries ?handoff=<code>.
    const fromLink = shop.miniProgram().client;
    const resumed = await fromLink.resume({ handoff: code });
    expect(resumed.customer.id).toBe(web.customer.id);
    expect(resumed.conversation?.id).toBe(asked.conversation.id);
    expect(resumed.handoff).toMatchObject({ fromChannel: 'web', conversationId: asked.conversation.id });
    const history = await fromLink.timeline();
    expect(texts(history.messages)).toContain('web:我想换个尺码，订单 20240611001');

    // Scanned from a mini-program code: the link code fits the 32-character scene as h=<code>. (A
    // 6-digit short code alone claims nothing from a client: it is for voice, with the phone's last 4.)
    const again = await shop.handoff(web.sessionToken);
    const scene = `h=${again.code}`;
    expect(scene.length).toBeLessThanOrEqual(32);
    const fromCode = shop.miniProgram().client;
    const scanned = await fromCode.resume({ scene: encodeURIComponent(scene) });
    expect(scanned.customer.id).toBe(web.customer.id);
    expect(scanned.conversation?.id).toBe(asked.conversation.id);

    // A used code is refused.
    const reused = shop.miniProgram().client;
    await expect(reused.resume({ handoff: code })).rejects.toMatchObject({
      status: 409,
      code: 'handoff_code_used',
    });
  });

  it('a phone message reaches the mini-program client through long-poll', async () => {
    const shop = await api.createShop();
    const { wx, client } = shop.miniProgram();
    const online = new Promise((resolve) =>
      client.on('connection', (status) => status === 'online' && resolve(status)),
    );
    await client.start();
    await online;
    await client.identify(await shop.identityToken('user-phone', { phone: '+8613800138000' }));

    const fromPhone = new Promise<Message>((resolve) =>
      client.on('message', (message) => message.channel === 'phone' && resolve(message)),
    );
    await shop.phoneMessage({ phone: '+8613800138000' }, '电话里说的：快递到哪了？');
    const message = await fromPhone;
    expect(message).toMatchObject({ channel: 'phone', text: '电话里说的：快递到哪了？' });
    expect(message.author.type).toBe('customer');

    // No SSE in a mini-program: every live event came through /v1/updates.
    expect(wx.requests.some((r) => r.path === '/v1/stream')).toBe(false);
    expect(wx.requests.filter((r) => r.path === '/v1/updates').length).toBeGreaterThan(1);
    // Held polls stay within the SDK's share of WeChat's 10 concurrent requests.
    expect(wx.open().length).toBeLessThanOrEqual(4);
  });
});
