import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { handoffAnswer, sessionAnswer } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractOrderId } from '../src/knowledge/engine/shopper-signals';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

/**
 * Review of issue 8, item 9: message text is sealed, but what the engine *derives* from it (order
 * ids in the conversation's memory, the handoff summary, tickets) and what clients send beside it
 * (an escalation reason) are stored as they are. A number that identifies a person must never be
 * taken for an order id, and free text from a client is sealed like a message.
 */
type Shop = Awaited<ReturnType<TestApi['createShop']>>;

describe('numbers that identify a person are never taken for order ids', () => {
  it('reads phones in every written form and resident ID numbers as what they are', () => {
    for (const text of [
      '电话 +8613912345678',
      '电话 8613912345678',
      '电话 008613912345678',
      '座机 02155556666',
      '座机 057188889999',
      'call +12025550123',
      '身份证 110101199003074514',
      '身份证 440524188001010014',
    ])
      expect([text, extractOrderId(text)]).toEqual([text, null]);
  });

  it('still finds real order numbers', () => {
    expect(extractOrderId('订单 LY20240601123 到哪了')).toBe('LY20240601123');
    expect(extractOrderId('订单号 2024060112345678')).toBe('2024060112345678');
    // 18 digits that fail the ID checksum are an order number like any other.
    expect(extractOrderId('订单 110101199003074515 没收到')).toBe('110101199003074515');
  });
});

describe('nothing a shopper identifies themselves with is stored in the clear, file and WAL included', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    await api.call('PATCH', '/v1/app', { token: shop.secretKey, body: { rateLimits: UNLIMITED } });
  });
  afterAll(() => api.close());

  /** Every byte of the database's files, as text: what someone who copies them can read. */
  const rawFiles = () => {
    const dir = dirname(api.databasePath);
    return readdirSync(dir)
      .map((name) => readFileSync(join(dir, name)).toString('utf8'))
      .join('\n');
  };

  it('keeps phones, ID numbers and the escalation reason out of memory, summaries, tickets and the file', async () => {
    const web = await shop.startSession({ channel: 'web' });
    await shop.send(web.sessionToken, '订单 LY20240601999 尺码不合适想换大一码');
    await shop.send(web.sessionToken, '我的电话是 +8613987654321，身份证 110101199003074514');
    await shop.send(web.sessionToken, '座机 02166667777 也可以打');
    const escalated = await api.call('POST', '/v1/escalate', {
      token: web.sessionToken,
      body: { reason: '快递员把我家门牌 云栖路 77 号 写错了' },
    });
    expect(escalated.status).toBe(200);
    // The conversation changes hands (its summary is written) and is continued elsewhere.
    const { code } = handoffAnswer.parse(
      (await api.call('POST', '/v1/handoffs', { token: web.sessionToken, body: {} })).body,
    );
    const app = sessionAnswer.parse(
      (
        await api.call('POST', '/v1/sessions', {
          token: shop.publishableKey,
          body: { channel: 'app', handoffCode: code },
        })
      ).body,
    );
    // The next channel still gets the real order number…
    expect(app.handoff?.summary?.orderIds).toEqual(['LY20240601999']);

    // A reason is text like a message: exact, or refused.
    const cut = await api.call('POST', '/v1/escalate', {
      token: app.sessionToken,
      body: { reason: 'cut\u0000here' },
    });
    expect(cut.status).toBe(400);

    // …and nothing that identifies the shopper sits in the files in the clear.
    await api.database.client.execute('pragma wal_checkpoint(passive)');
    const raw = rawFiles();
    for (const secret of ['13987654321', '110101199003074514', '02166667777', '云栖路'])
      expect([secret, raw.includes(secret)]).toEqual([secret, false]);
  });
});
