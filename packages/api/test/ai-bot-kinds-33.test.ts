// bot-33 held-out set, written BEFORE the engine changes of stop 33 (new wordings of the kinds behind
// review-q's last seven `test.fails` and the four weak answers seen in the demo), plus near-misses
// that must keep the answer they have today. Not fitted to: each positive states what a shop's
// service agent would answer, in words the review files do not use.
// Kinds: an English product name inside a question; pinyin; a parcel lost; a parcel stalled + 催;
// the service's contact / a person; a follow-up that must carry who the question is for; goods for
// men; big sizes; a pregnant or breastfeeding shopper asking a service; a use the name does not
// state, asked as a follow-up.
// Before any engine change (stop-33 main, 04:39 UTC): positives 19/51, near-misses 16/16.
// ("连衣裙有大码吗" was written as a near-miss and failed on main: it is a break, moved to the kind.)
import { describe, expect, test } from 'vitest';
import type { EngineResult } from '../src/knowledge/engine/answer-engine';
import { converseWith, demoEngine } from './demo-engine';

const engine = demoEngine();
/** One question, or a conversation: turns split by " || "; a leading "@live " asks on douyin_live. */
const say = (script: string): EngineResult => {
  const live = script.startsWith('@live ');
  const turns = (live ? script.slice(6) : script).split(' || ');
  return converseWith(engine, turns, live ? 'douyin_live' : 'web');
};
const articleOf = (script: string) => say(script).articleId;
// 没有写 (not 没有写明 only): the engine's own wording for a use a product's details do not state is
// "…的商品资料里没有写它可以防晒" — widened after the first run, before any engine change.
const NOT_STATED = /没有写|don't (?:cover|list|say)|not (?:listed|stated)/;

describe('English product names inside a question', () => {
  test.each([
    ['does the oil-control sunscreen really control oil', 'p-sunscreen-light'],
    ['is the oil controll sunscreen oil control?', 'p-sunscreen-light'],
    ['does the moisturizing cream moisturize', 'p-hyaluronic-cream'],
    ['what spf is the oil control sunscreen', 'p-sunscreen-light'],
  ])('%s → %s, answered', (script, productId) => {
    const answer = say(script);
    expect(answer.productId).toBe(productId);
    expect(answer.action).toBe('answer');
    expect(answer.text).not.toMatch(NOT_STATED);
  });
  test('what spf is the oil control sunscreen → SPF50+', () => {
    expect(say('what spf is the oil control sunscreen').text).toMatch(/SPF50\+/);
  });
});

describe('pinyin', () => {
  test.each([
    ['mian shuang bao shi ma', /保湿/],
    ['kongyou fangshai kongyou ma', /控油/],
    ['mianshuang baoshi bu', /保湿/],
  ])('%s → yes, the name states it', (script, re) => {
    const answer = say(script);
    expect(answer.action).toBe('answer');
    expect(answer.text).toMatch(re);
    expect(answer.text).not.toMatch(NOT_STATED);
  });
});

describe('a parcel lost', () => {
  test.each([
    ['i think my package got lost'],
    ['my parcel is lost in the post'],
    ['pretty sure the courier lost my order'],
    ['快递是不是丢了'],
    ['包裹好像丢件了怎么办'],
    ['my package is lost, what now?'],
  ])('%s → the stalled / lost parcel article', (script) => {
    expect(articleOf(script)).toBe('kb-logistics-stalled');
  });
});

describe('a parcel stalled, asked to chase', () => {
  test.each([
    ['物流一个星期没动了，帮我催一下'],
    ['快递五天了都没动静 能不能催催'],
    ['can you chase my parcel? no update for a week'],
    ['包裹停了好几天不动 麻烦催一下快递'],
    ['我的快递一周了还没更新，急用，帮忙催下'],
  ])('%s → the stalled parcel article (催件)', (script) => {
    expect(articleOf(script)).toBe('kb-logistics-stalled');
  });
});

describe('the service contact / a person', () => {
  test.each([
    ['客服电话是多少'],
    ['有没有售后热线'],
    ['售后联系方式'],
    ['what is your customer service phone number'],
    ['人工客服怎么找'],
  ])('%s → service hours or a person, never a missing parcel', (script) => {
    const answer = say(script);
    expect(answer.articleId).not.toBe('kb-signed-not-received');
    expect(answer.articleId === 'kb-service-hours' || answer.action === 'escalate').toBe(true);
  });
});

describe('a follow-up carries who the question is for', () => {
  // The follow-up is answered as the whole question would be.
  test.each([
    ['怀孕可以用精华吗 || 洗面奶呢', '孕妇能用洗面奶吗'],
    ['哺乳期能用防晒吗 || 那面膜呢', '哺乳期能用面膜吗'],
    ['孕妇能用面霜吗 || 精华可以吗', '孕妇能用精华吗'],
    ['can i use the serum while pregnant || what about the cream', 'can i use the cream while pregnant'],
    ['宝宝能用沐浴露吗 || 那面霜呢', '宝宝能用面霜吗'],
    ['精华多少钱 || 哺乳期能用吗 || 那小孩呢', '小孩能用精华吗'],
  ])('%s ≡ %s', (script, whole) => {
    const got = say(script);
    const want = say(whole);
    expect(got.articleId).toBe(want.articleId);
    expect(got.productId).toBe(want.productId);
    expect(got.text).toBe(want.text);
  });
});

