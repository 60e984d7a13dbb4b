// bot-34 held-out set, written BEFORE the engine changes of stop 34: new wordings of the kinds behind
// review-s's last ten breaks and the demo's weak men/sunscreen follow-up (not review-s's strings),
// two rules asked of another shop's data (goods cross-border by its catalogue, goods excluded from
// plain returns by its articles), and near-misses that must keep the answer they have.
// Each positive states what a shop's service agent would answer from the store's data, not what the
// engine says today. Before any engine change (main a817a0a): see docs/notes/bot-34.md.
import { describe, expect, test } from 'vitest';
import type { EngineResult } from '../src/knowledge/engine/answer-engine';
import { createAnswerEngine } from '../src/knowledge/engine/answer-engine';
import type { KnowledgeBase } from '../src/knowledge/engine/knowledge-base';
import { createKnowledgeIndex } from '../src/knowledge/engine/knowledge-index';
import { converseWith, demoEngine } from './demo-engine';
import { demoKnowledge } from './demo-knowledge';

const engine = demoEngine();
/** One question, or a conversation: turns split by " || ". */
const say = (script: string): EngineResult => converseWith(engine, script.split(' || '));
const HOURS = 'kb-service-hours';
const PREG = 'kb-pregnancy-skincare';

describe('goods for men asked in English by a kind or category word', () => {
  test.each([
    ['skin care products for men?', /Cleanser|Cream|Sunscreen|Serum|Mask/i],
    ['any skincare for men', /Cleanser|Cream|Sunscreen|Serum|Mask/i],
    ['do you carry skincare for male customers', /Cleanser|Cream|Sunscreen|Serum|Mask/i],
  ])('%s → the skincare that suits men, not "we don\'t carry"', (script, re) => {
    const text = say(script).text;
    expect(text).not.toMatch(/don'?t carry/i);
    expect(text).toMatch(re);
  });
  test('near-miss: a razor for men is still not carried', () => {
    expect(say('do you have a razor for men').text).toMatch(/don'?t carry/i);
  });
  test('near-miss: a face cream for men stays the cream, men can use it', () => {
    const answer = say('got any face cream for men?');
    expect(answer.productId).toBe('p-hyaluronic-cream');
    expect(answer.text).toMatch(/men can use/i);
  });
});

describe('pinyin read as the Chinese it spells', () => {
  test('you mei you mian mo → the mask, not an exchange article', () => {
    const answer = say('you mei you mian mo');
    expect(answer.text).toMatch(/面膜/);
    expect(answer.articleId ?? '').not.toMatch(/exchange/);
  });
  test('kefu dianhua duoshao → the service hours', () => {
    expect(say('kefu dianhua duoshao').articleId).toBe(HOURS);
  });
  test('niuzaiku you da ma ma → the jeans sizes (largest 31), not the exchange article', () => {
    const answer = say('niuzaiku you da ma ma');
    expect(answer.articleId ?? '').not.toBe('kb-exchange-size');
    expect(answer.text).toMatch(/31/);
  });
  test('kaishan you da ma ma → the cardigan sizes (largest L)', () => {
    const answer = say('kaishan you da ma ma');
    expect(answer.articleId ?? '').not.toBe('kb-exchange-size');
    expect(answer.text).toMatch(/\bL\b/);
  });
  test('near-miss: fangshai duoshao qian keeps both prices', () => {
    expect(say('fangshai duoshao qian').text).toMatch(/139[\s\S]*159|159[\s\S]*139/);
  });
  test('near-miss: kuaidi diu le keeps the lost-parcel reading', () => {
    expect(say('kuaidi diu le').articleId).toMatch(/stalled|damaged|signed/);
  });
});

describe('an English descriptive name asked for a pregnant or nursing shopper', () => {
  test.each([
    ['hydrating face cream for pregnant women', 'p-hyaluronic-cream'],
    ['oil control sunscreen for breastfeeding moms', 'p-sunscreen-light'],
    ['mineral sunscreen for pregnant ladies', 'p-sunscreen-sensitive'],
  ])('%s → the pregnancy answer', (script, productId) => {
    const answer = say(script);
    expect(answer.articleId).toBe(PREG);
    expect([productId, null]).toContain(answer.productId);
  });
  test('near-miss: brightening serum ingredients stays the ingredients', () => {
    const answer = say('brightening serum ingredients');
    expect(answer.attribute).toBe('ingredients');
    expect(answer.productId).toBe('p-niacinamide-serum');
  });
});

describe('goods asked by a use or quality word the product data bears, or for a baby', () => {
  test('有啥保湿的 → the moisturising cream', () => {
    expect(say('有啥保湿的').text).toMatch(/玻尿酸/);
  });
  test('有什么舒缓的面膜 → the cica mask (舒缓 in its name), not "not stated"', () => {
    const text = say('有什么舒缓的面膜').text;
    expect(text).toMatch(/积雪草/);
    expect(text).not.toMatch(/没有写明/);
  });
  test('有没有清透的防晒 → the light sunscreen (清透 in its name)', () => {
    const text = say('有没有清透的防晒').text;
    expect(text).toMatch(/清透控油防晒乳/);
    expect(text).not.toMatch(/没有写明|孕期/);
  });
  test.each([['宝宝能用啥'], ['小孩可以用什么']])('%s → the baby goods', (script) => {
    expect(say(script).text).toMatch(/沐浴露|纸尿裤/);
  });
  test('what can my baby use → the baby goods', () => {
    expect(say('what can my baby use').text).toMatch(/wash|diaper|沐浴露|纸尿裤/i);
  });
  test('near-miss: 有没有美白的面霜 → the cream does not state it', () => {
    expect(say('有没有美白的面霜').text).toMatch(/没有写明美白/);
  });
  test('near-miss: 有控油的面霜吗 → never "有的"', () => {
    expect(say('有控油的面霜吗').text).not.toMatch(/^有的/);
  });
});

describe('stock asked as 现货 / 还有N的吗', () => {
  test('纸尿裤有现货吗 → the diapers in stock, not the return policy', () => {
    const answer = say('纸尿裤有现货吗');
    expect(answer.productId).toBe('p-diapers');
    expect(answer.articleId ?? '').not.toMatch(/return/);
  });
  test('面膜有现货吗 → the mask, not a return article', () => {
    const answer = say('面膜有现货吗');
    expect(answer.productId).toBe('p-cica-mask');
    expect(answer.articleId ?? '').not.toMatch(/return/);
  });
  test('牛仔裤还有27的吗 → size 27 in stock', () => {
    const answer = say('牛仔裤还有27的吗');
    expect(answer.productId).toBe('p-straight-jeans');
    expect(answer.text).toMatch(/27/);
    expect(answer.action).toBe('answer');
  });
  test('纸尿裤还有XL的吗 → size XL', () => {
    const answer = say('纸尿裤还有XL的吗');
    expect(answer.productId).toBe('p-diapers');
    expect(answer.text).toMatch(/XL/);
  });
  test.each([
    ['碎花裙还有M的吗', /M 码有货/],
    ['牛仔裤还有25的吗', /缺货/],
    ['澳洲奶粉现在有货吗', /奶粉/],
  ])('near-miss: %s keeps its stock answer', (script, re) => {
    expect(say(script).text).toMatch(re);
  });
});

describe('whether men can use a kind, asked as a follow-up after other questions', () => {
  test.each([
    ['where is my parcel || how much is the serum || and can men use the sunscreen?', /\bmen\b/i],
    ['what payment methods do you take || and can guys use the mask', /\bmen\b/i],
    ['怎么开发票 || 面霜多少钱 || 那男生能用防晒吗', /男/],
  ])('%s → whether it suits men, from the product data', (script, re) => {
    const answer = say(script);
    expect(answer.articleId ?? '').not.toMatch(/sunscreen-choose|pregnancy/);
    expect(answer.attribute).toBe('suitableSkin');
    expect(answer.text).toMatch(re);
  });
  test('near-miss: 怀孕能用防晒吗 stays the pregnancy answer', () => {
    expect(say('怀孕能用防晒吗').articleId).toBe(PREG);
  });
});

/** The demo store with another shop's goods and articles added. */
function shopWith(extra: Partial<KnowledgeBase>): ReturnType<typeof createAnswerEngine> {
  const kb = demoKnowledge();
  return createAnswerEngine(
    createKnowledgeIndex({
      ...kb,
      products: [...kb.products, ...(extra.products ?? [])],
      articles: [...kb.articles, ...(extra.articles ?? [])],
    }),
  );
}

describe('cross-border goods known by the catalogue, not by words', () => {
  const other = shopWith({
    products: [
      {
        id: 'p-snail-cream',
        name: '韩国蜗牛修护霜',
        aliases: ['蜗牛霜'],
        category: 'crossborder',
        price: 158,
        attributes: { origin: '韩国（保税仓发货）' },
      },
    ],
  });
  const ask = (t: string) => converseWith(other, [t]);
  test.each([['蜗牛霜多久能到'], ['蜗牛霜下单后几天到货'], ['韩国蜗牛修护霜几天能到']])(
    '%s → the cross-border shipping times',
    (t) => {
      expect(ask(t).articleId).toBe('kb-crossborder-shipping');
    },
  );
  test('near-miss: 纸尿裤多久能到 stays domestic delivery', () => {
    expect(ask('纸尿裤多久能到').articleId).not.toBe('kb-crossborder-shipping');
  });
});

describe('goods excluded from plain returns known by the articles, not by words', () => {
  const other = shopWith({
    articles: [
      {
        id: 'kb-engraved',
        title: '刻字定制商品说明',
        questions: ['刻字的商品是什么', '刻字要多久'],
        answer: '刻字定制的商品为专属制作，不支持7天无理由退货，质量问题除外。',
        intent: null,
        channelAnswers: {},
        productIds: [],
      },
    ],
  });
  const ask = (t: string) => converseWith(other, [t]);
  test.each([['刻字的东西能退吗'], ['刻字的能不能退']])('%s → the engraved goods article', (t) => {
    expect(ask(t).articleId).toBe('kb-engraved');
  });
  test('near-miss: 买的东西能退吗 stays the 7-day rule', () => {
    expect(ask('买的东西能退吗').articleId).toBe('kb-return-policy');
  });
  test('near-miss: 临期的东西能退吗 stays the near-expiry article in the demo store', () => {
    expect(say('临期的东西能退吗').articleId).toBe('kb-near-expiry-deals');
  });
  test('near-miss: 奶粉能退吗 stays the cross-border return', () => {
    expect(say('奶粉能退吗').articleId).toBe('kb-crossborder-return');
  });
});
