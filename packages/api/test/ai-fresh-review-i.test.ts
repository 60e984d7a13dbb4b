// review-i: a fresh reviewer's shopper turns against what bot-i landed (72ff271..4ff22ec: an order
// change ignores the product in focus; a parcel damaged/short answers the reason's policy article
// even with a place; an event's schedule and a discount for a group the notes never name are "not
// covered"; "still processing" is no unseen topic; the service asked at an hour / about a message
// left; an expired coupon is trouble; skin gone red is a reaction; English is not cut word by word).
// 210 cases (242 turns, zh + en, 2–3-turn follow-ups) written from the demo store's articles and
// catalogue before reading any held-out set or tuned sentence: (a) each rule's edges — what it could
// steal and what it still misses — and (b) ordinary shopping across the articles, for regressions.
//
// GUARDS run: answered right on main (93c1a34) today. KNOWN_BREAKS (confident wrong answers) and
// KNOWN_MISSES (a "not covered"/ask-back where the notes do answer) are NOT run — they fail now on
// purpose; each carries `now` (main), `before` (the engine before bot-i, fc39a03), `origin`
// (regression = right or only a miss before bot-i; changed = wrong before too, wrong differently by a
// bot-i rule; before = already wrong) and the cause where it could be read off the engine. Fix a
// kind, then move its cases into GUARDS. `uncovered`: no article may answer (an honest "our notes
// don't cover that" / "we don't carry it" + a person).
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnswerEngine, EngineResult } from '../src/knowledge/engine/answer-engine';
import { converseWith, demoEngine } from './demo-engine';
import { demoKnowledge } from './demo-knowledge';

type OneOrMany = string | string[];

export interface ReviewICase {
  /** The shopper's turns; the last answer is judged. */
  turns: string[];
  /** The bot-i rule whose edge the case sits on, or the area of the shop. */
  kind: string;
  articleId?: OneOrMany;
  intent?: OneOrMany;
  productId?: OneOrMany;
  attribute?: OneOrMany;
  action?: OneOrMany;
  /** No article answers it: the notes do not cover it / the shop does not carry it. */
  uncovered?: boolean;
  /** What must not answer (the reading a rule could steal it for). */
  notArticle?: string[];
  notIntent?: string[];
  /** Known breaks only: main's answer now, the answer before bot-i, which of the two caused it. */
  now?: string;
  before?: string;
  origin?: 'regression' | 'changed' | 'before';
  cause?: string;
}

let engine: AnswerEngine;
beforeAll(() => {
  engine = demoEngine();
});

const anyOf = (v: OneOrMany): string[] => (Array.isArray(v) ? v : [v]);

function check(c: ReviewICase): void {
  const result: EngineResult = converseWith(engine, c.turns);
  const label = c.turns.join(' / ');
  const got: Record<string, unknown> = {
    articleId: result.articleId,
    intent: result.intent,
    productId: result.productId,
    attribute: result.attribute,
    action: result.action,
  };
  for (const key of ['articleId', 'intent', 'productId', 'attribute', 'action'] as const) {
    const want = c[key];
    if (want !== undefined) expect(anyOf(want), `${label}: ${key}`).toContain(got[key]);
  }
  if (c.uncovered) expect(result.articleId, `${label}: no article covers it`).toBeNull();
  // An ask-back or "not covered" is no answer where the notes have one.
  else expect(result.action, `${label}: answered, not asked back`).not.toBe('clarify');
  for (const a of c.notArticle ?? []) expect(result.articleId, `${label}: not ${a}`).not.toBe(a);
  for (const i of c.notIntent ?? []) expect(result.intent, `${label}: not ${i}`).not.toBe(i);
}

// ---------------------------------------------------------------------------------------------
// GUARDS — right on main (133 of 210 at 93c1a34; 138 after the lead's fixes at stop 28; 149 after bot-j).
// ---------------------------------------------------------------------------------------------

