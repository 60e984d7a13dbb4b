// bot-32b: a held-out set of new wordings for the kinds review-q left as `test.fails` (stop 32),
// each group written before its engine change, with what main (9154435+) gave then:
// - the sun-protection figure asked of a product whose name states it ("spf是多少", "what spf"):
//   the figure from the name — never the cross-border quota; a product with no figure says so;
// - when goods come (到货) asked of a product: delivery times (the product's own route first),
//   never money arriving (退款到账); a size asked when it comes back is its restock;
// - the order no longer wanted: said alone or not yet shipped → cancel; said in hand → the no-reason
//   return (a cross-border product: its own return rule); deliver it elsewhere with 改/换到;
//   how long customs clearance takes; "where do I apply" after a return/exchange/invoice wish.
// - buying together (一起买/一块儿买) asked as cheaper is the shop's promotions, not price protection;
//   a month of the calendar (这个月/上个月) names no formula (its name's "12-36个月").
// - the order came and the gift is asked after ("东西到了 小样呢", "package arrived, no freebie in
//   it"): goods short; the order came and the invoice is asked after: how to get an invoice;
// - an English reaction told as what the product did or what followed its use (pimples, puffy,
//   peeling and red, a tingling mouth): first aid.
// - an effect a name may state asked A-not-A (控不控油), as 是…的, or bare after a product (→ 保湿吗):
//   of that product, yes from its name or "not stated"; goods asked by a use (有保湿的吗): those
//   whose names state it, never "we don't carry 控油".
// Near-misses below must keep their answers.
import { describe, expect, test } from 'vitest';
import type { EngineResult } from '../src/knowledge/engine/answer-engine';
import { converseWith, demoEngine } from './demo-engine';

const engine = demoEngine();
/** One question, or a conversation: turns split by " || ". */
const say = (script: string): EngineResult => converseWith(engine, script.split(' || '), 'web');

describe('the SPF figure a name states', () => {
  // before: 物理防晒霜 → kb-crossborder-quota; cushion (en) → "don't cover that"; follow-up → its
  // ingredients; 你们的防晒 → the pregnancy article
  test.each([
    ['物理防晒霜的spf是多少啊', /SPF30/],
    ['what spf is the cushion foundation', /SPF35/],
    ['气垫粉底多少钱 || 防晒指数高吗', /SPF35/],
    ['你们的防晒spf多少', /SPF50\+.*SPF30|SPF30.*SPF50\+/],
  ])('%s → %s', (script, re) => {
    const answer = say(script);
    expect(answer.articleId).not.toBe('kb-crossborder-quota');
    expect(answer.text).toMatch(re);
  });
  // near-miss (before: kb-crossborder-quota / the pregnancy article): no figure on the cream
  test.each([['面霜spf多少'], ['面霜有spf吗']])('%s → the cream states no SPF', (script) => {
    expect(say(script).text).toMatch(/没有写明防晒指数/);
  });
  // near-miss kept: a price question of a sunscreen is its price
  test('物理防晒霜多少钱 → its price', () => {
    expect(say('物理防晒霜多少钱').text).toMatch(/¥159/);
  });
});

describe('when goods come (到货)', () => {
  // before: kb-refund-arrival (面霜, 牛仔裤, XL码); 面霜啥时候能到货 passed (kb-shipping-time)
  test.each([
    ['面霜什么时候到货', 'kb-shipping-time'],
    ['牛仔裤几号到货', 'kb-shipping-time'],
    ['面霜啥时候能到货呀', 'kb-shipping-time'],
    ['奶粉啥时候能到货', 'kb-crossborder-shipping'],
    ['XL码什么时候到货', 'kb-exchange-out-of-stock'],
  ])('%s → %s', (script, articleId) => {
    expect(say(script).articleId).toBe(articleId);
  });
  // near-misses kept: money arriving, the restock of a size
  test.each([
    ['退款什么时候到账', 'kb-refund-arrival'],
    ['缺货的尺码什么时候补', 'kb-exchange-out-of-stock'],
  ])('%s → %s', (script, articleId) => {
    expect(say(script).articleId).toBe(articleId);
  });
});

