import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnswerEngine } from '../src/knowledge';
import { importKnowledge, seedDemoStore } from '../src/knowledge';
import { createCommentReader } from '../src/livestream';
import { createTestApi, type TestApi } from './harness';

/**
 * How livestream comments are read, with the demo store's knowledge: filler by general rules (no
 * word list — these sentences appear nowhere in the code or the simulated room), questions with
 * the shelf as context, escalations. Sentences are new ones, not the generator's.
 */
describe('reading livestream comments', () => {
  let api: TestApi;
  let engine: AnswerEngine;
  let appId: string;
  const reader = createCommentReader();
  const read = (text: string, shelfProductId: string | null = null) =>
    reader.read(engine, text, { channel: 'douyin_live', shelfProductId });

  beforeAll(async () => {
    api = await createTestApi({ liveTickMs: 0 });
    const shop = await api.createShop();
    appId = shop.appId;
    await seedDemoStore(api.deps, appId);
    engine = await api.app.livestream.engines.get(appId);
  });
  afterAll(async () => {
    api.app.livestream.close();
    await api.close();
  });

  it('counts comments that ask nothing as filler: emoji, numbers, chants, a lone character, a two-character shout', () => {
    for (const text of [
      '👏👏👏',
      '✨✨',
      '！！！',
      '2333',
      '9999',
      'hhhh',
      '+1',
      '刷1',
      '扣2',
      '冲鸭冲鸭',
      '来啦来啦来啦',
      '主播主播',
      '好耶',
      '哇',
      '妙啊',
    ]) {
      expect([text, read(text).kind]).toEqual([text, 'filler']);
    }
  });

  it('does not turn a short comment into filler when it asks or names what the shop knows', () => {
    expect(read('包邮不').kind).toBe('question');
    expect(read('几号发？').kind).toBe('question');
    expect(read('码数?').kind).toBe('question');
  });

  it('keeps a question that does not depend on the product one question whatever is on the shelf', () => {
    const keys = ['p-hyaluronic-cream', 'p-floral-dress', null].map(
      (shelf) => read('直播间的券怎么领', shelf).question?.key,
    );
    expect(new Set(keys).size).toBe(1);
  });

  it('groups the same question however it is dressed: an address to the host, particles, punctuation, emoji', () => {
    const keys = [
      '直播间的券怎么领',
      '主播，直播间的券怎么领呀？',
      '宝子们 直播间的券怎么领～🙏',
      '直播间的券怎么领??',
    ].map((text) => read(text).question?.key);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toContain('kb-live-coupon-claim');
    const question = read('直播间的券怎么领').question!;
    // The room answer is the livestream phrasing of the article.
    expect(question.answer).toBe(
      engine.index.articles.get('kb-live-coupon-claim')!.channelAnswers.douyin_live,
    );
  });

  it('reads "这个…" against the product on the shelf', () => {
    const cream = read('这个开封以后能放多久', 'p-hyaluronic-cream');
    expect(cream.kind).toBe('question');
    expect(cream.question?.productId).toBe('p-hyaluronic-cream');
    expect(cream.question?.answer).toContain('澜悦玻尿酸水润保湿面霜');
    const dress = read('163 100斤穿什么码', 'p-floral-dress');
    expect(dress.question?.productId).toBe('p-floral-dress');
    expect(dress.question?.intent).toBe('size_advice');
    // The issue's own example: the price of what is being shown.
    const price = read('这个多少钱', 'p-floral-dress');
    expect([price.kind, price.question?.productId]).toEqual(['question', 'p-floral-dress']);
    expect(price.question?.answer).toContain('259');
    expect(read('这件多少钱呀', 'p-hyaluronic-cream').question?.answer).toContain('189');
    // Another shelf, another question, even with the same words.
    expect(read('这个开封以后能放多久', 'p-daily-nuts').question?.key).not.toBe(cream.question?.key);
  });

  it('keeps questions the knowledge base cannot answer, by their words, with no answer to broadcast', () => {
    const height = read('主播身高多少呀');
    expect(height.kind).toBe('question');
    expect(height.question?.key.startsWith('?')).toBe(true);
    expect(height.question?.answer).toBeNull();
  });

  it('sends complaints, order problems and requests for a person to agents', () => {
    expect(read('客服态度太差了 我要投诉').escalation).toBe('complaint');
    expect(read('订单LY2024111100001怎么还没发货').escalation).toBe('order_problem');
    expect(read('麻烦帮我找人工客服').escalation).toBe('asks_for_human');
    for (const text of ['客服态度太差了 我要投诉', '订单LY2024111100001怎么还没发货']) {
      expect(read(text).kind).toBe('escalation');
    }
  });

  it('does not count remarks as questions', () => {
    for (const text of ['这条裙子颜色真显白', '主播今天的发型好看', '上周买的面霜已经用完了']) {
      expect([text, ['chat', 'filler'].includes(read(text).kind)]).toEqual([text, true]);
    }
  });

  it('answers repeats from its cache, and reads again once the knowledge changes', async () => {
    expect(read('直播间的券怎么领')).toBe(read('直播间的券怎么领'));
    expect(read('主播身高多少呀').question?.answer).toBeNull();
    await importKnowledge(api.deps, appId, {
      articles: [
        {
          id: 'kb-host-height',
          title: '主播身高',
          questions: ['主播身高多少', '主播多高', '主播穿什么码'],
          answer: '主播身高168cm，平时穿S码。',
        },
      ],
    });
    engine = await api.app.livestream.engines.get(appId);
    const after = read('主播身高多少呀');
    expect(after.question?.articleId).toBe('kb-host-height');
    expect(after.question?.answer).toBe('主播身高168cm，平时穿S码。');
  });
});