const GUARDS: ReviewICase[] = [
  {
    turns: ['这款口红有几个色号', '我下单选错色号了，能换成另一个吗'],
    kind: 'order change / product in focus',
    articleId: ['kb-order-cancel', 'kb-return-policy'],
  },
  {
    turns: ['我买了气垫', '替换芯怎么换'],
    kind: 'order change / product in focus (steal: 换 of use)',
    articleId: 'kb-cushion-refill',
  },
  {
    turns: ['气垫的芯用完了怎么换新的'],
    kind: 'order change / product in focus (steal: 换 of use)',
    articleId: 'kb-cushion-refill',
  },
  {
    turns: ['小白瓶适合油皮吗', '换季的时候能用吗'],
    kind: 'order change / product in focus (steal: 换季)',
    productId: 'p-niacinamide-serum',
    notIntent: ['order_cancel', 'exchange_size'],
  },
  {
    turns: ['碎花裙M码胸围多少', '我想改一下收货地址'],
    kind: 'order change / product in focus (neighbour)',
    articleId: 'kb-address-change',
  },
  {
    turns: ['the tote bag, how big is it', 'ok can I change the colour on my order'],
    kind: 'order change / product in focus',
    articleId: 'kb-order-cancel',
  },
  {
    turns: ["my parcel to Chengdu is fine but it's late, 5 days already"],
    kind: 'parcel damaged or short (+ place) (steal: fine but late)',
    articleId: ['kb-delivery-eta', 'kb-logistics-stalled', 'kb-track-order'],
  },
  {
    turns: ['寄到杭州的快递少了一件'],
    kind: 'parcel damaged or short (+ place)',
    articleId: 'kb-damaged-or-missing',
  },
  {
    turns: ['my box arrived in Shanghai but one item was missing'],
    kind: 'parcel damaged or short (+ place)',
    articleId: 'kb-damaged-or-missing',
  },
  {
    turns: ['寄到广州的快递怎么这么慢'],
    kind: 'parcel damaged or short (+ place) (neighbour)',
    articleId: ['kb-delivery-eta', 'kb-logistics-stalled'],
  },
  {
    turns: ['收到的牛仔裤发错码了'],
    kind: 'parcel damaged or short (+ place)',
    articleId: 'kb-damaged-or-missing',
  },
  {
    turns: ['收到的裤子小了，想换大一码'],
    kind: 'parcel damaged or short (+ place) (steal: 收到 + size)',
    articleId: 'kb-exchange-size',
  },
  {
    turns: ['收到的面霜用了以后脸上起疹子'],
    kind: 'parcel damaged or short (+ place) (steal: 收到 + reaction)',
    articleId: 'kb-allergy-first-aid',
  },
  {
    turns: ['快递寄到西藏运费多少'],
    kind: 'parcel damaged or short (+ place) (neighbour)',
    articleId: 'kb-shipping-carrier-fee',
  },
  {
    turns: ['寄到成都的包裹显示签收了但我没收到'],
    kind: 'parcel damaged or short (+ place) (steal: 没收到 is no short parcel)',
    articleId: 'kb-signed-not-received',
  },
  {
    turns: ['parcel arrived in Xiamen and the bag of nuts was torn open'],
    kind: 'parcel damaged or short (+ place)',
    articleId: 'kb-damaged-or-missing',
  },
  {
    turns: ['快递盒子湿了，里面的奶粉罐瘪了'],
    kind: 'parcel damaged or short (+ place)',
    articleId: 'kb-damaged-or-missing',
  },
  {
    turns: ['今晚直播的价格和App里一样吗'],
    kind: 'event schedule → not covered (steal: live price)',
    articleId: 'kb-live-price-difference',
  },
  { turns: ['直播间今晚几点开播'], kind: 'event schedule → not covered', uncovered: true },
  {
    turns: ['预售的面霜什么时候发货'],
    kind: 'event schedule → not covered (steal: presale dispatch)',
    articleId: 'kb-shipping-time',
  },
  { turns: ['when does the next flash sale start'], kind: 'event schedule → not covered', uncovered: true },
  {
    turns: ['秒杀的东西能用券吗'],
    kind: 'event schedule → not covered (neighbour)',
    articleId: 'kb-coupon-stacking',
  },
  { turns: ['双十一大促什么时候开始'], kind: 'event schedule → not covered', uncovered: true },
  {
    turns: ['大促期间发货会慢吗'],
    kind: 'event schedule → not covered (steal: 大促 + delivery)',
    articleId: ['kb-delivery-eta', 'kb-shipping-time'],
  },
  {
    turns: ['the live stream tonight, where do I grab the fan coupon?'],
    kind: 'event schedule → not covered (steal: live coupon)',
    articleId: 'kb-live-coupon-claim',
  },
  {
    turns: ['直播间领的券什么时候过期'],
    kind: 'event schedule → not covered (steal: live coupon time)',
    articleId: 'kb-live-coupon-claim',
  },
  {
    turns: ["I bought during last night's live stream, when will it ship?"],
    kind: 'event schedule → not covered (steal: live + dispatch)',
    articleId: 'kb-shipping-time',
  },
  {
    turns: ['秒杀价可以价保吗'],
    kind: 'event schedule → not covered (neighbour)',
    articleId: 'kb-price-protection',
  },
  {
    turns: ['when will my presale order ship'],
    kind: 'event schedule → not covered (steal: presale dispatch)',
    articleId: 'kb-shipping-time',
  },
  {
    turns: ['if I cancel a presale do I get my deposit back'],
    kind: 'event schedule → not covered (neighbour)',
    articleId: 'kb-presale-deposit',
  },
  {
    turns: ['is the live stream price covered by price protection'],
    kind: 'event schedule → not covered (neighbour)',
    articleId: ['kb-live-price-difference', 'kb-price-protection'],
  },
  { turns: ['学生有优惠吗'], kind: 'group discount → not covered', uncovered: true },
  { turns: ['do nurses get a discount'], kind: 'group discount → not covered', uncovered: true },
  {
    turns: ['我是老师，想给学生买点坚果，保质期多久'],
    kind: 'group discount → not covered (steal: teacher, product fact)',
    productId: 'p-daily-nuts',
    attribute: 'shelfLife',
  },
  {
    turns: ["I'm a student with oily skin, which sunscreen should I get?"],
    kind: 'group discount → not covered (steal: student, recommendation)',
    productId: 'p-sunscreen-light',
  },
  {
    turns: ['给我妈买的面霜，会员有折扣吗'],
    kind: 'group discount → not covered (neighbour: member)',
    articleId: 'kb-member-levels',
  },
  { turns: ['军人有优惠吗'], kind: 'group discount → not covered', uncovered: true },
  { turns: ['any student discount on the jeans?'], kind: 'group discount → not covered', uncovered: true },
  {
    turns: ['新人券怎么领'],
    kind: 'group discount → not covered (neighbour: new customer)',
    articleId: 'kb-coupon-find',
  },
  {
    turns: ['老师您好，我的快递到哪了'],
    kind: 'group discount → not covered (steal: 老师 as address)',
    articleId: 'kb-track-order',
  },
  { turns: ['老年人买东西能打折吗'], kind: 'group discount → not covered', uncovered: true },
  {
    turns: ['order status has said processing for 2 days, when will it ship'],
    kind: 'still processing is no unseen topic',
    articleId: 'kb-shipping-time',
  },
  {
    turns: ['my return is still processing, where do I send the parcel'],
    kind: 'still processing is no unseen topic',
    articleId: 'kb-return-how-to',
  },
  {
    turns: ['凌晨两点下的单什么时候发'],
    kind: 'service at an hour / message left (steal: order at night)',
    articleId: 'kb-shipping-time',
  },
  {
    turns: ['我昨晚给客服留言了，什么时候有人回'],
    kind: 'service at an hour / message left',
    articleId: 'kb-service-hours',
  },
  {
    turns: ['can I talk to a real person at 8am'],
    kind: 'service at an hour / message left',
    articleId: 'kb-service-hours',
  },
  {
    turns: ['if I order at midnight does it ship the same day'],
    kind: 'service at an hour / message left (steal: order at night)',
    articleId: 'kb-shipping-time',
  },
  {
    turns: ['下单时留言备注了顺丰，会发顺丰吗'],
    kind: 'service at an hour / message left (steal: 留言 on order)',
    articleId: 'kb-shipping-carrier-fee',
  },
  {
    turns: ['晚上十点以后直播间领的券还能用吗'],
    kind: 'service at an hour / message left (steal: hour + live coupon)',
    articleId: 'kb-live-coupon-claim',
  },
  {
    turns: ['给客服留言一般多久回复'],
    kind: 'service at an hour / message left',
    articleId: 'kb-service-hours',
  },
  { turns: ['我的券过期了还能用吗'], kind: 'expired coupon is trouble', articleId: 'kb-coupon-not-working' },
  {
    turns: ['my points expired, can I get them back'],
    kind: 'expired coupon is trouble (steal: points)',
    articleId: 'kb-points-redeem',
  },
  {
    turns: ['积分过期了怎么办'],
    kind: 'expired coupon is trouble (steal: points)',
    articleId: 'kb-points-redeem',
  },
  { turns: ['敷了面膜以后脸变红了'], kind: 'went red is a reaction', intent: 'allergy_reaction' },
  {
    turns: ['the lipstick — is there a red shade?'],
    kind: 'went red is a reaction (steal: red as a colour; shades not listed)',
    productId: 'p-velvet-lipstick',
    uncovered: true,
    notIntent: ['allergy_reaction'],
  },
  {
    turns: ['口红有正红色吗'],
    kind: 'went red is a reaction (steal: red as a colour; shades not listed)',
    productId: 'p-velvet-lipstick',
    uncovered: true,
    notIntent: ['allergy_reaction'],
  },
  {
    turns: ['my skin turned red and itchy after the niacinamide serum'],
    kind: 'went red is a reaction',
    articleId: 'kb-niacinamide-tingling',
  },
  {
    turns: ['脸容易泛红，用哪款防晒'],
    kind: 'went red is a reaction (steal: redness as skin type)',
    articleId: ['kb-sunscreen-choose', 'kb-routine-sensitive-skin'],
  },
  {
    turns: ['how soon does it ship when I pay on a Sunday'],
    kind: 'English not cut word by word',
    articleId: 'kb-shipping-time',
  },
  {
    turns: ['can I return the nuts if I already opened the bag'],
    kind: 'English not cut word by word',
    articleId: 'kb-return-exceptions',
  },
  {
    turns: ['is the leather tote ok when it gets caught in the rain'],
    kind: 'English not cut word by word',
    articleId: 'kb-leather-tote-care',
  },
  {
    turns: ['which diaper size for a baby of 10 kg'],
    kind: 'English not cut word by word',
    intent: 'size_advice',
    productId: 'p-diapers',
  },
  { turns: ['怎么开发票'], kind: 'invoice', articleId: 'kb-invoice-apply' },
  { turns: ['公司报销要专票，需要什么资料'], kind: 'invoice', articleId: 'kb-invoice-vat-special' },
  { turns: ['进口奶粉能开发票吗'], kind: 'invoice', articleId: 'kb-invoice-crossborder' },
  { turns: ['跨境的奶粉要交多少税'], kind: 'cross-border', articleId: 'kb-crossborder-tax-calc' },
  { turns: ['花呗能分几期'], kind: 'payment', articleId: 'kb-installment' },
  { turns: ['付款一直不成功'], kind: 'payment', articleId: 'kb-payment-failed' },
  { turns: ['I was charged twice for one order'], kind: 'payment', articleId: 'kb-double-charge' },
  { turns: ['价保在哪申请'], kind: 'price protection', articleId: 'kb-price-protection-apply' },
  {
    turns: ['我160cm 50公斤，碎花裙穿什么码'],
    kind: 'size',
    intent: 'size_advice',
    productId: 'p-floral-dress',
  },
  { turns: ['每日坚果含花生吗'], kind: 'product fact', productId: 'p-daily-nuts' },
  { turns: ['牛肉干多少钱'], kind: 'product fact', productId: 'p-beef-jerky', attribute: 'price' },
  { turns: ['托特包能放下13寸电脑吗'], kind: 'product fact', productId: 'p-leather-tote' },
  { turns: ['do you sell phone cases'], kind: "don't carry", uncovered: true },
  { turns: ['有卖男士剃须刀吗'], kind: "don't carry", uncovered: true },
  { turns: ['金卡怎么升级'], kind: 'membership', articleId: 'kb-member-levels' },
  { turns: ['积分能抵多少钱'], kind: 'membership', articleId: 'kb-points-redeem' },
  { turns: ['奶粉用多少度的水冲'], kind: 'usage', articleId: 'kb-formula-prep' },
  { turns: ['奶粉开罐后能放多久', '能放冰箱吗'], kind: 'follow-up', productId: 'p-au-formula' },
  {
    turns: ['牛仔裤会掉色吗', '那可以烘干吗'],
    kind: 'follow-up',
    productId: 'p-straight-jeans',
    notArticle: ['kb-return-policy'],
  },
  {
    turns: ['羊毛开衫怎么洗', '起球了怎么办'],
    kind: 'follow-up',
    intent: 'care_instructions',
    productId: 'p-wool-cardigan',
  },
  {
    turns: ['两款防晒选哪个', '我是敏感肌'],
    kind: 'follow-up',
    articleId: ['kb-sunscreen-choose', 'kb-routine-sensitive-skin'],
  },
  { turns: ['跨境奶粉能退吗', '税会退吗'], kind: 'follow-up', articleId: 'kb-crossborder-return' },
  { turns: ['订单还没发货', '能取消吗'], kind: 'follow-up', articleId: 'kb-order-cancel' },
  { turns: ['where is my parcel'], kind: 'logistics', articleId: 'kb-track-order' },
  { turns: ["tracking hasn't updated for 4 days"], kind: 'logistics', articleId: 'kb-logistics-stalled' },
  { turns: ['how do I change my delivery address'], kind: 'address', articleId: 'kb-address-change' },
  { turns: ['定金能退吗'], kind: 'presale', articleId: 'kb-presale-deposit' },
  { turns: ['临期的东西能退吗'], kind: 'shelf life', articleId: 'kb-near-expiry-deals' },
  { turns: ['面膜一次敷多久', '一周能敷几次'], kind: 'follow-up', articleId: 'kb-mask-usage' },
  {
    turns: ['我是干皮', '推荐一套护肤品', '面霜白天能用吗'],
    kind: 'follow-up (3 turns)',
    articleId: ['kb-cream-usage'],
    productId: 'p-hyaluronic-cream',
  },
  {
    turns: ['牛仔裤买小了', '想换的28码没货了怎么办'],
    kind: 'follow-up',
    articleId: 'kb-exchange-out-of-stock',
  },
  {
    turns: ['直播间比我在App买的便宜', '已经收到货了怎么办'],
    kind: 'follow-up',
    articleId: ['kb-live-price-difference', 'kb-return-policy'],
  },
  { turns: ['物理防晒要卸妆吗'], kind: 'usage', articleId: 'kb-sunscreen-sensitive-usage' },
  { turns: ['转人工'], kind: 'person', action: 'escalate' },
  {
    turns: ['碎花裙有几个码', '买了M码，能换成L码吗'],
    kind: 'order change / product in focus (neighbour: exchange of the product in focus)',
    articleId: 'kb-exchange-size',
  },
  {
    turns: ['开衫买大了', '能换小一码吗'],
    kind: 'order change / product in focus (neighbour: exchange of the product in focus)',
    articleId: 'kb-exchange-size',
  },
  {
    turns: ['the jeans, do they stretch', 'can I swap to a bigger size after delivery'],
    kind: 'order change / product in focus (neighbour: exchange)',
    articleId: 'kb-exchange-size',
  },
  {
    turns: ['面霜多少钱', '下单后能改地址吗'],
    kind: 'order change / product in focus (neighbour)',
    articleId: 'kb-address-change',
  },
  {
    turns: ['包裹没破，但是发错颜色了'],
    kind: 'parcel damaged or short (+ place)',
    articleId: 'kb-damaged-or-missing',
  },
  {
    turns: ['纸尿裤破了个洞'],
    kind: 'parcel damaged or short (+ place) (neighbour: product defect)',
    intent: 'return_request',
  },
  {
    turns: ['大促期间还有价保吗'],
    kind: 'event schedule → not covered (neighbour)',
    articleId: 'kb-price-protection',
  },
  {
    turns: ['学生党油皮适合用哪款洗面奶'],
    kind: 'group discount → not covered (steal: student, product)',
    productId: 'p-amino-cleanser',
  },
  {
    turns: ['给老人买开衫，L码胸围多少'],
    kind: 'group discount → not covered (steal: elder, size)',
    intent: 'size_advice',
    productId: 'p-wool-cardigan',
  },
  {
    turns: ['do members get free shipping'],
    kind: 'group discount → not covered (neighbour: member)',
    articleId: ['kb-member-levels', 'kb-shipping-carrier-fee'],
  },
  {
    turns: ['晚上几点前下单当天能发'],
    kind: 'service at an hour / message left (steal: hour + dispatch)',
    articleId: 'kb-shipping-time',
  },
  { turns: ['客服晚上几点下班'], kind: 'service at an hour / message left', articleId: 'kb-service-hours' },
  {
    turns: ['what time does customer service close'],
    kind: 'service at an hour / message left',
    articleId: 'kb-service-hours',
  },
  {
    turns: ['晚上11点还有客服在吗'],
    kind: 'service at an hour / message left',
    articleId: 'kb-service-hours',
  },
  {
    turns: ['does the new customer coupon expire'],
    kind: 'expired coupon is trouble (neighbour: validity asked)',
    articleId: 'kb-coupon-find',
  },
  {
    turns: ['优惠券领了多久过期'],
    kind: 'expired coupon is trouble (neighbour: validity asked)',
    articleId: ['kb-coupon-find'],
  },
  {
    turns: ['积分什么时候过期'],
    kind: 'expired coupon is trouble (neighbour: points)',
    articleId: 'kb-points-redeem',
  },
  {
    turns: ['my voucher expired yesterday, is there any way to use it'],
    kind: 'expired coupon is trouble',
    articleId: 'kb-coupon-not-working',
  },
  {
    turns: ['优惠券已过期，订单退款了能还给我吗'],
    kind: 'expired coupon is trouble',
    articleId: 'kb-coupon-not-working',
  },
  {
    turns: ['红色的口红显白吗'],
    kind: 'went red is a reaction (steal: red as a colour; shades not listed)',
    productId: 'p-velvet-lipstick',
    uncovered: true,
    notIntent: ['allergy_reaction'],
  },
  {
    turns: ['碎花裙有红色的吗'],
    kind: 'went red is a reaction (steal: red as a colour; shades not listed)',
    productId: 'p-floral-dress',
    uncovered: true,
    notIntent: ['allergy_reaction'],
  },
  { turns: ['面膜敷完脸红红的正常吗'], kind: 'went red is a reaction', intent: 'allergy_reaction' },
  { turns: ['when do you ship'], kind: 'English not cut word by word', articleId: 'kb-shipping-time' },
  {
    turns: ['if the coupon does not work at checkout, what should I do'],
    kind: 'English not cut word by word',
    articleId: 'kb-coupon-not-working',
  },
  {
    turns: ['when will my refund arrive after you receive the return'],
    kind: 'English not cut word by word',
    articleId: 'kb-refund-arrival',
  },
  {
    turns: ['can I pay in instalments when the order is over 300'],
    kind: 'English not cut word by word',
    articleId: 'kb-installment',
  },
  {
    turns: ['大促什么时候开始？满多少包邮'],
    kind: 'event schedule → not covered (steal: second ask = shipping fee)',
    articleId: 'kb-shipping-carrier-fee',
  },
  {
    turns: ['今晚直播几点开始，直播间买的能开发票吗'],
    kind: 'event schedule → not covered (steal: second ask = invoice)',
    articleId: 'kb-invoice-apply',
  },
  {
    turns: ['医生说要用无香精的洗面奶，你们的便宜吗'],
    kind: 'group discount → not covered (steal: doctor + 便宜 about a product)',
    productId: 'p-amino-cleanser',
  },
  {
    turns: ['半夜咨询的问题，第二天几点回复'],
    kind: 'service at an hour / message left',
    articleId: 'kb-service-hours',
  },
  {
    turns: ['价保期过期了还能申请吗'],
    kind: 'expired coupon is trouble (steal: price-protection window)',
    articleId: ['kb-price-protection', 'kb-price-protection-apply'],
  },
  {
    turns: ['收到的纸尿裤老是侧漏'],
    kind: 'parcel damaged or short (+ place) (steal: 收到 + leak in use)',
    articleId: 'kb-diaper-leak',
  },
  {
    turns: ['收到的牛仔裤一洗就掉色'],
    kind: 'parcel damaged or short (+ place) (steal: 收到 + fading)',
    articleId: 'kb-jeans-fading',
  },
  { turns: ['收到的坚果受潮变软了'], kind: 'parcel damaged or short (+ place)', intent: 'return_request' },
  {
    turns: ['口红多少钱', '我下单选错了颜色，还没发货，能改吗'],
    kind: 'order change / product in focus',
    articleId: 'kb-order-cancel',
  },
  {
    turns: ['开衫是羊毛的吗', '订单里选的尺码能改成M吗'],
    kind: 'order change / product in focus',
    articleId: ['kb-order-cancel'],
  },
  {
    turns: ['my face went red in the sun, which sunscreen is better'],
    kind: 'went red is a reaction (steal: sunburn + recommendation)',
    productId: 'p-sunscreen-sensitive',
  },
  // Fixed at stop 28 by the lead (the four bot-i regressions and one older break), moved from the
  // known lists with their expectations unchanged.
  {
    turns: ["can I change the dress in my order to a bigger size? it hasn't shipped yet"],
    kind: 'order change / product in focus',
    articleId: ['kb-order-cancel', 'kb-exchange-size'],
    now: 'answer size_advice p-floral-dress sizeChart (0.23)',
    before: 'answer size_advice p-floral-dress sizeChart (0.23)',
    origin: 'before',
    cause:
      'bot-i rule 1 (order change drops the product in focus) reaches only a change that names no product',
  },
  {
    turns: ['包裹没有破损，就是还没到，寄到武汉的'],
    kind: 'parcel damaged or short (+ place) (steal: negated damage)',
    articleId: ['kb-delivery-eta', 'kb-logistics-stalled', 'kb-track-order'],
    now: 'ticket return_request kb-damaged-or-missing (0.43)',
    before: 'answer logistics_query kb-logistics-stalled (0.43)',
    origin: 'regression',
    cause:
      'bot-i rule 2 (parcel trouble): 包裹/寄到 + extractReason reads 破损 although negated (没有破损) → a damage ticket',
  },
  {
    turns: ['my face went red after the sunscreen'],
    kind: 'went red is a reaction',
    intent: 'allergy_reaction',
    now: 'answer skin_recommendation kb-sunscreen-choose (0.32)',
    before: 'clarify (0.1)',
    origin: 'regression',
    cause:
      'bot-i rule 9 (went/turned red → 泛红 gloss): 泛红 now matches the "皮肤容易泛红推荐什么" question of the sunscreen/sensitive-skin articles → a recommendation, not the reaction',
  },
  {
    turns: ['老师，优惠券和满减能一起用吗'],
    kind: 'group discount → not covered (steal: 老师 as address + discount)',
    articleId: 'kb-coupon-stacking',
    now: 'clarify (0.1)',
    before: 'answer coupon_usage kb-coupon-stacking (1)',
    origin: 'regression',
    cause: 'bot-i rule 4 (discountGroup): 老师 used as a form of address + 优惠券 → "not covered"',
  },
  {
    turns: ['预售的奶粉什么时候有货'],
    kind: 'event schedule → not covered (steal: presale stock/dispatch)',
    articleId: 'kb-shipping-time',
    now: 'clarify p-au-formula (0.1)',
    before: 'answer shipping_time kb-shipping-time p-au-formula (0.95)',
    origin: 'regression',
    cause:
      'bot-i rule 3 (asksEventSchedule): 预售 + 什么时候 + 有 (EVENT_HAPPENS); 有货 is not in EVENT_OTHER → "not covered" + the product\'s facts',
  },
  // Fixed by bot-j (moved from KNOWN_BREAKS / KNOWN_MISSES, expectations unchanged).
  {
    turns: ['I ordered the jeans in 27, can I change it to 28 before it ships?'],
    kind: 'order change / product in focus',
    articleId: ['kb-order-cancel', 'kb-exchange-size'],
    now: 'answer shipping_time kb-shipping-time p-straight-jeans (0.5)',
    before: 'answer shipping_time kb-shipping-time p-straight-jeans (0.5)',
    origin: 'before',
    cause:
      'bot-i rule 1 (order change drops the product in focus) reaches only a change that names no product',
  },
  {
    turns: ['I want to swap the lipstick in my order for the cushion'],
    kind: 'order change / product in focus',
    articleId: 'kb-order-cancel',
    now: 'answer payment_issue kb-payment-failed (0.51)',
    before: 'answer payment_issue kb-payment-failed (0.51)',
    origin: 'before',
    cause:
      'bot-i rule 1 (order change drops the product in focus) reaches only a change that names no product',
  },
  {
    turns: ['牛肉干辣不辣', '订单里的牛肉干能改成两袋吗'],
    kind: 'order change / product in focus',
    articleId: 'kb-order-cancel',
    now: 'answer payment_issue kb-payment-failed p-beef-jerky (0.23)',
    before: 'answer payment_issue kb-payment-failed p-beef-jerky (0.23)',
    origin: 'before',
    cause:
      'bot-i rule 1 (order change drops the product in focus) reaches only a change that names no product (a quantity change)',
  },
  {
    turns: ['纸尿裤M码是多少公斤的', '宝宝长得快，下单的M码能换成L码吗'],
    kind: 'order change / product in focus',
    articleId: ['kb-order-cancel', 'kb-exchange-size'],
    now: 'answer exchange_size kb-exchange-out-of-stock p-diapers (0.55)',
    before: 'answer exchange_size kb-exchange-out-of-stock p-diapers (0.55)',
    origin: 'before',
    cause:
      'bot-i rule 1 (order change drops the product in focus) reaches only a change that names no product',
  },
  {
    turns: ['我想退货', '运费谁出'],
    kind: 'follow-up',
    articleId: 'kb-return-shipping-fee',
    now: 'answer shipping_time kb-shipping-carrier-fee (1)',
    before: 'answer shipping_time kb-shipping-carrier-fee (1)',
    origin: 'before',
    cause: 'follow-up 运费谁出 after 我想退货 → outbound shipping fees (the return is forgotten)',
  },
  {
    turns: ['退货寄回去了', '钱多久到账'],
    kind: 'follow-up',
    articleId: 'kb-refund-arrival',
    now: 'answer price_protection kb-price-protection-apply (0.51)',
    before: 'answer price_protection kb-price-protection-apply (0.51)',
    origin: 'before',
    cause: 'follow-up 钱多久到账 after 退货寄回去了 → price-protection refund',
  },
  {
    turns: ['奶粉怎么冲', '订单里能改成两罐吗'],
    kind: 'order change / product in focus',
    articleId: 'kb-order-cancel',
    now: 'answer payment_issue kb-payment-failed p-au-formula (0.28)',
    before: 'answer payment_issue kb-payment-failed p-au-formula (0.28)',
    origin: 'before',
    cause:
      'bot-i rule 1 (order change drops the product in focus) reaches only a change that names no product (a quantity change)',
  },
  {
    turns: ['我下单时留言要发顺丰，多久能处理'],
    kind: 'service at an hour / message left (steal: order note)',
    articleId: 'kb-shipping-carrier-fee',
    now: 'answer kb-service-hours (0.86)',
    before: 'answer shipping_time kb-shipping-time (0.86)',
    origin: 'changed',
    cause:
      'bot-i rule 6 (asksServiceAtHour): an order note (下单时留言) + 多久…处理 is read as a message left for the service',
  },
  {
    turns: ['牛仔裤27码和28码腰围差多少', '那我订单里的27码能改成28码吗'],
    kind: 'order change / product in focus',
    articleId: ['kb-order-cancel', 'kb-exchange-size'],
    now: 'clarify (0.06)',
    before: 'clarify (0.06)',
    origin: 'before',
    cause:
      'bot-i rule 1 (order change drops the product in focus) reaches only a change that names no product; here the follow-up names none but still clarifies',
  },
  {
    turns: ['面霜开封后能放多久', '能帮我把订单里的面霜换成精华吗'],
    kind: 'order change / product in focus',
    articleId: 'kb-order-cancel',
    now: 'clarify p-hyaluronic-cream (0.1)',
    before: 'clarify p-hyaluronic-cream (0.1)',
    origin: 'before',
    cause:
      'bot-i rule 1 (order change drops the product in focus) reaches only a change that names no product',
  },
  {
    turns: ['I left a note on my order asking for SF Express, will you send it that way?'],
    kind: 'service at an hour / message left (steal: note left)',
    articleId: 'kb-shipping-carrier-fee',
    now: 'clarify (0.1)',
    before: 'clarify (0.1)',
    origin: 'before',
  },
];

