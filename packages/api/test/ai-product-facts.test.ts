// Product-fact questions in words the eval sets and the examples of the bug report do not use:
// where a product is made, whether an allergy rules it out (suitability, not a reaction), colours
// the catalogue does not list, "for men?", goods the shop does not carry named in any question,
// a clear question no fact answers, how a parcel is left — and template sentences in English for
// English questions. Several products, channels, both languages; none of these is in the dev set.
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

/** Asks `first`, then `text` in the same conversation (the product carried over). */
const followUp = (first: string, text: string, channel = 'app'): EngineResult =>
  ask(text, channel, ask(first, channel).memory);

const HAN = /\p{Script=Han}/u;

describe('where a product is made: from its origin', () => {
  it.each([
    ['这罐奶粉原产地是哪', 'app', 'p-au-formula', '澳大利亚'],
    ['坚果是哪国生产的', 'miniprogram', 'p-daily-nuts', '浙江杭州'],
    ['托特包产自哪里', 'phone', 'p-leather-tote', '广州花都'],
    ['奶粉是哪個國家產的', 'web', 'p-au-formula', '澳大利亞'],
    ['which country is the formula from?', 'web', 'p-au-formula', '澳大利亚'],
  ])('"%s" (%s)', (text, channel, productId, place) => {
    const result = ask(text, channel);
    expect(result).toMatchObject({ action: 'answer', productId, attribute: 'origin', articleId: null });
    expect(result.text).toContain(place);
  });

  it('the English frame is English', () => {
    expect(ask('which country is the formula from?').text).toMatch(/, origin: /);
  });
});

describe('an allergy asked as suitability is answered from the label, never with first aid', () => {
  it.each([
    ['本人羊毛不耐受，这个针织开衫穿着会不会有问题', 'app', 'p-wool-cardigan', '羊毛'],
    ['孩子对乳制品过敏，三段奶粉能喝吗', 'miniprogram', 'p-au-formula', '乳制品'],
    ['对大豆过敏能吃牛肉干吗', 'wechat_oa', 'p-beef-jerky', '大豆'],
  ])('"%s" (%s): contains it, not advised', (text, channel, productId, allergen) => {
    const result = ask(text, channel);
    expect(result.articleId).not.toBe('kb-allergy-first-aid');
    expect(result).toMatchObject({ action: 'answer', productId });
    expect(result.text).toContain(`含有${allergen}`);
    expect(result.text).toContain('不建议');
    expect(result.text).not.toMatch(/停用|就医/);
  });

  it.each([
    ['I am allergic to wool, is the knit cardigan safe for me?', 'p-wool-cardigan', 'contains wool'],
    ["my kid can't have oats because of an allergy, is the baby wash ok?", 'p-baby-wash', 'contains oats'],
  ])('"%s": in English', (text, productId, says) => {
    const result = ask(text);
    expect(result).toMatchObject({ action: 'answer', productId, language: 'en' });
    expect(result.text).toContain(says);
  });

  it('a product whose label lacks the allergen says so, with its allergy notes and a person offered', () => {
    const result = ask('我酒精过敏，物理防晒可以用吗', 'app');
    expect(result).toMatchObject({ action: 'answer', productId: 'p-sunscreen-sensitive' });
    expect(result.text).toContain('没有酒精');
    expect(result.text).toContain('无酒精');
    expect(result.text).not.toContain('不建议');
    expect(result.quickReplies).toContain('转人工');
  });

  it('a reaction that happened still gets the first-aid article', () => {
    for (const text of [
      '穿了开衫以后脖子起了一片红疹，是不是羊毛过敏了',
      '对酒精过敏，擦了清透防晒脸发烫怎么办',
    ]) {
      const result = ask(text, 'app');
      expect({ text, intent: result.intent }).toEqual({ text, intent: 'allergy_reaction' });
    }
  });
});

describe('goods the shop does not carry, in any question about them', () => {
  it.each([
    ['你们家的风衣有卡其色吗', 'web', '风衣'],
    ['有没有纯棉的T恤', 'app', 'T恤'],
    ['我对羊绒过敏，有没有别的料子的帽子', 'miniprogram', '帽子'],
    ['那双短靴有没有38码', 'douyin_live', '短靴'],
  ])('"%s" (%s) → not carried', (text, channel, item) => {
    const result = ask(text, channel);
    expect(result).toMatchObject({
      action: 'answer',
      intent: 'product_info',
      productId: null,
      articleId: null,
    });
    expect(result.text).toContain(`没有${item}`);
  });

  it('in English', () => {
    const result = ask('do you have any scarves in grey');
    expect(result).toMatchObject({ action: 'answer', intent: 'product_info', productId: null });
    expect(result.text).toContain("don't carry scarves");
  });

  it('goods a product holds are a question about that product ("能装下手机吗" about the tote)', () => {
    const result = followUp('托特包多少钱', '能装下手机吗');
    expect(result.text).not.toContain('暂时没有');
  });
});

