import { errorEnvelope, timelinePage } from '@threadline/sdk-core/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi } from './harness';
import { startReplyServer } from './reply-server';

/**
 * A viewer who asked in a livestream room, then opens the app with an identity token carrying
 * the platform handle the merchant linked (`handles: {douyin: …}`), sees those questions — and the
 * room's answers — in the one timeline.
 */
describe('livestream viewers in the one timeline', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  let clock: ReturnType<typeof createManualClock>;
  let replies: Awaited<ReturnType<typeof startReplyServer>>;
  let seq = 0;

  beforeEach(async () => {
    clock = createManualClock(Date.UTC(2026, 4, 1, 12));
    api = await createTestApi({ clock, liveTickMs: 0, liveTimelineDrainMs: 0 });
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    replies = await startReplyServer();
    await api.call('PUT', '/v1/live/settings', {
      token: shop.secretKey,
      body: { replyUrl: replies.url, hot: { minAskers: 2, minShare: 0 } },
    });
  });
  afterEach(async () => {
    api.app.livestream.close();
    await replies.close();
    await api.close();
  });

  const say = async (channel: string, viewerId: string, texts: string[]) => {
    const res = await api.call('POST', `/v1/channels/${channel}/comments`, {
      token: shop.secretKey,
      body: {
        roomId: 'room-1',
        items: texts.map((text) => ({ id: `c-${++seq}`, viewerId, nickname: '小鹿', text, at: clock.now() })),
      },
    });
    expect(res.status).toBe(200);
    await api.app.livestream.settled();
  };
  const timeline = async (sessionToken: string) =>
    timelinePage.parse((await api.call('GET', '/v1/timeline?limit=50', { token: sessionToken })).body)
      .messages;

  it('a new user whose token carries the handle gets the viewer’s questions and the room’s answers', async () => {
    await say('douyin_live', 'dy_8f3a', ['直播间的券怎么领', '666', '扣1']);
    await say('douyin_live', 'dy_other', ['直播间的券怎么领']);
    const session = await shop.startSession({
      channel: 'app',
      identityToken: await shop.identityToken('user-42', { handles: { douyin: 'dy_8f3a' } }),
    });
    const messages = await timeline(session.sessionToken);
    expect(messages.map((m) => [m.author.type, m.channel, m.text])).toEqual([
      ['customer', 'douyin_live', '直播间的券怎么领'],
      ['bot', 'douyin_live', expect.stringContaining('小黄车')],
    ]);
    expect(messages[0]!.meta?.live).toMatchObject({ channel: 'douyin_live', roomId: 'room-1' });
    // The user's next message opens a normal conversation; the room's stays closed.
    const sent = await shop.send(session.sessionToken, '券领到了 怎么用');
    expect(sent.body.conversation.id).not.toBe(messages[0]!.conversationId);
  });

  it('an existing user who links the handle later gets the viewer merged in, and later comments join too', async () => {
    const session = await shop.startSession({
      channel: 'web',
      identityToken: await shop.identityToken('user-7'),
    });
    await shop.send(session.sessionToken, '你好，想问下面霜');
    await say('taobao_live', 'tb_77', ['几号发货', '这个保质期多久']);
    const linked = await shop.identify(
      session.sessionToken,
      await shop.identityToken('user-7', { handles: { taobao: 'tb_77' } }),
    );
    expect(linked.status).toBe(200);
    const texts = (await timeline(session.sessionToken)).map((m) => [m.channel, m.author.type, m.text]);
    expect(texts.filter(([, author]) => author === 'customer')).toEqual([
      ['web', 'customer', '你好，想问下面霜'],
      ['taobao_live', 'customer', '几号发货'],
      ['taobao_live', 'customer', '这个保质期多久'],
    ]);
    // A comment after linking lands on the user straight away.
    clock.advance(60_000);
    await say('taobao_live', 'tb_77', ['包邮吗']);
    const after = await timeline(session.sessionToken);
    expect(after.at(-1)).toMatchObject({
      channel: 'taobao_live',
      text: '包邮吗',
      author: { type: 'customer' },
    });
    const customers = await api.rows<{ n: number }>(
      "select count(distinct customer_id) as n from identities where value in ('tb_77', 'user-7')",
    );
    expect(customers[0]!.n).toBe(1);
  });

  it('refuses a malformed handles claim instead of linking something else', async () => {
    for (const handles of [{ phone: '13800000000' }, { douyin: 42 }, ['douyin'], { 'Dou Yin': 'x' }]) {
      const res = await api.call('POST', '/v1/sessions', {
        token: shop.publishableKey,
        body: { channel: 'app', identityToken: await shop.identityToken('user-1', { handles }) },
      });
      expect([JSON.stringify(handles), res.status, errorEnvelope.parse(res.body).error.code]).toEqual([
        JSON.stringify(handles),
        401,
        'invalid_identity_token',
      ]);
    }
  });
});
