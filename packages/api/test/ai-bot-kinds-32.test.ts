// bot-32: a held-out set of new wordings for the kinds review-o left as `it.fails` (stop 31) and two
// seen weak, written before the engine was changed (docs/notes/bot-32.md lists what failed before):
// - a use asked as an effect or function that the product's own name states ("面霜有保湿效果吗" of
//   the 水润保湿面霜, the cushion's SPF35, the 洗发沐浴露二合一): yes, its name says — never "not stated";
//   asked after a product was named, the use is asked of that product, not a list of others "有的～";
// - an English shopper asking after an order with a typo (recieved, oreder), a Chinese word (快递), a
//   product named (the formula order) or customs holding it: the order's whereabouts, never a decline,
//   the product's origin or the payment article;
// - buying several asked about something other than a discount (stock, sending or returning them
//   together) keeps that matter; a price that dropped after buying several is price protection;
// - a gift asked about an order not yet placed ("现在下单还有赠品吗") is the gift offer, not dispatch;
// - an order not yet come that the shopper no longer wants is a cancel; where on the order to apply
//   for after-sales is how to apply; sending the parcel somewhere else is the address change;
// - a parcel that never comes and a refund asked for it is the lost/stalled parcel answer, and "when
//   does it get here" after a tracking question keeps the delivery matter;
// - slips and shelf life: 有皮 (油皮) is oily skin; 有效期到什么时候 is shelf life; 防漏 of the
//   diapers named is about the diapers.
// Near-misses below must keep their answers.
import { describe, expect, test } from 'vitest';
import { createCommentReader } from '../src/livestream';
import { askOnce, converseWith, demoEngine } from './demo-engine';

const engine = demoEngine();
const ask = (text: string, channel = 'web') => askOnce(engine, text, channel);
const reader = createCommentReader();

describe('a use the product’s own name states, asked as an effect', () => {
  test.each([
    ['这款面霜有没有保湿的作用', 'p-hyaluronic-cream'],
    ['玻尿酸面霜带保湿功能吗', 'p-hyaluronic-cream'],
    ['那个防晒乳有没有控油的功效', 'p-sunscreen-light'],
    ['清透防晒有控油作用吗', 'p-sunscreen-light'],
    ['宝宝沐浴露带洗发功能不', 'p-baby-wash'],
    ['气垫粉底有没有防晒作用', 'p-cushion-foundation'],
  ])('%s → yes, about %s', (text, productId) => {
    const answer = ask(text);
    expect(answer.productId).toBe(productId);
    expect(answer.text).not.toMatch(/没有写/);
    expect(answer.text).not.toContain('商品名称');
  });
  test.each([['is there spf in the cushion foundation?'], ['does the cushion have sun protection']])(
    '%s → yes, SPF35 in its name',
    (text) => {
      const answer = ask(text);
      expect(answer.productId).toBe('p-cushion-foundation');
      expect(answer.text).not.toMatch(/don.t (?:cover|say)/);
    },
  );
  test('气垫粉底什么价 → 它能防晒吗 → yes, of the cushion', () => {
    const answer = converseWith(engine, ['气垫粉底什么价', '它能防晒吗']);
    expect(answer.productId).toBe('p-cushion-foundation');
    expect(answer.text).toMatch(/^可以的/);
  });
  test('玻尿酸面霜怎么卖 → 带防晒功能吗 → not "有的～" with other products', () => {
    const answer = converseWith(engine, ['玻尿酸面霜怎么卖', '带防晒功能吗']);
    expect(answer.productId).toBe('p-hyaluronic-cream');
    expect(answer.text).not.toMatch(/^有的/);
  });
  test('livestream, the cushion on the shelf: 有防晒功能吗 → yes, of the cushion', () => {
    const reading = reader.read(engine, '这个有防晒功能吗', {
      channel: 'douyin_live',
      shelfProductId: 'p-cushion-foundation',
    });
    expect(reading.question?.answer ?? '').not.toMatch(/^有的/);
    expect(reading.question?.answer ?? '').not.toMatch(/没有写/);
  });
});

describe('an English order question with a typo, a Chinese word, a product or customs', () => {
  test.each([
    ['i havent recieved my package yet'],
    ['still havent gotten my oder'],
    ['where is my parcle'],
    ['my ordr still not arrived'],
    ['where is my 包裹?'],
    ["where's my lipstick order"],
  ])('%s → the tracking article, never a decline', (text) => {
    const answer = ask(text);
    expect(answer.action).not.toBe('decline');
    expect(answer.articleId).toBe('kb-track-order');
  });
  test.each([
    ['my parcel has been held at customs for days, where is it'],
    ['order stuck in customs clearance, any news?'],
    ['where is my milk powder order from australia'],
  ])('%s → the order (stalled / cross-border / tracking), not payment or origin', (text) => {
    const answer = ask(text);
    expect(['kb-logistics-stalled', 'kb-crossborder-shipping', 'kb-track-order']).toContain(answer.articleId);
  });
});

describe('buying several asked about something other than a discount', () => {
  test.each([['我要拿三件，库存够吗'], ['牛仔裤买两条还有货吗']])(
    '%s → stock, not returns or coupons',
    (text) => {
      const answer = ask(text);
      expect(answer.intent).not.toBe('return_request');
      expect(answer.articleId).not.toBe('kb-coupon-stacking');
    },
  );
  test.each([
    ['两条裤子能合并发货吗'],
    ['买了三样东西可以一起寄过来吗'],
    ['can the two items ship together?'],
  ])('%s → sending them together, not coupons', (text) => {
    const answer = ask(text);
    expect(answer.articleId).not.toBe('kb-coupon-stacking');
    expect(answer.intent).not.toBe('coupon_usage');
  });
  test.each([['买了三件可以一块退吗'], ['两件衣服能一起寄回去退货吗']])('%s → returns', (text) => {
    expect(ask(text).intent).toBe('return_request');
  });
  test.each([
    ['刚买完两件就便宜了二十块，可以退差价吗'],
    ['买了三盒坚果，现在便宜了，差价能给吗'],
    ['I bought two and now it is cheaper, can I get the difference back?'],
  ])('%s → price protection', (text) => {
    expect(ask(text).articleId).toBe('kb-price-protection');
  });
});