describe('not wanted, elsewhere, customs time, where to apply', () => {
  // before: 这单不要了 → kb-presale-deposit; 还没发出去/没发货的话 → kb-shipping-time; 衣服到了 →
  // clarify; 签收了 → kb-signed-not-received; 换到单位 → kb-exchange-size; 清关需要几天 →
  // kb-delivery-eta; 跨境的清关 → kb-crossborder-quota; 换货/开票 → 在哪申请 → price-protection
  // apply. Passed before: 订单不想要了 (cancel), 快递还没到 → 能改到我家吗 (address).
  test.each([
    ['这单不要了', 'kb-order-cancel'],
    ['订单不想要了', 'kb-order-cancel'],
    ['还没发出去，我不要了', 'kb-order-cancel'],
    ['没发货的话我不想要了', 'kb-order-cancel'],
    ['衣服到了但是不想要了', 'kb-return-policy'],
    ['包裹签收了，不想要了怎么办', 'kb-return-policy'],
    ['奶粉收到了不想要了', 'kb-crossborder-return'],
    ['快递还没到 || 能不能换到单位去', 'kb-address-change'],
    ['快递还没到 || 能改到我家吗', 'kb-address-change'],
    ['清关需要几天', 'kb-crossborder-shipping'],
    ['跨境的清关多长时间', 'kb-crossborder-shipping'],
    ['我想换货 || 在哪申请', 'kb-exchange-how-to'],
    ['尺码不合适想换 || 怎么申请呢', 'kb-exchange-how-to'],
    ['发票怎么开 || 在哪里申请', 'kb-invoice-apply'],
  ])('%s → %s', (script, articleId) => {
    expect(say(script).articleId).toBe(articleId);
  });
  // near-misses kept: a gift not wanted, customs holding a parcel, price protection's own apply
  test('赠品不想要了 → not the cancel article', () => {
    expect(say('赠品不想要了').articleId).not.toBe('kb-order-cancel');
  });
  test.each([
    ['奶粉清关卡住了怎么办', 'kb-logistics-stalled'],
    ['价保怎么算 || 在哪里申请', 'kb-price-protection-apply'],
  ])('%s → %s', (script, articleId) => {
    expect(say(script).articleId).toBe(articleId);
  });
});

describe('buying together, asked as cheaper; a calendar month', () => {
  // before: 和面霜一起买能便宜吗 → kb-price-protection; 一起买的话能打折吗 → clarify;
  // 一块儿买划算吗 not run before. Passed before: 两件一起买有优惠吗.
  test.each([['和面霜一起买能便宜吗'], ['一起买的话能打折吗'], ['两件一起买有优惠吗']])(
    '%s → the promotions article',
    (script) => {
      expect(say(script).articleId).toBe('kb-coupon-stacking');
    },
  );
  // near-misses kept: a later price drop; what goes with a product; free shipping
  test.each([
    ['一起买的现在便宜了能补差价吗', 'kb-price-protection'],
    ['一起下单能包邮吗', 'kb-shipping-carrier-fee'],
  ])('%s → %s', (script, articleId) => {
    expect(say(script).articleId).toBe(articleId);
  });
  test('牛肉干和什么一起买划算 → what goes with it', () => {
    expect(say('牛肉干和什么一起买划算').intent).toBe('product_recommendation');
  });
  // before: the formula's age range (这个月 read as its 12-36个月)
  test('这个月能一起开发票吗 → invoices, no formula', () => {
    const answer = say('这个月能一起开发票吗');
    expect(answer.intent).toBe('invoice');
    expect(answer.productId).toBeNull();
  });
  // near-miss kept: an age asked still reaches the formula
  test.each([['八个月宝宝可以喝吗'], ['奶粉适合几个月的宝宝']])(
    '%s → the formula’s 12-36 months',
    (script) => {
      expect(say(script).text).toMatch(/12-36个月/);
    },
  );
});

