// bot-e: confident wrong answers to shoppers' questions in new words, fixed as kinds —
// recommendations by skin type/concern/budget, catalogue values in the reply's language, routing
// (service hours, stuck unshipped orders, delivery to places the notes don't cover, how-to vs
// troubleshooting, warranty on goods not carried) and yes/no facts from a product's own labels.
// None of these sentences is the lead's or an eval question; guards keep the answers that were right.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnswerEngine, ConversationMemory, EngineResult } from '../src/knowledge/engine/answer-engine';
import { englishValue } from '../src/knowledge/engine/value-glossary';
import { askOnce, demoEngine } from './demo-engine';

let engine: AnswerEngine;
beforeAll(() => {
  engine = demoEngine();
});

const ask = (text: string, channel = 'web', memory: ConversationMemory = {}): EngineResult =>
  askOnce(engine, text, channel, memory);

const CREAM = '澜悦玻尿酸水润保湿面霜';
const SERUM = '澜悦5%烟酰胺亮肤精华液';
const CLEANSER = '澜悦氨基酸温和洁面乳';
const LIGHT = '澜悦清透控油防晒乳';
const PHYSICAL = '澜悦敏感肌修护物理防晒霜';
/** English answers name a product by its English catalogue name (widget-en), Chinese ones by its own. */
const ENGLISH_NAMES: Record<string, string> = {
  [CREAM]: 'Hyaluronic Moisturizing Cream',
  [SERUM]: '5% Niacinamide Brightening Serum',
  [CLEANSER]: 'Gentle Amino Acid Cleanser',
  [LIGHT]: 'Light Oil-Control Sunscreen SPF50+',
  [PHYSICAL]: 'Sensitive-Skin Mineral Sunscreen SPF30',
};
const named = (question: string, name: string) =>
  /\p{Script=Han}/u.test(question) ? name : (ENGLISH_NAMES[name] ?? name);
const NAMES = [
  CREAM,
  SERUM,
  CLEANSER,
  LIGHT,
  PHYSICAL,
  '澜悦积雪草舒缓修护面膜（10片装）',
  '澜悦轻透持妆气垫粉底',
];
/** The reply with product names taken out: what is left must have no Chinese in an English reply. */
const withoutNames = (text: string) =>
  NAMES.reduce((t, n) => t.split(n).join(''), text).replace(/SPF\S*|PA\+*/g, '');
const HAN = /\p{Script=Han}/u;

describe('a recommendation by skin type, concern and budget is answered from the catalogue, with why', () => {
  it.each([
    ['what would you recommend for sensitive skin', PHYSICAL, /sensitive/],
    ['which products work for oily skin', LIGHT, /oily/],
    ["what's good for hydration", CREAM, /hydrat|moistur/],
  ])('"%s"', (text, product, why) => {
    const result = ask(text);
    expect(result).toMatchObject({ action: 'answer', intent: 'skin_recommendation' });
    expect(result.text).toContain(named(text, product));
    expect(result.text).toMatch(why);
    expect(HAN.test(withoutNames(result.text))).toBe(false);
  });

  it('a concern asked beside a kind ("which serum … brightening") names the product and why it fits', () => {
    const result = ask('which serum is good for brightening');
    expect(result).toMatchObject({ action: 'answer', productId: 'p-niacinamide-serum' });
    expect(result.text).toMatch(/brightening/);
    expect(result.text).toMatch(/niacinamide/);
    expect(result.text).not.toMatch(/what would you like to know/);
  });

  it.each([
    ['something for oily skin under 100 yuan please', [CLEANSER], [SERUM, LIGHT]],
    ['do you have anything for sensitive skin under 100 yuan', [CLEANSER], [PHYSICAL, LIGHT]],
    ['敏感肌推荐什么 预算150以内', [CLEANSER], [PHYSICAL]],
  ])('"%s": a price limit filters the suggestion', (text, within, over) => {
    const result = ask(text);
    expect(result.action).toBe('answer');
    const shown = result.text.split(/Over your budget|超出预算/)[0]!;
    for (const name of within) expect(shown).toContain(named(text, name));
    for (const name of over) expect(shown).not.toContain(named(text, name));
  });

  it('nothing within the budget: says so and names the cheapest match as over it', () => {
    const result = ask('any serum for oily skin under 50 yuan');
    expect(result.text).toMatch(/Nothing listed/);
    expect(result.text).toContain(named('any serum', SERUM));
    expect(result.text).toContain('¥229');
  });

  it('products for babies are not suggested for an adult skin type', () => {
    const text = ask('anything for sensitive skin?').text;
    expect(text).not.toContain('婴儿洗发沐浴露');
    expect(text).not.toMatch(/Baby 2-in-1/);
  });

  it("guards: Chinese recommendations without a budget keep the merchant's articles; one product asked about keeps its own answer", () => {
    expect(ask('油皮夏天用什么护肤品好').articleId).toBe('kb-routine-oily-skin');
    const one = ask('is the niacinamide serum ok for dry skin');
    expect(one.productId).toBe('p-niacinamide-serum');
    expect(one.text).toMatch(/not for dry skin/);
  });
});