describe('review-i guards: bot-i rules and their neighbours, ordinary shopping', () => {
  it.each(GUARDS.map((c) => [c.turns.join(' / '), c] as const))('%s', (_label, c) => check(c));
});

// ---------------------------------------------------------------------------------------------
// KNOWN_BREAKS — NOT run. Confident wrong answers on main (93c1a34): an article, product fact,
// ticket or decline that does not answer the question (47 of 210 at 93c1a34; 44 left; 36 after bot-j).
// ---------------------------------------------------------------------------------------------

export const KNOWN_BREAKS: ReviewICase[] = [
  {
    turns: ['the parcel I got in Beijing had the face cream jar cracked'],
    kind: 'parcel damaged or short (+ place)',
    articleId: 'kb-damaged-or-missing',
    now: 'answer return_request p-hyaluronic-cream (0.5)',
    before: 'answer return_request p-hyaluronic-cream (0.5)',
    origin: 'before',
    cause: 'rule 2 misses English "cracked" (no damage word) → the broke-in-use reply, no article',
  },
  {
    turns: ['包裹寄到南京了，不想要了能退吗'],
    kind: 'parcel damaged or short (+ place) (steal: 寄到 + return)',
    articleId: ['kb-return-policy', 'kb-return-how-to'],
    now: 'answer return_request kb-return-exceptions (0.75)',
    before: 'answer return_request kb-return-exceptions (0.75)',
    origin: 'before',
    cause: 'no-reason return after arrival → the opened-goods exceptions',
  },
  {
    turns: ['寄到苏州的快递里少了赠品'],
    kind: 'parcel damaged or short (+ place)',
    articleId: 'kb-damaged-or-missing',
    now: 'answer logistics_query kb-track-order (0.39)',
    before: 'answer logistics_query kb-track-order (0.39)',
    origin: 'before',
    cause: 'rule 2 misses a short parcel whose missing item is the gift (少了赠品)',
  },
  {
    turns: ['the package came to my Shenzhen office, can I return it if I just do not like it'],
    kind: 'parcel damaged or short (+ place) (steal: arrival + return)',
    articleId: ['kb-return-policy', 'kb-return-how-to'],
    now: 'answer logistics_query kb-track-order (0.73)',
    before: 'answer logistics_query kb-track-order (0.73)',
    origin: 'before',
    cause: 'English arrival + return → tracking',
  },
  {
    turns: ['下次直播是哪天'],
    kind: 'event schedule → not covered',
    uncovered: true,
    now: 'answer price_protection kb-live-price-difference (0.25)',
    before: 'answer price_protection kb-live-price-difference (0.25)',
    origin: 'before',
    cause: 'rule 3 needs a happening verb; 下次直播是哪天 has none → the live-price article',
  },
  {
    turns: ['老师，物理防晒孕妇能用吗'],
    kind: 'group discount → not covered (steal: 老师 as address)',
    articleId: ['kb-pregnancy-skincare'],
    now: 'answer product_usage p-sunscreen-sensitive (1)',
    before: 'answer product_usage p-sunscreen-sensitive (1)',
    origin: 'before',
    cause:
      'pregnancy asked of a product → "its name says sun protection, so yes" (allergenNotes say 孕期、哺乳期可用; the pregnancy article answers)',
  },
  {
    turns: ["what's the status of my size exchange"],
    kind: 'still processing is no unseen topic',
    articleId: ['kb-exchange-how-to', 'kb-exchange-size'],
    now: 'answer exchange_size kb-exchange-out-of-stock (0.83)',
    before: 'answer exchange_size kb-exchange-out-of-stock (0.83)',
    origin: 'before',
    cause: '"status" of an exchange → the out-of-stock exchange article',
  },
  {
    turns: ['半夜宝宝纸尿裤漏了怎么办'],
    kind: 'service at an hour / message left (steal: night + product)',
    articleId: 'kb-diaper-leak',
    now: 'answer return_request p-diapers (0.5)',
    before: 'answer return_request p-diapers (0.5)',
    origin: 'before',
    cause: '纸尿裤漏了 → the broke-in-normal-use reply (the diaper-leak article says 漏尿/侧漏)',
  },
  {
    turns: ['早上七点有客服吗'],
    kind: 'service at an hour / message left',
    articleId: 'kb-service-hours',
    now: 'answer greeting kb-welcome (0.78)',
    before: 'answer greeting kb-welcome (0.78)',
    origin: 'before',
    cause: 'rule 6 has no morning hour: 早上七点有客服吗 → the welcome article',
  },
  {
    turns: ['退款以后已经过期的优惠券会退回吗'],
    kind: 'expired coupon is trouble',
    articleId: 'kb-coupon-not-working',
    now: 'answer coupon_usage kb-coupon-find (0.9)',
    before: 'answer coupon_usage kb-coupon-find (0.9)',
    origin: 'before',
    cause: 'rule 7 misses 已经过期的优惠券 (没有 了 after 过期) → coupon-find',
  },
  {
    turns: ['收到的面膜已经过期了'],
    kind: 'expired coupon is trouble (steal: goods expired)',
    articleId: [
      'kb-damaged-or-missing',
      'kb-expiry-date-check',
      'kb-return-exceptions',
      'kb-near-expiry-deals',
    ],
    notIntent: ['coupon_usage'],
    now: 'answer shelf_life p-cica-mask shelfLife (0.43)',
    before: 'answer shelf_life p-cica-mask shelfLife (0.43)',
    origin: 'before',
    cause: "goods received expired → the product's shelf life",
  },
  {
    turns: ['新人券过期了能补发吗'],
    kind: 'expired coupon is trouble',
    articleId: 'kb-coupon-not-working',
    now: 'answer coupon_usage kb-coupon-find (1)',
    before: 'answer coupon_usage kb-coupon-find (1)',
    origin: 'before',
    cause: 'rule 7 does not win over 新人券 → coupon-find at 1.0',
  },
  {
    turns: ['the nuts I got are already expired'],
    kind: 'expired coupon is trouble (steal: goods expired)',
    articleId: [
      'kb-damaged-or-missing',
      'kb-expiry-date-check',
      'kb-return-exceptions',
      'kb-near-expiry-deals',
    ],
    notIntent: ['coupon_usage'],
    now: 'answer shelf_life p-daily-nuts shelfLife (1)',
    before: 'answer shelf_life p-daily-nuts shelfLife (1)',
    origin: 'before',
    cause: "goods received expired → the product's shelf life",
  },
  {
    turns: ['are your products genuine'],
    kind: 'authenticity',
    articleId: 'kb-authenticity',
    now: 'decline (0)',
    before: 'decline (0)',
    origin: 'before',
    cause: '"are your products genuine" declined as outside the shop',
  },
  {
    turns: ['小白瓶怎么用', '孕妇能用吗'],
    kind: 'follow-up',
    articleId: ['kb-pregnancy-skincare'],
    notIntent: ['product_usage'],
    now: 'answer ingredients p-niacinamide-serum ingredients (1)',
    before: 'answer ingredients p-niacinamide-serum ingredients (1)',
    origin: 'before',
    cause:
      'follow-up 孕妇能用吗 after the serum → its ingredients (the pregnancy article says ask a doctor for niacinamide)',
  },
  {
    turns: ['is shipping to Xinjiang free'],
    kind: 'shipping',
    articleId: 'kb-shipping-carrier-fee',
    now: 'answer shipping_time kb-delivery-eta (1)',
    before: 'answer shipping_time kb-delivery-eta (1)',
    origin: 'before',
    cause: 'free shipping to Xinjiang → delivery times',
  },
  {
    turns: ['用了精华脸刺痛', '能退吗'],
    kind: 'follow-up',
    articleId: ['kb-niacinamide-tingling', 'kb-allergy-first-aid'],
    now: 'answer return_request kb-return-exceptions p-niacinamide-serum (1)',
    before: 'answer return_request kb-return-exceptions p-niacinamide-serum (1)',
    origin: 'before',
    cause:
      'follow-up 能退吗 after a sting from the serum → opened goods not returnable (the reaction articles: returnable with a diagnosis)',
  },
  {
    turns: ['收到的托特包带子断了'],
    kind: 'parcel damaged or short (+ place)',
    articleId: 'kb-damaged-or-missing',
    now: 'answer return_request p-leather-tote (0.5)',
    before: 'answer return_request p-leather-tote (0.5)',
    origin: 'before',
    cause: 'a strap broken on arrival (收到…断了) → the broke-in-use reply, no article',
  },
  {
    turns: ['寄到北京的快递丢了'],
    kind: 'parcel damaged or short (+ place) (steal: lost is no short parcel)',
    articleId: ['kb-logistics-stalled', 'kb-signed-not-received'],
    now: 'answer shipping_time kb-delivery-eta (0.51)',
    before: 'answer shipping_time kb-delivery-eta (0.51)',
    origin: 'before',
    cause: 'a lost parcel (快递丢了) → delivery times',
  },
  {
    turns: ['收到了，包装完好，怎么申请开票'],
    kind: 'parcel damaged or short (+ place) (steal: 收到 + intact)',
    articleId: 'kb-invoice-apply',
    now: 'answer return_request kb-return-policy (0.45)',
    before: 'answer return_request kb-return-policy (0.45)',
    origin: 'before',
    cause: '收到 + 包装完好 + invoice → the return policy',
  },
  {
    turns: ['the box arrived in Beijing with nothing broken, how do I get an invoice'],
    kind: 'parcel damaged or short (+ place) (steal: negated damage)',
    articleId: 'kb-invoice-apply',
    now: 'answer return_request (0.5)',
    before: 'answer return_request (0.5)',
    origin: 'before',
    cause: '"nothing broken" + invoice → "sorry it broke"',
  },
  {
    turns: ['寄到上海的快递外箱压扁了，东西倒是没坏，还能无理由退吗'],
    kind: 'parcel damaged or short (+ place) (steal: box dented, asks return)',
    articleId: ['kb-return-policy'],
    now: 'answer return_request kb-damaged-or-missing (0.91)',
    before: 'answer return_request kb-return-exceptions (0.91)',
    origin: 'changed',
    cause: 'bot-i rule 2: 外箱压扁了 read as damage although 东西没坏; the question is the no-reason return',
  },
  {
    turns: ['直播间买的东西什么时候发货'],
    kind: 'event schedule → not covered (steal: live + dispatch)',
    articleId: 'kb-shipping-time',
    now: 'answer coupon_usage kb-live-coupon-claim (0.23)',
    before: 'answer coupon_usage kb-live-coupon-claim (0.23)',
    origin: 'before',
    cause: 'live purchase + dispatch → the live-coupon article',
  },
  {
    turns: ['during the presale can I use coupons'],
    kind: 'event schedule → not covered (steal: presale + coupon)',
    articleId: 'kb-coupon-stacking',
    now: 'answer coupon_usage kb-coupon-find (1)',
    before: 'answer coupon_usage kb-coupon-find (1)',
    origin: 'before',
    cause: 'presale + coupons → the coupon-find article',
  },
  {
    turns: ['直播今晚几点开始？在哪里领券'],
    kind: 'event schedule → not covered (two asks: time uncovered + coupon)',
    articleId: 'kb-live-coupon-claim',
    now: 'answer coupon_usage kb-coupon-find (0.37)',
    before: 'answer coupon_usage kb-coupon-find (0.37)',
    origin: 'before',
    cause: 'live time + where to claim the coupon → coupon-find, not the live-coupon article',
  },
  {
    turns: ['孕妇有优惠吗'],
    kind: 'group discount → not covered',
    uncovered: true,
    now: 'answer ingredients kb-pregnancy-skincare (0.46)',
    before: 'answer ingredients kb-pregnancy-skincare (0.46)',
    origin: 'before',
    cause: 'rule 4 yields because 孕妇 appears in the pregnancy article (as users, not as a discount group)',
  },
  {
    turns: ['物理防晒孕妇能用吗'],
    kind: 'group discount → not covered (control for 老师 case)',
    articleId: ['kb-pregnancy-skincare'],
    now: 'answer product_usage p-sunscreen-sensitive (1)',
    before: 'answer product_usage p-sunscreen-sensitive (1)',
    origin: 'before',
    cause: 'pregnancy asked of a product → "its name says sun protection, so yes"',
  },
  {
    turns: ['纸尿裤漏了怎么办'],
    kind: 'service at an hour / message left (control for 半夜 case)',
    articleId: 'kb-diaper-leak',
    now: 'answer return_request p-diapers (0.5)',
    before: 'answer return_request p-diapers (0.5)',
    origin: 'before',
    cause: '纸尿裤漏了 → the broke-in-normal-use reply (the diaper-leak article says 漏尿/侧漏)',
  },
  {
    turns: ['what happens if the courier loses my parcel'],
    kind: 'English not cut word by word',
    articleId: ['kb-logistics-stalled', 'kb-signed-not-received'],
    now: 'answer logistics_query kb-track-order (1)',
    before: 'answer logistics_query kb-track-order (1)',
    origin: 'before',
    cause: 'a lost parcel → tracking',
  },
  {
    turns: ['今天直播间卖的是正品吗'],
    kind: 'event schedule → not covered (steal: live + authenticity)',
    articleId: 'kb-authenticity',
    now: 'answer price_protection kb-live-price-difference (0.3)',
    before: 'answer price_protection kb-live-price-difference (0.3)',
    origin: 'before',
    cause: 'live + authenticity → the live-price article',
  },
  {
    turns: ['孕妇用的防晒有优惠吗'],
    kind: 'group discount → not covered (group named in notes + product)',
    uncovered: true,
    now: 'answer ingredients kb-pregnancy-skincare (0.6)',
    before: 'answer ingredients kb-pregnancy-skincare (0.6)',
    origin: 'before',
    cause: 'rule 4 yields because 孕妇 appears in the pregnancy article (as users, not as a discount group)',
  },
  {
    turns: ['身份证过期了还能买跨境奶粉吗'],
    kind: 'expired coupon is trouble (steal: ID expired)',
    articleId: 'kb-crossborder-quota',
    now: 'answer shelf_life p-au-formula shelfLife (0.5)',
    before: 'answer shelf_life p-au-formula shelfLife (0.5)',
    origin: 'before',
    cause: "an ID card expired → the formula's shelf life",
  },
  {
    turns: ['7天退货期已经过期了还能退吗'],
    kind: 'expired coupon is trouble (steal: return window)',
    articleId: 'kb-return-policy',
    now: 'answer return_request kb-return-exceptions (0.56)',
    before: 'answer return_request kb-return-exceptions (0.56)',
    origin: 'before',
    cause: 'the return window passed → the unopened-goods exceptions',
  },
  {
    turns: ['my gold membership expired, do I lose the discount'],
    kind: 'expired coupon is trouble (steal: membership)',
    articleId: 'kb-member-levels',
    now: 'answer coupon_usage kb-coupon-not-working (0.69)',
    before: 'answer coupon_usage kb-coupon-stacking (0.69)',
    origin: 'changed',
    cause:
      'bot-i rule 7 (expired in TROUBLE_STATED): any expired thing (a membership) goes to the coupon-trouble article',
  },
  {
    turns: ['包裹到了，但是里面没有发票'],
    kind: 'parcel damaged or short (+ place) (steal: no invoice in the box)',
    articleId: 'kb-invoice-apply',
    now: 'answer logistics_query kb-track-order (0.56)',
    before: 'answer logistics_query kb-track-order (0.56)',
    origin: 'before',
    cause: 'no invoice in the parcel → tracking',
  },
  {
    turns: ['面霜适合干皮吗', '那换成敏感肌用的防晒呢'],
    kind: 'order change / product in focus (steal: 换成 is a new product asked)',
    productId: 'p-sunscreen-sensitive',
    now: 'answer skin_recommendation kb-routine-dry-skin p-hyaluronic-cream (0.82)',
    before: 'answer skin_recommendation kb-routine-dry-skin p-hyaluronic-cream (0.82)',
    origin: 'before',
    cause: 'follow-up 那换成…防晒呢 keeps the cream in focus',
  },
];

