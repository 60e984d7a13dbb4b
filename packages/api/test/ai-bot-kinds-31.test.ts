// bot-31: a held-out set of new wordings for five kinds found asking the demo in new words at stop 30,
// written before the engine was changed (docs/notes/bot-31.md lists what failed before):
// - an English shopper asking where their order is or why it has not come ("where's my order", "my
//   order hasn't arrived", "when will my order get here") gets the tracking article, unless the
//   message says the parcel shows delivered, is stuck, lost or damaged (their own articles answer),
//   or that it has not been sent yet (dispatch times);
// - a gift (赠品, free gift) missing from a parcel is an item missing from the order: the article on
//   goods damaged, short or wrong — not the signed-but-not-received one; a gift asked about a return
//   keeps the return rule;
// - a use asked as an effect or function of a named product ("这个面霜有防晒效果吗") is a use
//   question about that product (not stated → said so), never the product the use word names;
// - how long makeup stays on said in Chinese ("口红能保持多久") is its wear (not stated), not delivery
//   or shelf life; its shelf life and its dispatch keep their answers;
// - a discount for buying several ("买两件能便宜吗", "is there a discount if I buy two") is the shop's
//   promotions: the article on how discounts and coupons combine (满减 with coupons).
import { describe, expect, test } from 'vitest';
import { createKnowledgeIndex } from '../src/knowledge/engine/knowledge-index';
import { askOnce, demoEngine } from './demo-engine';
import { demoKnowledge } from './demo-knowledge';

const engine = demoEngine();

describe('an English shopper asking where the order is', () => {
  test.each([
    ["where's my order"],
    ['wheres my package'],
    ["my order hasn't arrived"],
    ['my order has not arrived yet'],
    ["my package still hasn't come"],
    ['when will my order get here'],
    ['when is my package going to arrive'],
    ['when will I get my parcel'],
    ["I haven't received my order yet"],
    ['still waiting for my order'],
    ["what's the status of my order"],
  ])('%s → the tracking article', (text) => {
    expect(askOnce(engine, text).articleId).toBe('kb-track-order');
  });
  test.each([
    ['my order arrived damaged', 'kb-damaged-or-missing'],
    ['my order says delivered but I never got it', 'kb-signed-not-received'],
    ['when will my order ship', 'kb-shipping-time'],
    ["my order hasn't shipped yet", 'kb-shipping-time'],
    ['how long does delivery take', 'kb-delivery-eta'],
    ['I want to change the address on my order', 'kb-address-change'],
  ])('%s → %s (its own matter)', (text, article) => {
    expect(askOnce(engine, text).articleId).toBe(article);
  });
  test.each([["my package hasn't moved in days"], ['my parcel is lost']])(
    '%s → not the tracking article (the parcel’s trouble is said)',
    (text) => {
      expect(askOnce(engine, text).articleId).not.toBe('kb-track-order');
    },
  );
});

describe('a gift missing from the parcel is an item missing from the order', () => {
  test.each([
    ['赠品没收到'],
    ['送的赠品没有收到'],
    ['赠品漏发了'],
    ['收到了但是赠品没有'],
    ['少了一个赠品'],
    ['小样没收到'],
    ['the free gift wasn’t in my parcel'],
    ["I didn't get the free gift"],
    ['my order came without the gift'],
    // Added by the lead (stop 31): the order said to have come, then "没有赠品".
    ['我收到货了但是没有赠品'],
    ['拆开包裹里面没看到小样'],
    ['签收了，没有试用装'],
  ])('%s → goods short (damaged-or-missing)', (text) => {
    expect(askOnce(engine, text).articleId).toBe('kb-damaged-or-missing');
  });
  test.each([
    ['快递显示签收了但我没收到', 'kb-signed-not-received'],
    ['我的快递还没收到', 'kb-track-order'],
    ['赠品需要退回吗', 'kb-return-policy'],
    ['我的订单还没到，赠品也没有', 'kb-track-order'],
  ])('%s → %s (no gift missing)', (text, article) => {
    expect(askOnce(engine, text).articleId).toBe(article);
  });
  // The order has not come: no gift can be missing from it yet (lead, stop 31).
  test.each([['还没收到货，也没有赠品'], ['没收到快递，没有小样']])('%s → not goods short', (text) => {
    expect(askOnce(engine, text).articleId).not.toBe('kb-damaged-or-missing');
  });
  test.each([['有赠品吗'], ['买面霜送什么赠品']])('%s → gifts offered are not a missing item', (text) => {
    const answer = askOnce(engine, text);
    expect(answer.articleId).not.toBe('kb-damaged-or-missing');
    expect(answer.articleId).not.toBe('kb-signed-not-received');
  });
});

