import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApi, type TestApi } from '../../api/test/harness';
import { createFetchPlatform } from '../src/fetch-platform';
import { type ClientOptions, createClient, type Message, type ThreadlineClient } from '../src/index';
import { createMemoryStorage, type MemoryStorage } from '../src/testing/index';
import { createSwitchableNetwork } from './switchable-network';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;

describe('the SDK core against the real API', () => {
  let api: TestApi;
  const clients: ThreadlineClient[] = [];
  beforeAll(async () => {
    api = await createTestApi({ heartbeatMs: 1_000 });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await api.close();
  });

  function connect(
    shop: Shop,
    options: Partial<ClientOptions> & { storage?: MemoryStorage } = {},
    network = createSwitchableNetwork((request) => api.app.fetch(request)),
  ) {
    const platform = createFetchPlatform({
      fetch: network.fetch,
      storage: options.storage ?? createMemoryStorage(),
      onNetworkChange: network.onNetworkChange,
    });
    const client = createClient({
      appKey: shop.publishableKey,
      apiUrl: 'http://threadline.test',
      channel: 'web',
      platform,
      logger: { warn() {}, error() {} },
      backoff: { baseMs: 20, maxMs: 250 },
      ...options,
    });
    clients.push(client);
    return { client, network };
  }

  const messagesOf = (client: ThreadlineClient) => {
    const received: Message[] = [];
    client.on('message', (m) => received.push(m));
    return received;
  };

  const online = (client: ThreadlineClient) =>
    vi.waitFor(() => expect(client.getState().connection).toBe('online'), { timeout: 5_000 });

  it('starts, sends and reads the timeline back', async () => {
    const shop = await api.createShop();
    const { client } = connect(shop);
    const started = await client.start();
    expect(started.customer.identified).toBe(false);
    expect(started.conversation).toBeNull();

    const sent = await client.send('这款面霜保质期多久？');
    expect(sent.message).toMatchObject({
      channel: 'web',
      text: '这款面霜保质期多久？',
      author: { type: 'customer' },
    });
    expect(sent.conversation.status).toBe('bot');
    const page = await client.timeline({ limit: 20 });
    expect(page.messages.map((m) => [m.channel, m.text])).toEqual([['web', '这款面霜保质期多久？']]);
    expect(page.messages[0]!.clientMessageId).toBe(sent.message.clientMessageId);
  });

  it('identify() merges the anonymous history into the merchant user, seen from another device', async () => {
    const shop = await api.createShop();
    const { client: web } = connect(shop);
    await web.start();
    await web.send('匿名时问的');
    const token = await shop.identityToken('user-7');
    const identified = await web.identify(token);
    expect(identified).toMatchObject({ customer: { identified: true }, merged: true });
    await web.send('登录后问的');

    const { client: app } = connect(shop, { channel: 'app' });
    await app.start();
    await app.identify(token);
    expect(app.getState().customer?.id).toBe(identified.customer.id);
    const page = await app.timeline();
    expect(page.messages.map((m) => [m.channel, m.text])).toEqual([
      ['web', '匿名时问的'],
      ['web', '登录后问的'],
    ]);
  });

  it('receives a phone message posted by the merchant backend, live, marked with its channel', async () => {
    const shop = await api.createShop();
    const { client } = connect(shop);
    const received = messagesOf(client);
    await client.start();
    await client.identify(await shop.identityToken('user-42'));
    await online(client);

    const phone = await shop.channelMessage(
      'phone',
      { externalId: 'user-42' },
      '我刚才打电话问的面霜，下单了',
    );
    expect(phone.status).toBe(201);
    await vi.waitFor(
      () =>
        expect(received.map((m) => [m.channel, m.text])).toContainEqual([
          'phone',
          '我刚才打电话问的面霜，下单了',
        ]),
      {
        timeout: 5_000,
      },
    );
  });

  it('drops the network mid-way and comes back: pending messages arrive once, in order, and missed events follow', async () => {
    const shop = await api.createShop();
    const { client, network } = connect(shop);
    const received = messagesOf(client);
    await client.start();
    await client.identify(await shop.identityToken('user-9'));
    await online(client);
    await client.send('一');

    network.setOnline(false);
    await vi.waitFor(() => expect(client.getState().connection).toBe('offline'));
    const two = client.send('二');
    const three = client.send('三');
    await shop.channelMessage('phone', { externalId: 'user-9' }, '断网时打来的电话');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.pending().map((m) => m.text)).toEqual(['二', '三']);

    network.setOnline(true);
    const [second, third] = await Promise.all([two, three]);
    expect([second.message.text, third.message.text]).toEqual(['二', '三']);
    await online(client);
    await vi.waitFor(() => expect(received.map((m) => m.text)).toContain('断网时打来的电话'), {
      timeout: 5_000,
    });

    const page = await client.timeline({ limit: 50 });
    // The call came in while the device was offline, so it sits before the two late messages.
    expect(page.messages.map((m) => m.text)).toEqual(['一', '断网时打来的电话', '二', '三']);
    const ids = received.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a reload sends what an earlier client left pending, exactly once', async () => {
    const shop = await api.createShop();
    const storage = createMemoryStorage();
    const first = connect(shop, { storage });
    await first.client.start();
    first.network.setOnline(false);
    const lost = first.client.send('关页面前没发出去').catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    first.client.close();
    expect(await lost).toMatchObject({ code: 'client_closed' });

    const second = connect(shop, { storage });
    const received = messagesOf(second.client);
    await second.client.start();
    await vi.waitFor(() => expect(received.map((m) => m.text)).toEqual(['关页面前没发出去']), {
      timeout: 5_000,
    });
    await second.client.send('重新打开后');
    const page = await second.client.timeline();
    expect(page.messages.map((m) => m.text)).toEqual(['关页面前没发出去', '重新打开后']);
  });

  it('hands off on one client and resumes on another device: same customer, same conversation', async () => {
    const shop = await api.createShop();
    const { client: web } = connect(shop);
    await web.start();
    const sent = await web.send('我想在小程序里继续');
    const { code, shortCode } = await web.handoff({ toChannel: 'miniprogram' });
    expect(shortCode).toMatch(/^\d{6}$/);

    const { client: mini } = connect(shop, { channel: 'miniprogram' });
    const resumed = await mini.resume(code);
    expect(resumed.anonymousId).not.toBe(web.getState().anonymousId);
    expect(resumed.customer.id).toBe(web.getState().customer!.id);
    expect(resumed.conversation?.id).toBe(sent.conversation.id);
    expect(resumed.handoff).toMatchObject({ fromChannel: 'web', conversationId: sent.conversation.id });

    const next = await mini.send('到小程序了');
    expect(next.conversation.id).toBe(sent.conversation.id);
    const page = await mini.timeline();
    expect(page.messages.map((m) => [m.channel, m.text])).toEqual([
      ['web', '我想在小程序里继续'],
      ['miniprogram', '到小程序了'],
    ]);
  });

  it('renews an expired session against the real API without the host noticing', async () => {
    const expiring = await createTestApi({ sessionTtlSec: 1 });
    try {
      const expiringShop = await expiring.createShop();
      const sessionStarts: number[] = [];
      const network = createSwitchableNetwork((request) => {
        if (request.url.endsWith('/v1/sessions')) sessionStarts.push(Date.now());
        return expiring.app.fetch(request);
      });
      const { client } = connect(expiringShop, { realtime: false }, network);
      await client.start();
      await client.send('过期前');
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      const after = await client.send('过期后');
      expect(after.message.text).toBe('过期后');
      expect((await client.timeline()).messages.map((m) => m.text)).toEqual(['过期前', '过期后']);
      expect(sessionStarts).toHaveLength(2);
    } finally {
      await expiring.close();
    }
  });
});