describe("catalogue values are said in the reply's language", () => {
  it.each([
    ['is the niacinamide serum ok for dry skin', 'p-niacinamide-serum', /oily, combination, normal/],
    ['is the cushion foundation good for dry skin', 'p-cushion-foundation', /oily, combination, normal/],
    ['does the cica mask suit oily skin', 'p-cica-mask', /sensitive, dry, normal, combination, oily/],
  ])('"%s"', (text, productId, values) => {
    const result = ask(text);
    expect(result.productId).toBe(productId);
    expect(result.text).toMatch(values);
    expect(HAN.test(withoutNames(result.text))).toBe(false);
  });

  it("a value with free text in it stays the merchant's words, never half translated", () => {
    expect(englishValue('澳大利亚（国内保税仓发货）')).toBeNull();
    expect(englishValue('中国·浙江桐乡')).toBe('China, Zhejiang Tongxiang');
    expect(englishValue('50%羊毛，30%粘胶纤维，20%锦纶')).toBe('50% wool, 30% viscose, 20% nylon');
  });

  it('guards: a Chinese reply keeps the Chinese values', () => {
    expect(ask('油皮能用玻尿酸面霜吗').text).toContain('干性、中性、混合性');
  });
});

describe('intent routing: what is asked, not the nearest words', () => {
  it.each(['when are your customer service hours', 'what hours is live chat staffed'])(
    '"%s": asking about service hours is not asking for a person',
    (text) => {
      const result = ask(text);
      expect(result).toMatchObject({ action: 'answer', articleId: 'kb-service-hours' });
    },
  );

  it('an order stuck unshipped is about shipping, not a failed payment', () => {
    const result = ask('我的订单三天了还是待发货');
    expect(result.intent).not.toBe('payment_issue');
    expect(result.articleId).not.toBe('kb-payment-failed');
    expect(['shipping_time', 'logistics_query']).toContain(result.intent);
  });

  it.each(['do you deliver to Macau', '可以发货到国外吗'])(
    '"%s": a place no delivery article names gets no domestic article, and a person is offered',
    (text) => {
      const result = ask(text);
      expect(result.action).toBe('clarify');
      expect(result.articleId).toBeNull();
      expect(result.quickReplies.join()).toMatch(/person|转人工/);
    },
  );

  it('guards: a domestic place keeps the delivery articles', () => {
    expect(ask('寄到成都要几天').articleId).toBe('kb-delivery-eta');
  });

  it('"how do I redeem a coupon" is no troubleshooting article; "my coupon doesn\'t work" still is', () => {
    const how = ask('how do I redeem a coupon');
    expect(how.articleId).not.toBe('kb-coupon-not-working');
    expect(how.intent).toBe('coupon_usage');
    expect(ask('优惠券为什么用不了').articleId).toBe('kb-coupon-not-working');
  });

  it('warranty on goods the shop does not carry: "we don\'t carry", not a size exchange', () => {
    const result = ask("what's the warranty on the headphones");
    expect(result.intent).not.toBe('exchange_size');
    expect(result.text).toMatch(/don't carry/);
  });
});

describe("yes or no from the product's own labels", () => {
  it('the stage and age range in the title answer an age question', () => {
    const result = ask('奶粉适合几个月的宝宝');
    expect(result).toMatchObject({ action: 'answer', productId: 'p-au-formula' });
    expect(result.text).toContain('12-36个月');
    expect(result.intent).not.toBe('allergy_reaction');
  });

  it('an age outside the range is a no', () => {
    const result = ask('三段奶粉8个月的宝宝能喝吗');
    expect(result.text).toContain('不在这个范围内');
  });

  it('a taste the ingredients show is a yes, and the degree is not claimed', () => {
    const result = ask('牛肉干甜不甜');
    expect(result.productId).toBe('p-beef-jerky');
    expect(result.text).toContain('白砂糖');
    expect(result.text).toMatch(/是有甜味的/);
  });

  it('a use the name states is a yes', () => {
    const result = ask('宝宝沐浴露能当洗发水用吗');
    expect(result).toMatchObject({ action: 'answer', productId: 'p-baby-wash' });
    expect(result.text).toMatch(/^可以的/);
  });

  it('guards: a use the name does not state is not claimed', () => {
    const result = ask('物理防晒需要卸妆吗');
    expect(result.articleId).toBe('kb-sunscreen-sensitive-usage');
  });
});