describe('colours the catalogue does not list: said so, what is listed, a person offered', () => {
  it.each([
    ['直筒裤出不出白色', 'web', 'p-straight-jeans', '颜色'],
    ['小白瓶有没有别的颜色的包装', 'miniprogram', 'p-niacinamide-serum', '颜色'],
    ['雾面口红有没有偏橘色的', 'app', 'p-velvet-lipstick', '色号'],
  ])('"%s" (%s)', (text, channel, productId, detail) => {
    const result = ask(text, channel);
    expect(result).toMatchObject({ action: 'clarify', productId, intent: null, articleId: null });
    expect(result.text).toContain(`${detail}商品资料里没有写明`);
    expect(result.text).toContain('目前写明的有');
    expect(result.quickReplies[0]).toBe('转人工');
  });

  it('a long listed fact is cut after a whole item, never inside a name or a bracket', () => {
    const result = ask('口红有没有玫瑰色的');
    expect(result.text).toContain('成分：聚二甲基硅氧烷、二氧化硅、合成蜡、生育酚（维生素E）、云母等；');
    expect(result.text).not.toContain('…');
  });

  it('asked in English, answered in English', () => {
    const result = ask('is the lipstick available in a nude shade');
    expect(result).toMatchObject({ action: 'clarify', productId: 'p-velvet-lipstick' });
    expect(result.text).toContain("don't list its shades");
    expect(result.quickReplies[0]).toBe('Talk to a person');
  });

  it('about the product in the conversation', () => {
    const result = followUp('看中了碎花连衣裙', '这款还有别的配色吗');
    expect(result).toMatchObject({ action: 'clarify', productId: 'p-floral-dress' });
    expect(result.text).toContain('没有写明');
  });
});

describe('"for men?" is answered from the skin types', () => {
  it.each([
    ['老公皮肤很油，小白瓶他能用吗', 'app', 'p-niacinamide-serum', '油性'],
    ['男士用玻尿酸面霜可以吗', 'wechat_oa', 'p-hyaluronic-cream', '干性'],
  ])('"%s" (%s)', (text, channel, productId, skin) => {
    const result = ask(text, channel);
    expect(result).toMatchObject({ action: 'answer', productId, attribute: 'suitableSkin' });
    expect(result.text).toContain('男士也可以用');
    expect(result.text).toContain(skin);
  });

  it('in English', () => {
    const result = ask('can guys use the hyaluronic cream');
    expect(result).toMatchObject({ action: 'answer', productId: 'p-hyaluronic-cream', language: 'en' });
    expect(result.text).toContain('men can use it too');
  });

  it('clothes: whether the cut is unisex is not listed', () => {
    const result = ask('男生穿这条碎花裙合适吗', 'app');
    expect(result).toMatchObject({ action: 'clarify', productId: 'p-floral-dress' });
    expect(result.text).toContain('是否男女同款');
  });
});

describe('a clear question no fact answers: what is known, not "which aspect?"', () => {
  it.each([
    ['气垫会不会氧化发暗', 'app', 'p-cushion-foundation'],
    ['牛肉干嚼起来硬不硬呀', 'miniprogram', 'p-beef-jerky'],
  ])('"%s" (%s)', (text, channel, productId) => {
    const result = ask(text, channel);
    expect(result).toMatchObject({ action: 'clarify', productId, articleId: null });
    expect(result.text).toContain('商品资料里没有写明');
    expect(result.text).not.toContain('哪方面');
    expect(result.quickReplies).toContain('转人工');
  });

  it('a detail one of its facts holds is answered from that fact ("肩带" in the size chart)', () => {
    const result = ask('托特包附赠肩带吗', 'miniprogram');
    expect(result).toMatchObject({ action: 'answer', productId: 'p-leather-tote', attribute: 'sizeChart' });
    expect(result.text).toContain('肩带长58cm');
  });

  it('a general article sharing nothing with the question is not given ("带不带拉链" is no shipping matter)', () => {
    const result = ask('托特包带不带拉链', 'web');
    expect(result.articleId).toBeNull();
    expect(result).toMatchObject({ action: 'clarify', productId: 'p-leather-tote' });
    expect(result.text).toContain('商品资料里没有写明');
  });

  it('a vague ask keeps "which aspect?"', () => {
    expect(ask('口红怎么样').text).toContain('哪方面');
  });
});

describe('how a parcel is left: a person, not the "signed but not received" article', () => {
  it.each([
    ['包裹能不能帮我寄存到小区快递柜', 'app'],
    ['快递员可以送到我家门口吗', 'wechat_oa'],
    ['can the courier leave it at my door', 'web'],
  ])('"%s" (%s)', (text, channel) => {
    const result = ask(text, channel);
    expect(result.articleId).not.toBe('kb-signed-not-received');
    expect(result).toMatchObject({ action: 'clarify', articleId: null });
    expect(result.quickReplies.length).toBeGreaterThan(0);
    if (result.language === 'en') expect(result.text).not.toMatch(HAN);
  });

  it('a parcel said to be at a locker but not found is still a logistics matter, with its article', () => {
    const result = ask('物流说放快递柜了，我去了没找到', 'app');
    expect(result).toMatchObject({ action: 'answer', intent: 'logistics_query' });
    expect(result.text).not.toContain('不能替快递承诺');
  });
});

describe("English questions: the bot's own sentences in English", () => {
  it('a Chinese-only article gets an English line first', () => {
    const result = ask('what payment methods do you take');
    expect(result.articleId).toBe('kb-payment-methods');
    expect(result.text.split('\n')[0]).not.toMatch(HAN);
    expect(result.text.split('\n')[0]).toContain('in Chinese');
  });

  it('a Chinese question gets no English line', () => {
    expect(ask('支持哪些付款方式').text).not.toMatch(/[a-z]{4,}/i);
  });
});
