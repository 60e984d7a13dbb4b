// A fresh reviewer's questions to the answer engine, in words neither the eval sets nor the
// product-facts tests use: where a confident wrong answer would hurt a shopper. Each `describe`
// is one kind of failure found in review, fixed as a kind; the guards beside each keep the
// answers that were right.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AnswerEngine,
  type ConversationMemory,
  createAnswerEngine,
  type EngineResult,
} from '../src/knowledge/engine/answer-engine';
import { createKnowledgeIndex } from '../src/knowledge/engine/knowledge-index';
import { demoKnowledge } from './demo-knowledge';

let engine: AnswerEngine;
beforeAll(() => {
  engine = createAnswerEngine(createKnowledgeIndex(demoKnowledge()));
});

const ask = (text: string, channel = 'web', memory: ConversationMemory = {}): EngineResult =>
  engine.answer({ text, channel, memory });

describe('an allergy is read from what the shopper is allergic to, never from a product name', () => {
  // The product's own name holds an allergen word (每日坚果 → nuts); the shopper names another.
  it.each([
    ['芝麻过敏的人 每日坚果可以吃不', 'p-daily-nuts', '芝麻'],
    ['孩子对蓝莓过敏，坚果礼盒能给他吃吗', 'p-daily-nuts', '蓝莓'],
    ['I have a sesame allergy, are the daily nuts ok for me', 'p-daily-nuts', 'sesame'],
  ])('"%s" answers about %s', (text, productId, allergen) => {
    const result = ask(text);
    expect(result.productId).toBe(productId);
    expect(result.articleId).not.toBe('kb-allergy-first-aid');
    expect(result.text).toContain(allergen);
    expect(result.text).not.toMatch(/含有坚果|contains nuts/);
    expect(result.text).toMatch(/不建议|don't recommend/);
  });

  it('an ingredient the allergen list does not know is still looked up on the label', () => {
    const result = ask('本人积雪草过敏 那个氨基酸洁面可以用么');
    expect(result).toMatchObject({ action: 'answer', productId: 'p-amino-cleanser' });
    expect(result.text).toContain('含有积雪草');
    expect(result.text).toContain('不建议');
  });

  it.each([
    ['我闺女对芒果过敏，小白盾防晒能擦吗', 'p-sunscreen-sensitive', '芒果'],
    ['对猫毛过敏的人 针织开衫穿着会不会难受', 'p-wool-cardigan', '猫毛'],
    ['im allergic to pollen, can i use the cica mask', 'p-cica-mask', 'pollen'],
  ])(
    '"%s": not on the label and not in our list → not stated, a person offered, no reassurance',
    (text, productId, word) => {
      const result = ask(text);
      expect(result).toMatchObject({ action: 'clarify', productId, lowConfidence: true });
      expect(result.text).toContain(word);
      expect(result.text).toMatch(/没有写明是否含|don't say whether/);
      expect(result.text).not.toMatch(/列出的.{0,6}里没有|is not among/);
      expect(result.quickReplies.join()).toMatch(/转人工|person/i);
    },
  );

  it.each([
    ['我对镍过敏，托特包的五金扣会不会有问题', '没有写明是否含'],
    ['metal allergy here - is the tote bag ok', "don't say whether"],
  ])('"%s": hardware of an unnamed alloy is no proof of "no nickel"', (text, says) => {
    const result = ask(text);
    expect(result).toMatchObject({ action: 'clarify', productId: 'p-leather-tote' });
    expect(result.text).toContain(says);
    expect(result.articleId).toBeNull();
  });

  it('"leather" named with a metal allergy: the material with its alloy, never "no nickel"', () => {
    const result = ask('metal allergy here - is the leather tote ok');
    expect(result.text).toContain('合金');
    expect(result.text).not.toMatch(/is not among|没有镍/);
  });

  it('a cross-contact note is reported as what it says, not as "contains"', () => {
    const result = ask('花生过敏 每日坚果能碰吗');
    expect(result.text).toContain('过敏提示提到了花生');
    expect(result.text).toContain('同一生产线');
  });

  it.each([
    ['allergic to latex — are the diapers safe for my baby', 'p-diapers', 'latex'],
    ['my daughter has a soy allergy, is the formula ok for her', 'p-au-formula', 'soy'],
  ])('"%s": an English question without "?" is still a suitability question', (text, productId, word) => {
    const result = ask(text);
    expect(result.productId).toBe(productId);
    expect(result.articleId).not.toBe('kb-allergy-first-aid');
    expect(result.text.toLowerCase()).toContain(word);
  });

  it('guards: an allergen the product holds, one it does not, and a reaction that happened', () => {
    expect(ask('宝宝小麦过敏，手撕牛肉可以吃吗').text).toContain('含有小麦');
    expect(ask('我对酒精过敏，小白盾可以涂吗').text).toMatch(/里没有酒精/);
    expect(ask('用了面膜过敏了 脸上起红疹 怎么办').articleId).toBe('kb-allergy-first-aid');
  });
});

describe('a service question that names goods is not answered "we don\'t carry it"', () => {
  it.each([
    ['帽子寄过来要几块运费', /没有帽子/],
    ['有没有买袜子能用的优惠券', /没有袜子/],
    ['any discount code for sunglasses?', /don't carry/],
    ['请问手机号换了在哪里改', /没有手机/],
    ['拿电脑能不能付款', /没有电脑/],
    ['can I pay from my phone', /don't carry/],
  ])('"%s"', (text, notCarried) => {
    const result = ask(text);
    expect(result.text).not.toMatch(notCarried);
  });

  it('guards: goods asked for outright are still "not carried", with or without a service word', () => {
    expect(ask('店里卖手套吗').text).toContain('没有手套');
    expect(ask('有卖墨镜的吗 包邮不').text).toContain('没有墨镜');
    expect(ask('do you sell phone cases?').text).toMatch(/don't carry/);
  });
});

describe('"yes, we have it" only for what was asked', () => {
  it.each([
    ['店里有没有卖钱包的', '钱包'],
    ['想要个双肩背包 有吗', '背包'],
    ['有没有短一点的半身裙', '半身裙'],
  ])('"%s": a neighbouring product is no "yes" for goods of another kind', (text, goods) => {
    const result = ask(text);
    expect(result.text).not.toMatch(/^有的/);
    expect(result.text).toContain(`没有${goods}`);
  });

  it.each([
    ['do you have the straight jeans in navy?', 'p-straight-jeans'],
    ['有没有奶白色的羊毛开衫呀', 'p-wool-cardigan'],
  ])('"%s": a colour the catalogue does not list is no "yes"', (text, productId) => {
    const result = ask(text);
    expect(result).toMatchObject({ action: 'clarify', productId, attribute: 'colours' });
    expect(result.text).not.toMatch(/^(?:有的|Yes)/);
  });

  it('guards: goods the shop has still get "yes"', () => {
    expect(ask('你们家卖毛衣吗').text).toMatch(/^有的/);
    expect(ask('有纸尿裤卖吗').text).toMatch(/^有的/);
    expect(ask('do you sell lipstick').text).toMatch(/^Yes/);
  });
});
