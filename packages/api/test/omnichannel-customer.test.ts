import { timelinePage } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymousId, createTestApi, type TestApi } from './harness';

describe('one customer, one history, every channel', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.close());

  it('joins web (anonymous → identified), app and phone into one timeline, and streams phone to web', async () => {
    const shop = await api.createShop();
    const web = await shop.startSession({ channel: 'web', anonymousId: anonymousId() });
    expect(web.customer.identified).toBe(false);
    expect((await shop.send(web.sessionToken, '你好，这款面霜保质期多久？')).status).toBe(201);

    const token = await shop.identityToken('user-42', { name: '王小姐' });
    const identified = await api.call('POST', '/v1/identify', {
      token: web.sessionToken,
      body: { identityToken: token },
    });
    expect(identified.status).toBe(200);
    expect(identified.body.customer.identified).toBe(true);
    const webToken = identified.body.sessionToken as string;
    const customerId = identified.body.customer.id as string;
    expect((await shop.send(webToken, '我是干皮，适合吗？')).status).toBe(201);

    const app = await shop.startSession({ channel: 'app', anonymousId: anonymousId(), identityToken: token });
    expect(app.customer).toEqual({ id: customerId, identified: true });
    expect((await shop.send(app.sessionToken, '在 app 上继续问：有小样吗')).status).toBe(201);

    // The web session listens on its stream while the phone line posts.
    const stream = await api.app.request('/v1/stream', { headers: { authorization: `Bearer ${webToken}` } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const phone = await shop.channelMessage(
      'phone',
      { externalId: 'user-42' },
      '我刚才打电话问的面霜，下单了',
    );
    expect(phone.status).toBe(201);
    expect(phone.body.customer.id).toBe(customerId);

    let received = '';
    const decoder = new TextDecoder();
    while (!received.includes('下单了')) {
      const { value, done } = await reader.read();
      if (done) break;
      received += decoder.decode(value);
    }
    await reader.cancel();
    expect(received).toMatch(/event: message\.created/);
    expect(received).toContain('"channel":"phone"');

    const timeline = await api.call('GET', '/v1/timeline?limit=50', { token: app.sessionToken });
    expect(timeline.status).toBe(200);
    const page = timelinePage.parse(timeline.body);
    expect(page.messages.map((m) => [m.channel, m.text])).toEqual([
      ['web', '你好，这款面霜保质期多久？'],
      ['web', '我是干皮，适合吗？'],
      ['app', '在 app 上继续问：有小样吗'],
      ['phone', '我刚才打电话问的面霜，下单了'],
    ]);
    // One open conversation holds them all.
    expect(new Set(page.messages.map((m) => m.conversationId)).size).toBe(1);
  });
});
