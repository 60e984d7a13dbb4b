import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './harness';

/**
 * Review of issue 8, item 13: keys users choose are looked up as own properties — channel slugs were
 * covered; a product attribute an intent answers from was not. A merchant naming an attribute like an
 * Object.prototype member must neither leak a function's source to shoppers nor silence the bot.
 */
describe('intents answering from a product attribute named like an Object.prototype member', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
    const imported = await api.call('POST', '/v1/kb/import', {
      token: shop.secretKey,
      body: {
        articles: [
          { id: 'a1', title: '发货', questions: ['什么时候发货'], answer: '下单后 48 小时内发货。' },
        ],
        intents: [
          {
            id: 'ask-structure',
            name: '问构造',
            answerFrom: { productAttribute: 'constructor' },
            examples: ['这个的构造是什么', '构造怎么样', '构造如何'],
          },
        ],
        products: [
          { id: 'p1', name: '云感面霜', attributes: { constructor: '三层结构', shelfLife: '3 年' } },
        ],
      },
    });
    expect(imported.status).toBe(200);
  });
  afterAll(() => api.close());

  it('asks which product without quoting a function', async () => {
    const session = await shop.startSession();
    const res = await shop.send(session.sessionToken, '这个的构造是什么');
    expect(res.status).toBe(201);
    expect(res.body.replies).toHaveLength(1);
    expect(JSON.stringify(res.body.replies)).not.toMatch(/function|native code|\[object/);
  });

  it('answers with the product’s own attribute instead of going silent', async () => {
    const session = await shop.startSession();
    const res = await shop.send(session.sessionToken, '云感面霜的构造是什么');
    expect(res.status).toBe(201);
    expect(res.body.replies.map((r: { text: string }) => r.text).join('')).toContain('三层结构');
  });
});

describe('insights count channels named like an Object.prototype member', () => {
  it('counts a question asked on the channel "constructor" as one, not as a function plus one', async () => {
    const api = await createTestApi();
    try {
      const shop = await api.createShop({ extraChannels: ['constructor'] });
      await api.call('POST', '/v1/kb/import', {
        token: shop.secretKey,
        body: {
          articles: [
            { id: 'a1', title: '发货', questions: ['什么时候发货'], answer: '下单后 48 小时内发货。' },
          ],
        },
      });
      await shop.channelMessage('constructor', { externalId: 'u-ctor' }, '量子纠缠和快递有什么关系');
      const res = await api.call('GET', '/v1/insights/unanswered', { token: shop.secretKey });
      expect(res.status).toBe(200);
      expect(res.body.clusters[0].channels).toEqual({ constructor: 1 });
    } finally {
      await api.close();
    }
  });
});