// ---------------------------------------------------------------------------------------------
// KNOWN_MISSES — NOT run. An honest "not covered", an ask-back or a bare hand-over where the notes
// do answer (30 of 210 at 93c1a34; 28 left; 25 after bot-j). Less harmful than a break, still a miss.
// ---------------------------------------------------------------------------------------------

export const KNOWN_MISSES: ReviewICase[] = [
  {
    turns: ['the stream tonight — is the price the same as in the app?'],
    kind: 'event schedule → not covered (steal: live price)',
    articleId: 'kb-live-price-difference',
    now: 'clarify (0.1)',
    before: 'clarify (0.1)',
    origin: 'before',
  },
  {
    turns: ['I am a teacher, does the baby wash sting the eyes?'],
    kind: 'group discount → not covered (steal: teacher, product fact)',
    productId: 'p-baby-wash',
    now: 'clarify p-baby-wash (0.1)',
    before: 'clarify p-baby-wash (0.1)',
    origin: 'before',
  },
  {
    turns: ['my refund is still pending, when will the money arrive'],
    kind: 'still processing is no unseen topic',
    articleId: 'kb-refund-arrival',
    now: 'clarify (0.1)',
    before: 'answer shipping_time kb-shipping-time (0.63)',
    origin: 'before',
  },
  {
    turns: ['退款一直在处理中'],
    kind: 'still processing is no unseen topic',
    articleId: 'kb-refund-arrival',
    now: 'clarify (0.12)',
    before: 'clarify (0.12)',
    origin: 'before',
  },
  {
    turns: ['invoice request still pending after 5 days'],
    kind: 'still processing is no unseen topic',
    articleId: 'kb-invoice-apply',
    now: 'clarify (0.1)',
    before: 'clarify (0.1)',
    origin: 'before',
  },
  {
    turns: ['price protection claim is still pending'],
    kind: 'still processing is no unseen topic',
    articleId: 'kb-price-protection-apply',
    now: 'clarify (0.1)',
    before: 'clarify (0.1)',
    origin: 'before',
  },
  {
    turns: ['晚上11点还有人工客服吗'],
    kind: 'service at an hour / message left',
    articleId: 'kb-service-hours',
    now: 'escalate human_agent (1)',
    before: 'escalate human_agent (1)',
    origin: 'before',
  },
  {
    turns: ['I left a review with photos, when do I get the points?'],
    kind: 'service at an hour / message left (steal: left + when)',
    articleId: 'kb-points-earn',
    now: 'clarify (0.1)',
    before: 'answer shipping_time kb-shipping-time (0.63)',
    origin: 'before',
  },
  {
    turns: ['the jeans turned my legs blue'],
    kind: 'went red is a reaction (neighbour: dye)',
    articleId: 'kb-jeans-fading',
    now: 'clarify p-straight-jeans (0.02)',
    before: 'clarify p-straight-jeans (0.02)',
    origin: 'before',
  },
  {
    turns: ["my baby's skin went red after the bath wash"],
    kind: 'went red is a reaction',
    articleId: 'kb-baby-rash',
    now: 'clarify (0.1)',
    before: 'clarify (0.1)',
    origin: 'before',
  },
  {
    turns: ['once I open the face cream, how long is it good for'],
    kind: 'English not cut word by word',
    productId: 'p-hyaluronic-cream',
    attribute: 'shelfLife',
    now: 'clarify p-hyaluronic-cream (0.1)',
    before: 'answer shipping_time kb-shipping-time p-hyaluronic-cream (0.52)',
    origin: 'before',
  },
  {
    turns: ['what should I do when the jeans bleed colour in the wash'],
    kind: 'English not cut word by word',
    articleId: 'kb-jeans-fading',
    now: 'clarify p-straight-jeans (0.1)',
    before: 'answer return_request kb-refund-arrival p-straight-jeans (0.32)',
    origin: 'before',
  },
  {
    turns: ['how many days until it arrives when I live in Guangzhou'],
    kind: 'English not cut word by word',
    articleId: 'kb-delivery-eta',
    now: 'clarify (0.1)',
    before: 'clarify (0.1)',
    origin: 'before',
  },
  {
    turns: ['what payment methods do you take', 'and for cross-border orders?'],
    kind: 'follow-up',
    articleId: 'kb-payment-methods',
    now: 'clarify (0.1)',
    before: 'clarify (0.1)',
    origin: 'before',
  },
  {
    turns: ['夜里十二点以后还能找人工吗'],
    kind: 'service at an hour / message left',
    articleId: 'kb-service-hours',
    now: 'escalate human_agent (1)',
    before: 'escalate human_agent (1)',
    origin: 'before',
  },
  {
    turns: ['if I message you at 1am, when will I get an answer'],
    kind: 'service at an hour / message left',
    articleId: 'kb-service-hours',
    now: 'clarify (0.1)',
    before: 'answer shipping_time kb-shipping-time (0.63)',
    origin: 'before',
  },
  {
    turns: ['my lips went red and swollen from the lipstick'],
    kind: 'went red is a reaction',
    articleId: 'kb-allergy-first-aid',
    now: 'clarify allergy_reaction p-velvet-lipstick (1)',
    before: 'clarify p-velvet-lipstick (0)',
    origin: 'changed',
    cause:
      'bot-i rule 9 reads the reaction now (intent allergy_reaction) but asks for the product although it is named',
  },
  {
    turns: ['秒杀买的面膜今天有寄出吗'],
    kind: 'event schedule → not covered (steal: flash-sale goods sent)',
    articleId: ['kb-shipping-time', 'kb-track-order'],
    now: 'clarify p-cica-mask (0.1)',
    before: 'clarify p-cica-mask (0.1)',
    origin: 'before',
  },
  {
    turns: ['给学生买的坚果，临期特价的能退吗'],
    kind: 'group discount → not covered (steal: student + 特价 in a return question)',
    articleId: 'kb-near-expiry-deals',
    now: 'clarify p-daily-nuts (0.1)',
    before: 'answer shelf_life p-daily-nuts shelfLife (0.94)',
    origin: 'before',
  },
  {
    turns: ['my doctor says I need a fragrance-free sunscreen, which one is cheaper'],
    kind: 'group discount → not covered (steal: doctor + cheaper)',
    articleId: ['kb-sunscreen-choose'],
    productId: ['p-sunscreen-sensitive', 'p-sunscreen-light'],
    now: 'clarify (0.1)',
    before: 'answer ingredients kb-pregnancy-skincare (0.39)',
    origin: 'before',
  },
  {
    turns: ['teacher here — are there any coupons for new customers'],
    kind: 'group discount → not covered (steal: teacher + new-customer coupon)',
    articleId: 'kb-coupon-find',
    now: 'clarify (0.1)',
    before: 'clarify (0.1)',
    origin: 'before',
  },
  {
    turns: ['the sunscreen — does it still protect at 3pm or should I reapply'],
    kind: 'service at an hour / message left (steal: hour + product use)',
    articleId: 'kb-sunscreen-light-usage',
    now: 'clarify (0.1)',
    before: 'clarify (0.1)',
    origin: 'before',
  },
  {
    turns: ['the parcel came but there was no paper invoice inside'],
    kind: 'parcel damaged or short (+ place) (steal: no invoice in the box)',
    articleId: 'kb-invoice-apply',
    now: 'clarify (0.1)',
    before: 'clarify (0.1)',
    origin: 'before',
  },
  {
    turns: ['my cheeks turned red after the mask, is that normal'],
    kind: 'went red is a reaction',
    intent: 'allergy_reaction',
    now: 'clarify allergy_reaction p-cica-mask (1)',
    before: 'clarify p-cica-mask colours (0.1)',
    origin: 'changed',
    cause:
      'bot-i rule 9 reads the reaction now (intent allergy_reaction) but asks for the product although it is named',
  },
  {
    turns: ['does the baby wash sting the eyes?'],
    kind: 'group discount → not covered (control for the teacher case)',
    productId: 'p-baby-wash',
    now: 'clarify p-baby-wash (0.1)',
    before: 'clarify p-baby-wash (0.1)',
    origin: 'before',
  },
];

describe('review-i known lists', () => {
  // The lists are data for the next session: every id they name must exist in the demo store, and
  // every case says where it came from, so a renamed article cannot silently orphan an expectation.
  it('name only articles and products the demo store has, and say their origin', () => {
    const knowledge = demoKnowledge();
    const articles = new Set(knowledge.articles.map((a) => a.id));
    const products = new Set(knowledge.products.map((p) => p.id));
    for (const c of [...GUARDS, ...KNOWN_BREAKS, ...KNOWN_MISSES]) {
      for (const a of [...anyOf(c.articleId ?? []), ...(c.notArticle ?? [])])
        expect(articles.has(a), `${c.turns.join(' / ')}: ${a}`).toBe(true);
      for (const p of anyOf(c.productId ?? []))
        expect(products.has(p), `${c.turns.join(' / ')}: ${p}`).toBe(true);
    }
    for (const c of [...KNOWN_BREAKS, ...KNOWN_MISSES]) expect(c.origin, c.turns.join(' / ')).toBeDefined();
    expect(GUARDS.length + KNOWN_BREAKS.length + KNOWN_MISSES.length).toBe(210);
  });
});
