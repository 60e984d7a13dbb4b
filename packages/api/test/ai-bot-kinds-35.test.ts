// bot-35 held-out set, written BEFORE the engine changes of stop 35: new wordings (en and zh) of the
// weak answers the lead saw in the demo — where cross-border goods ship from (海外直邮 / 保税仓),
// a new question naming a product and another attribute right after a pregnancy / nursing turn, and
// a bare "men too?" follow-up — plus near-misses that must keep the answer they have.
// Each positive states what a shop's service agent would answer from the store's data
// (/work/shared/demo-store), not what the engine says today. Before / after: docs/notes/bot-35.md.
import { describe, expect, test } from 'vitest';
import type { AnswerEngine, EngineResult } from '../src/knowledge/engine/answer-engine';
import { createAnswerEngine } from '../src/knowledge/engine/answer-engine';
import { createKnowledgeIndex } from '../src/knowledge/engine/knowledge-index';
import { converseWith, demoEngine } from './demo-engine';
import { demoKnowledge } from './demo-knowledge';

const engine = demoEngine();
/** One question, or a conversation: turns split by " || ". */
const sayTo = (e: AnswerEngine, script: string): EngineResult => converseWith(e, script.split(' || '));
const say = (script: string): EngineResult => sayTo(engine, script);
const PREG = 'kb-pregnancy-skincare';
const XB_SHIP = 'kb-crossborder-shipping';
const XB_TAX = 'kb-crossborder-tax-calc';
const MEN_OK = /men can use|男士也可以用|不分男女|don'?t divide by sex|没有按性别区分/i;

/** Another shop's cross-border good, known as such by its catalogue category only. */
function shopWithSnailCream(): AnswerEngine {
  const kb = demoKnowledge();
  return createAnswerEngine(
    createKnowledgeIndex({
      ...kb,
      products: [
        ...kb.products,
        {
          id: 'p-snail-cream',
          name: '韩国蜗牛修护霜',
          aliases: ['蜗牛霜'],
          category: 'crossborder',
          price: 158,
          attributes: {},
        },
      ],
    }),
  );
}

describe('where cross-border goods ship from: the cross-border shipping article', () => {
  test.each([
    '澳洲奶粉是从国外直接寄过来的吗',
    '三段奶粉从哪里发货',
    '奶粉是保税仓发的吗',
    '奶粉多少钱 || 是海外直邮吗',
    'does the toddler formula ship from abroad',
    'is the formula sent directly from overseas',
  ])('%s → the bonded-warehouse shipping article', (script) => {
    expect(say(script).articleId).toBe(XB_SHIP);
  });
  test("another shop's cross-border good (by its catalogue): 蜗牛霜是海外直邮的吗", () => {
    expect(sayTo(shopWithSnailCream(), '蜗牛霜是海外直邮的吗').articleId).toBe(XB_SHIP);
  });
  test('near-miss: the tax on goods from the bonded warehouse stays the tax', () => {
    expect(say('保税仓发货要交税吗').articleId).toBe(XB_TAX);
    expect(say('奶粉要交税吗').articleId).toBe(XB_TAX);
  });
  test('near-miss: where domestic goods are made stays their origin', () => {
    const answer = say('牛仔裤是哪里产的');
    expect(answer.attribute).toBe('origin');
    expect(answer.articleId).not.toBe(XB_SHIP);
  });
  test('near-miss: where domestic goods ship from is not the cross-border article', () => {
    expect(say('口红从哪里发货').articleId).not.toBe(XB_SHIP);
  });
});

describe('a new question naming a product and another attribute is not captured by a pregnancy turn', () => {
  test.each([
    'is it ok to use skincare when pregnant || is the sunscreen sweat proof',
    'im breastfeeding, what can i use || does the sunscreen come off in water',
    '哺乳期能用什么护肤品 || 防晒会不会掉妆',
    '我怀孕了 || 防晒防水吗',
  ])('%s → about the sunscreen, not the pregnancy article', (script) => {
    const answer = say(script);
    expect(answer.articleId).not.toBe(PREG);
    expect(answer.text).toMatch(/防晒|Sunscreen/i);
  });
  test.each([
    ['can nursing mothers use the mask || how much is the serum', /229/],
    ['怀孕了能用什么护肤品 || 面膜多少钱', /99/],
  ])('near-miss: %s → the price asked (unchanged)', (script, price) => {
    expect(say(script).text).toMatch(price);
  });
  test.each([
    'can pregnant women use the sunscreen || what about the serum',
    '孕妇能用面霜吗 || 那面膜呢',
    'is the cream safe in pregnancy || and while breastfeeding?',
  ])('near-miss: %s → still the pregnancy article (the same question of another product)', (script) => {
    expect(say(script).articleId).toBe(PREG);
  });
});

describe('a bare "men too?" follow-up is a question about the goods, never off-topic', () => {
  test.each([
    ['do you have skincare || men too?', /Cleanser|Cream|Sunscreen|Serum|Mask/],
    ['有护肤品吗 || 男生也可以吗', /洁面|面霜|防晒|精华|面膜/],
    ['what skincare do you sell || what about guys?', /Cleanser|Cream|Sunscreen|Serum|Mask/],
  ])('%s → the skincare men can use', (script, goods) => {
    const answer = say(script);
    expect(answer.action).not.toBe('decline');
    expect(answer.text).toMatch(MEN_OK);
    expect(answer.text).toMatch(goods);
  });
  test.each(['men too?', 'what about guys?', '男生也行吗'])(
    '%s (no product in the conversation) → the goods for men or which product, not a decline',
    (script) => {
      const answer = say(script);
      expect(answer.action).not.toBe('decline');
      expect(answer.text).not.toMatch(/only help with this shop|超出了我能帮忙的范围/);
    },
  );
  test('near-miss: a product in the conversation keeps its own men answer', () => {
    const answer = say('how much is the mask || guys too?');
    expect(answer.productId).toBe('p-cica-mask');
    expect(answer.text).toMatch(MEN_OK);
  });
  test('near-miss: "me too" is no men question', () => {
    expect(say('me too').text).not.toMatch(MEN_OK);
  });
  test('near-miss: watches for men are still not carried', () => {
    expect(say('do you sell watches for men').text).toMatch(/don'?t carry/i);
  });
});