describe('a gift asked about an order not yet placed', () => {
  test.each([['今天下单送赠品吗'], ['现在买还送小样吗'], ['if I order now do I still get the free gift?']])(
    '%s → the gift offer, not dispatch times',
    (text) => {
      const answer = ask(text);
      expect(answer.articleId).not.toBe('kb-shipping-time');
      expect(answer.intent).not.toBe('shipping_time');
    },
  );
});

describe('an order not yet come: cancel, after-sales, another address', () => {
  test.each([['货还没到呢，我不打算要了'], ['还没收到，不想要了，怎么办']])('%s → cancel', (text) => {
    expect(ask(text).articleId).toBe('kb-order-cancel');
  });
  test.each([['在订单哪里申请售后'], ['订单里面从哪里点退货']])('%s → how to apply', (text) => {
    expect(ask(text).articleId).toBe('kb-return-how-to');
  });
  test.each([['包裹还没送到，可以改送到我单位吗'], ['快递还没来，能帮我改寄到学校吗']])(
    '%s → the address change',
    (text) => {
      expect(ask(text).articleId).toBe('kb-address-change');
    },
  );
});

describe('a parcel that never comes', () => {
  test.each([
    ['what if my package never shows up, do I get my money back?'],
    ['can i get a refund if the parcel gets lost'],
    ['快递要是一直不到能退款吗'],
  ])('%s → the lost/stalled parcel answer', (text) => {
    expect(ask(text).articleId).toBe('kb-logistics-stalled');
  });
  test.each([
    [["where's my order", 'any idea when it will get here?']],
    [['where is my parcel', 'when do you think my stuff arrives']],
  ])('%j → tracking or delivery time', (turns) => {
    const answer = converseWith(engine, turns);
    expect(['kb-track-order', 'kb-delivery-eta']).toContain(answer.articleId);
  });
});

describe('slips and shelf life', () => {
  test.each([['有皮用哪个防晒'], ['我皮肤偏有，用什么面霜好']])('%s → never the dry-skin routine', (text) => {
    expect(ask(text).articleId).not.toBe('kb-routine-dry-skin');
  });
  test.each([['气垫的有效期到什么时候'], ['面霜有效期到哪天']])('%s → shelf life', (text) => {
    expect(ask(text).intent).toBe('shelf_life');
  });
  test.each([['纸尿裤有没有防侧漏功能'], ['这款纸尿裤防漏效果好吗']])('%s → about the diapers', (text) => {
    const answer = ask(text);
    expect(answer.text).not.toContain('商品名称');
  });
});

describe('near-misses that keep their answers', () => {
  test.each([
    ['直播间比我买的便宜，能补差价吗', 'kb-live-price-difference'],
    ['两件一起买有折扣吗', 'kb-coupon-stacking'],
    ['my parcel says delivered but I never got it', 'kb-signed-not-received'],
    ['when will my refund arrive', 'kb-refund-arrival'],
    ['退货寄回去了钱什么时候退', 'kb-refund-arrival'],
    ['下单后多久发货', 'kb-shipping-time'],
    ['赠品没收到', 'kb-damaged-or-missing'],
    ['快递好几天不动了', 'kb-logistics-stalled'],
    ['怎么改收货地址', 'kb-address-change'],
    ['降价了能补差价吗', 'kb-price-protection'],
    ['还没发货，我想取消订单', 'kb-order-cancel'],
    ['where is my order', 'kb-track-order'],
  ])('%s → %s', (text, article) => {
    expect(ask(text).articleId).toBe(article);
  });
  test.each([['面霜有没有防晒作用'], ['洁面乳有卸妆效果吗']])('%s → not stated for that product', (text) => {
    expect(ask(text).text).toMatch(/没有写/);
  });
  test('奶粉是哪里产的 → the origin fact, not tracking', () => {
    const answer = ask('奶粉是哪里产的');
    expect(answer.productId).toBe('p-au-formula');
    expect(answer.articleId).not.toBe('kb-track-order');
  });
  test('口红保质期多久 → shelf life', () => {
    expect(ask('口红保质期多久').intent).toBe('shelf_life');
  });
});

// Guards added after the engine change (not part of the before/after count): edges found probing
// the new readings — money that never came is the refund's matter, not a lost parcel; "X多少钱还有
// Y吗" still asks two questions; a stock question asking when goods come is dispatch times.
describe('guards added after the change', () => {
  test('my refund never arrived → never the lost-parcel article', () => {
    expect(ask('my refund never arrived').articleId).not.toBe('kb-logistics-stalled');
  });
  test('退款一直不到账 → the refund timing article', () => {
    expect(ask('退款一直不到账').articleId).toBe('kb-refund-arrival');
  });
  test('面霜多少钱还有包邮吗 → two answers', () => {
    const answer = ask('面霜多少钱还有包邮吗');
    expect(answer.productId).toBe('p-hyaluronic-cream');
    expect(answer.more.length).toBe(1);
  });
  test('预售的口红什么时候有货 → dispatch times, not a stock yes', () => {
    expect(ask('预售的口红什么时候有货').intent).toBe('shipping_time');
  });
});