describe('received, and a gift or the invoice missing', () => {
  // before: 东西到了 小样呢 → "not stated"; 快递收到了，说好的赠品呢 → kb-signed-not-received;
  // package arrived, no freebie → "notes don't cover"
  test.each([['东西到了 小样呢'], ['快递收到了，说好的赠品呢'], ['package arrived, no freebie in it']])(
    '%s → goods short',
    (script) => {
      expect(say(script).articleId).toBe('kb-damaged-or-missing');
    },
  );
  // before: 收到货了，发票呢 → kb-return-policy; 到货了但是没看到发票 → clarify; 包裹到了 里面没有发票
  // passed (kb-invoice-apply)
  test.each([['收到货了，发票呢'], ['到货了但是没看到发票'], ['包裹到了 里面没有发票']])(
    '%s → how to get an invoice',
    (script) => {
      expect(say(script).articleId).toBe('kb-invoice-apply');
    },
  );
  // near-misses kept: the gift itself received, an order not come, a gift offer
  test.each([['收到了，赠品很好看'], ['还没收到货 赠品呢'], ['现在下单赠品呢']])(
    '%s → not goods short',
    (script) => {
      expect(say(script).articleId).not.toBe('kb-damaged-or-missing');
    },
  );
  test('奶粉收到了，发票怎么开 → the cross-border invoice rule', () => {
    expect(say('奶粉收到了，发票怎么开').articleId).toBe('kb-invoice-crossborder');
  });
});

describe('English reactions told as what the product did', () => {
  // before: all four → ask-back "what would you like to know?" or "notes don't cover"
  test.each([
    ['the cushion gave me little pimples on my chin'],
    ['my eyes are puffy after the cream'],
    ['i used the sunscreen yesterday and now my skin is peeling and red'],
    ['the beef jerky made my mouth tingle'],
  ])('%s → reaction first aid', (script) => {
    expect(say(script).articleId).toBe('kb-allergy-first-aid');
  });
  // near-misses kept: a colour word, a future worry, a good effect
  test.each([
    ['the red dress made me look fat'],
    ['will the mask make me break out?'],
    ['the cream made my skin so soft'],
  ])('%s → not first aid', (script) => {
    expect(say(script).articleId).not.toBe('kb-allergy-first-aid');
  });
});

describe('an effect a name may state, other wordings; goods by use', () => {
  // before: 精华控不控油 / 气垫是控油的吗 → clarify "没有写明" of an unread question; the two
  // follow-ups → ask-back. Passed before: 面霜真的保湿吗, 防晒乳能控油不.
  test.each([
    ['精华控不控油', 'p-niacinamide-serum', /没有写明有控油/],
    ['气垫是控油的吗', 'p-cushion-foundation', /没有写明有控油/],
    ['口红多少钱 || 控油吗', 'p-velvet-lipstick', /没有写明有控油/],
    ['精华多少钱 || 保湿吗', 'p-niacinamide-serum', /没有写明有保湿/],
    ['面霜真的保湿吗', 'p-hyaluronic-cream', /写明了保湿/],
    ['防晒乳能控油不', 'p-sunscreen-light', /写明了控油/],
  ])('%s → %s', (script, productId, re) => {
    const answer = say(script);
    expect(answer.productId).toBe(productId);
    expect(answer.text).toMatch(re);
  });
  // before: 有保湿的吗 → clarify; 修护 → the pregnancy article; 有卖控油的吗 → "暂时没有控油"
  test.each([
    ['有保湿的吗', /保湿面霜 ¥189/],
    ['你们有修护的产品吗', /修护/],
    ['有卖控油的吗', /控油防晒乳.*¥139/],
  ])('%s → %s', (script, re) => {
    const answer = say(script);
    expect(answer.text).toMatch(re);
    expect(answer.text).not.toMatch(/暂时没有/);
  });
  // near-misses kept: the word inside a name; a product kind asked for sale
  test('保湿面霜能用多久 → shelf life', () => {
    expect(say('保湿面霜能用多久').intent).toBe('shelf_life');
  });
  test('你们有防晒吗 → both sunscreens', () => {
    expect(say('你们有防晒吗').text).toMatch(/¥139.*¥159/);
  });
});
