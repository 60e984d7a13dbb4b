import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './harness';

const example = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../seed/knowledge-example.json'), 'utf8'),
) as { articles: unknown[] };

describe('a new app’s bot (item 21): greetings out of the box, silence on the rest until knowledge is imported', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api?.close());

  it('before any import it greets back in the shopper’s language and stays silent on questions', async () => {
    const shop = await api.createShop();
    const { sessionToken } = await shop.startSession();
    for (const [text, expected] of [
      ['你好', /您好！/],
      ['在吗？', /您好！/],
      ['hello', /^Hello!/],
      // "Hi there" is a greeting too (the greeting filler reads "there", "is anyone there").
      ['Hi there', /^Hello!/],
      ['is this coat waterproof', null],
    ] as const) {
      const sent = await shop.send(sessionToken, text);
      expect(sent.status).toBe(201);
      if (expected) {
        expect(sent.body.replies).toHaveLength(1);
        expect(sent.body.replies[0].text).toMatch(expected);
        expect(sent.body.replies[0].meta).toMatchObject({ source: 'fallback', builtIn: 'greeting' });
      } else expect(sent.body.replies).toEqual([]);
    }
    const question = await shop.send(sessionToken, '这件外套防水吗');
    expect(question.body.replies).toEqual([]);
    expect(question.body.conversation.status).toBe('bot');
  });

  it('after importing knowledge without a greeting intent it still answers “你好” rather than declining, and answers from the knowledge', async () => {
    const shop = await api.createShop();
    const imported = await api.call('POST', '/v1/kb/import', { token: shop.secretKey, body: example });
    expect(imported.status).toBe(200);
    const { sessionToken } = await shop.startSession();
    const hello = await shop.send(sessionToken, '你好');
    expect(hello.body.replies.map((r: { text: string }) => r.text)).toEqual([
      '您好！我是这家店的智能客服，商品、订单、物流、售后的问题都可以问我。',
    ]);
    const shipping = await shop.send(sessionToken, '几天能到');
    expect(shipping.body.replies[0].text).toContain('16:00 前付款当天发货');
    // A greeting is not a question the bot failed: nothing lands in the unanswered insights.
    const unanswered = await api.call('GET', '/v1/insights/unanswered', { token: shop.secretKey });
    expect(JSON.stringify(unanswered.body)).not.toContain('你好');
  });
});