describe('a use asked as the named product’s effect or function', () => {
  test.each([
    ['这个面霜有防晒效果吗', 'p-hyaluronic-cream'],
    ['面霜有防晒功效吗', 'p-hyaluronic-cream'],
    ['面霜带防晒吗', 'p-hyaluronic-cream'],
    ['精华有防晒作用吗', 'p-niacinamide-serum'],
    ['洗面奶有卸妆效果吗', 'p-amino-cleanser'],
  ])('%s → not stated for %s, never the sunscreen or a neighbouring article', (text, productId) => {
    const answer = askOnce(engine, text);
    expect(answer.productId).toBe(productId);
    expect(answer.articleId).toBeNull();
    expect(answer.text).toContain('没有写');
    expect(answer.text).not.toMatch(/^可以的/);
  });
  test('有 beside a word is that function word, no slip for 油 (控油防晒); a slip inside a word is still fixed', () => {
    const index = createKnowledgeIndex(demoKnowledge());
    expect(index.read('这个面霜有防晒效果吗').normalized).not.toContain('油防晒');
    expect(index.read('尺吗表在哪里看').normalized).toContain('尺码');
    expect(index.read('能用花被吗').normalized).toContain('花呗');
  });
  test('防晒霜有防晒效果吗 → yes, as its name says (not the pregnancy article)', () => {
    const answer = askOnce(engine, '防晒霜有防晒效果吗');
    expect(answer.articleId).toBeNull();
    expect(answer.text).toMatch(/^可以的/);
  });
});

describe('how long makeup stays on, said in Chinese', () => {
  test.each([['口红能保持多久'], ['口红能持久多久'], ['口红持妆时间多长'], ['口红涂上能维持几个小时']])(
    '%s → its wear, not stated (not delivery, not shelf life)',
    (text) => {
      const answer = askOnce(engine, text);
      expect(answer.productId).toBe('p-velvet-lipstick');
      expect(answer.articleId).toBeNull();
      expect(answer.intent).not.toBe('shipping_time');
      expect(answer.intent).not.toBe('shelf_life');
      expect(answer.text).toContain('没有写明');
    },
  );
  test.each([
    ['how many hours does the lipstick last'],
    ['this lipstick, how long does it last on the lips'],
  ])('%s → its wear, not its shelf life', (text) => {
    const answer = askOnce(engine, text);
    expect(answer.intent).not.toBe('shelf_life');
    expect(answer.text).not.toContain('shelf life');
  });
  test.each([
    ['口红什么时候发货', 'shipping_time'],
    ['口红多久能到', 'shipping_time'],
    ['口红保质期多久', 'shelf_life'],
    ['口红开封后能用多久', 'shelf_life'],
  ])('%s → still %s', (text, intent) => {
    expect(askOnce(engine, text).intent).toBe(intent);
  });
});

describe('a discount for buying several is the shop’s promotions', () => {
  test.each([
    ['买两件能便宜吗'],
    ['两件一起买能便宜点吗'],
    ['多买几件能打折吗'],
    ['买三盒有没有折扣'],
    ['口红买两支能便宜吗'],
    ['is there a discount if I buy two'],
    ['do you do multi-buy discounts'],
  ])('%s → how discounts and coupons combine', (text) => {
    expect(askOnce(engine, text).articleId).toBe('kb-coupon-stacking');
  });
  test.each([
    ['买两件包邮吗', 'kb-shipping-carrier-fee'],
    ['买两件可以用两张券吗', 'kb-coupon-stacking'],
  ])('%s → %s (its own matter)', (text, article) => {
    expect(askOnce(engine, text).articleId).toBe(article);
  });
  test('牛肉干和什么一起买划算 → still what goes with it (buying together, no quantity)', () => {
    expect(askOnce(engine, '牛肉干和什么一起买划算').intent).toBe('product_recommendation');
  });
  test('老师有优惠吗 → still not covered (a group discount the notes never name)', () => {
    expect(askOnce(engine, '老师有优惠吗').articleId).toBeNull();
  });
});

// Lead, stop 31: a reaction told in English by what the product did ("the cream made my face itchy")
// was an ask-back ("what would you like to know?"); it is the reaction's first-aid article, as
// "用了面霜脸很痒怎么办" is. Asking whether it would, or for advice, is not a reaction reported.
describe('a skin reaction said in English as what the product did', () => {
  test.each([
    ['the cream made my face itchy, what should I do'],
    ['this moisturizer gave me a rash'],
    ['my skin got itchy and burning, I used the cream yesterday'],
    ['the face mask made my cheeks sting'],
  ])('%s → a reaction article', (text) => {
    expect(askOnce(engine, text).intent).toBe('allergy_reaction');
  });
  test.each([['will the cream make my skin itchy?'], ['what helps an itchy scalp?']])(
    '%s → no reaction reported',
    (text) => {
      expect(askOnce(engine, text).articleId).not.toBe('kb-allergy-first-aid');
    },
  );
});