describe('goods for men', () => {
  test.each([
    ['有没有男士的'],
    ['有男士护肤品吗'],
    ['do you have anything for men'],
    ['有适合男生用的吗'],
    ['你们家有男款吗'],
  ])('%s → goods for men, or plainly none made for men and what suits (never declined)', (script) => {
    const answer = say(script);
    expect(answer.action).not.toBe('decline');
    expect(answer.outOfScope).toBe(false);
    expect(answer.text).toMatch(/男|\bmen\b|unisex/i);
  });
});

describe('big sizes', () => {
  test.each([
    ['有没有大码的'],
    ['有加大码吗'],
    ['do you have plus sizes'],
    ['最大的码是多少'],
    ['胖一点的能穿吗 有大码没'],
    ['连衣裙有大码吗'],
  ])('%s → the sizes on offer, not the exchange article', (script) => {
    const answer = say(script);
    expect(answer.articleId ?? '').not.toMatch(/^kb-exchange/);
    expect(answer.text).toMatch(/XL|31/);
  });
});

describe('a pregnant or breastfeeding shopper asking a service', () => {
  test.each([
    ['哺乳期能退换货吗', 'kb-return-policy'],
    ['孕妇买的东西能七天无理由退吗', 'kb-return-policy'],
    ['我在哺乳期，退货运费谁出', 'kb-return-shipping-fee'],
    ['怀孕了，付款方式有哪些', 'kb-payment-methods'],
    ["i'm pregnant, can I return it within 7 days", 'kb-return-policy'],
  ])('%s → %s', (script, articleId) => {
    expect(articleOf(script)).toBe(articleId);
  });
});

describe('a use the name does not state, asked as a follow-up', () => {
  test.each([
    ['面霜多少钱 || 能防晒吗', 'p-hyaluronic-cream'],
    ['精华多少钱 || 能防晒吗', 'p-niacinamide-serum'],
    ['面霜多少钱 || 有防晒效果吗', 'p-hyaluronic-cream'],
    ['口红多少钱 || 防晒吗', 'p-velvet-lipstick'],
    ['how much is the cream || does it protect from the sun', 'p-hyaluronic-cream'],
  ])('%s → about %s: its name and notes do not say so', (script, productId) => {
    const answer = say(script);
    expect(answer.articleId).not.toBe('kb-pregnancy-skincare');
    expect(answer.productId).toBe(productId);
    expect(answer.text).toMatch(NOT_STATED);
  });
});

describe('near-misses: keep today’s answer', () => {
  test.each([
    ['the parcel says delivered but i never got it', 'kb-signed-not-received'],
    ['my parcel came but one item is missing', 'kb-damaged-or-missing'],
    ['能催一下发货吗，付款三天了还没发', 'kb-shipping-time'],
    ['我的快递到哪了', 'kb-track-order'],
    ['客服几点上班', 'kb-service-hours'],
    ['显示签收了但没收到，快递员电话打不通', 'kb-signed-not-received'],
    ['裤子小了能换大码吗', 'kb-exchange-size'],
    ['想换的大码没货了', 'kb-exchange-out-of-stock'],
    ['哺乳期能用精华吗', 'kb-pregnancy-skincare'],
    ['孕妇能用面霜吗 || 那精华怎么用', 'kb-serum-usage'],
  ])('%s → %s', (script, articleId) => {
    expect(articleOf(script)).toBe(articleId);
  });
  test('孕妇能用面霜吗 || 那精华多少钱 → the serum’s price', () => {
    expect(say('孕妇能用面霜吗 || 那精华多少钱').text).toMatch(/¥/);
  });
  test('气垫粉底多少钱 || 能防晒吗 → yes, its name states SPF35', () => {
    expect(say('气垫粉底多少钱 || 能防晒吗').text).not.toMatch(NOT_STATED);
  });
  test('面霜多少钱 || 保湿吗 → yes', () => {
    expect(say('面霜多少钱 || 保湿吗').text).toMatch(/保湿/);
    expect(say('面霜多少钱 || 保湿吗').text).not.toMatch(NOT_STATED);
  });
  test('有卖男士剃须刀吗 → not carried (no goods of that kind)', () => {
    expect(say('有卖男士剃须刀吗').text).not.toMatch(/¥/);
  });
  test('男生能用防晒吗 → each sunscreen’s skin list', () => {
    expect(say('男生能用防晒吗').text).toMatch(/防晒乳[\s\S]*防晒霜|防晒霜[\s\S]*防晒乳/);
  });
  test('i lost my coupon → not the lost-parcel article', () => {
    expect(articleOf('i lost my coupon')).not.toBe('kb-logistics-stalled');
  });
});

// Guards added AFTER the engine changes (edges found probing the new readings; not part of the
// before/after score): each keeps an answer the new kinds must not take over.
describe('guards added after the fixes', () => {
  test.each([
    ['快递单号丢了怎么办', 'kb-logistics-stalled'],
    ['退款三天了没消息', 'kb-logistics-stalled'],
    ['my phone number changed, can I update it on the order', 'kb-service-hours'],
    ['过敏了能退换吗', 'kb-return-policy'],
  ])('%s → not %s', (script, articleId) => {
    expect(articleOf(script)).not.toBe(articleId);
  });
  test('我165穿大码还是中码 → size advice, not the list of sizes', () => {
    expect(articleOf('我165穿大码还是中码')).toBe('kb-size-measure');
  });
  test('孕妇能用面霜吗 || 谢谢 → thanks, nothing carried', () => {
    expect(say('孕妇能用面霜吗 || 谢谢').action).toBe('smalltalk');
  });
  test('面霜多少钱 || 有防晒吗 → goods: the sunscreens with prices', () => {
    expect(say('面霜多少钱 || 有防晒吗').text).toMatch(/防晒乳[\s\S]*¥/);
  });
});
