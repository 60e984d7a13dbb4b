// review-j: a fresh reviewer's shopper turns against what bot-j landed (merged as bc171aa from
// 72dbd22): (1) an order change that names what the goods become (another product, a quantity, a
// size code) gets the cancel-before-dispatch article; (2) a short follow-up stays on the last matter
// (carriedMatter; the delivery-fee sense reads the last reading's name); (3) a note left with an order
// (下单时留言 / 订单备注 / "a note on my order") is no message to the service, and the note article
// answers what the note asks for. 206 cases (zh + en + mixed, typos, 1–2 turns) written from the demo
// store's articles and catalogue (/work/shared/demo-store), not from the engine's answers: each
// rule's edges (post-delivery exchanges and changes of use that rule 1 could steal; topic changes
// rule 2 must not hold; notes that are really messages or complaints) and ordinary shopping around them.
//
// GUARDS run: answered right on main (bc171aa) today. KNOWN_BREAKS (confident wrong answers, incl. an
// off-topic decline) and KNOWN_MISSES (a "not covered"/ask-back/bare hand-over where the notes do
// answer) are NOT run — they fail now on purpose. Each carries `now` (bc171aa), `before` (72dbd22,
// main before bot-j) and `origin`: regression = right before bot-j; worsened = an honest miss before,
// confident wrong now; changed = wrong/missed before too, differently now; before = the same answer
// before bot-j. `cause` names the bot-j rule where the answer changed. Counts: GUARDS 150 (11 of
// them bot-j regressions the lead fixed), KNOWN_BREAKS 40, KNOWN_MISSES 16 (see docs/notes/review-j.md
// for the before-bot-j figures).
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnswerEngine, EngineResult } from '../src/knowledge/engine/answer-engine';
import { converseWith, demoEngine } from './demo-engine';
import { demoKnowledge } from './demo-knowledge';

type OneOrMany = string | string[];

export interface ReviewJCase {
  /** The shopper's turns; the last answer is judged. */
  turns: string[];
  /** The bot-j rule whose edge the case sits on, or ordinary shopping. */
  kind: string;
  articleId?: OneOrMany;
  intent?: OneOrMany;
  productId?: OneOrMany;
  attribute?: OneOrMany;
  action?: OneOrMany;
  /** No article answers it: the notes do not cover it. */
  uncovered?: boolean;
  /** What must not answer (the reading a rule could steal it for). */
  notArticle?: string[];
  /** Known lists only: the answer on bc171aa, on 72dbd22, and where it came from. */
  now?: string;
  before?: string;
  origin?: 'regression' | 'worsened' | 'changed' | 'before';
  cause?: string;
}

let engine: AnswerEngine;
beforeAll(() => {
  engine = demoEngine();
});

const anyOf = (v: OneOrMany): string[] => (Array.isArray(v) ? v : [v]);

function check(c: ReviewJCase): void {
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
  else {
    // An ask-back, or an off-topic refusal, is no answer where the notes have one.
    expect(result.action, `${label}: answered, not asked back`).not.toBe('clarify');
    expect(result.action, `${label}: not refused as off-topic`).not.toBe('decline');
  }
  for (const a of c.notArticle ?? []) expect(result.articleId, `${label}: not ${a}`).not.toBe(a);
}

// ---------------------------------------------------------------------------------------------
// GUARDS — right on main bc171aa. Those not right before bot-j say so in a comment.
// ---------------------------------------------------------------------------------------------

const GUARDS: ReviewJCase[] = [
  {
    turns: ['订单里的口红能换成气垫吗'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: clarify null (0.19)
  },
  {
    turns: ['我刚下单的坚果想改成三袋'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: clarify null p-daily-nuts (0.11)
  },
  {
    turns: ['下单的牛仔裤能改成27码吗'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: answer kb-address-change p-straight-jeans (0.35)
  },
  {
    turns: ['can I change the jeans in my order to size 28'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
  },
  {
    turns: ['swap the jerky in my order for the nuts please'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: answer kb-payment-failed p-beef-jerky (0.51)
  },
  {
    turns: ['I ordered the M cardigan, can I switch it to L before it ships'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: answer kb-shipping-time p-wool-cardigan (0.64)
  },
  {
    turns: ['订单里的面霜能换成精华吗'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: clarify null (0.19)
  },
  {
    turns: ['订单里的奶粉能换成两罐吗'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: answer kb-payment-failed p-au-formula (0.22)
  },
  {
    turns: ['订单里的纸尿裤能换成L码吗'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: answer kb-exchange-out-of-stock p-diapers (0.75)
  },
  {
    turns: ['我想把订单里的2支口红改成1支'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: clarify null p-velvet-lipstick (0.17)
  },
  {
    turns: ['订单里的精华能换成2瓶吗，已经发货了'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
  },
  {
    turns: ['can I change my order to three bags of nuts'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: answer kb-address-change p-daily-nuts (0.47)
  },
  {
    turns: ['change my order of jerky to two packs'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: answer kb-address-change p-beef-jerky (0.46)
  },
  {
    turns: ['订单里的lipstick能换成cushion吗'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: clarify null (0.19)
  },
  {
    turns: ['order里的牛仔裤改成28码'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: clarify null p-straight-jeans (0.17)
  },
  {
    turns: ['订单里的防晒换成敏感肌那款'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: clarify null (0.76)
  },
  {
    turns: ['订单的托特包换成两个可以吗'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: answer kb-payment-failed p-leather-tote (0.53)
  },
  {
    turns: ['下单的碎花裙可以改为M码吗'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: clarify null p-floral-dress (0.1)
  },
  {
    turns: ['收到的牛仔裤26码小了，订单能换成27码吗'],
    kind: 'rule 1 exchange after delivery',
    articleId: ['kb-exchange-size', 'kb-exchange-how-to'],
  },
  {
    turns: ['订单已经签收了，裤子想换成大一码'],
    kind: 'rule 1 exchange after delivery',
    articleId: ['kb-exchange-size', 'kb-exchange-how-to'],
  },
  {
    turns: ['订单里的L码开衫没货了，能换成别的码吗'],
    kind: 'rule 1 exchange after delivery',
    articleId: ['kb-exchange-out-of-stock', 'kb-order-cancel'],
    // before bot-j: answer kb-exchange-size p-wool-cardigan (0.89)
  },
  {
    turns: ['订单改成寄到公司地址'],
    kind: 'rule 1 neighbour (must not fire)',
    articleId: 'kb-address-change',
  },
  {
    turns: ['订单里的收货人能改成我妈吗'],
    kind: 'rule 1 neighbour (must not fire)',
    articleId: 'kb-address-change',
  },
  {
    turns: ['change my order address to my office'],
    kind: 'rule 1 neighbour (must not fire)',
    articleId: 'kb-address-change',
  },
  {
    turns: ['订单里的烟酰胺精华用了刺痛，能换成别的吗'],
    kind: 'rule 1 neighbour (must not fire)',
    articleId: ['kb-niacinamide-tingling', 'kb-allergy-first-aid'],
  },
  {
    turns: ['订单的发票能换成专票吗'],
    kind: 'rule 1 neighbour (must not fire)',
    articleId: 'kb-invoice-vat-special',
  },
  {
    turns: ['我的订单能用积分换成现金抵扣吗'],
    kind: 'rule 1 neighbour (must not fire)',
    articleId: 'kb-points-redeem',
  },
  {
    turns: ['东西不想要了想退', '邮费谁付'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-return-shipping-fee',
    // before bot-j: answer kb-shipping-carrier-fee (1)
  },
  {
    turns: ['return already sent back', 'when do I get my money'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-refund-arrival',
    // before bot-j: answer kb-shipping-time (0.63)
  },
  {
    turns: ['积分怎么用', '什么时候过期'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-points-redeem',
  },
  {
    turns: ['跨境奶粉能退吗', '税也退吗'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-crossborder-return',
  },
  {
    turns: ['退货寄回去了', '仓库在哪'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-return-how-to',
    // before bot-j: clarify null (0.1)
  },
  {
    turns: ['我想return这条裤子', 'who pays 运费'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-return-shipping-fee',
    // before bot-j: answer kb-shipping-carrier-fee p-straight-jeans (0.88)
  },
  {
    turns: ['运费谁出', '我想退货'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: ['kb-return-how-to', 'kb-return-policy'],
  },
  {
    turns: ['裤子小了想换大一码', '运费谁出'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: ['kb-exchange-size', 'kb-return-shipping-fee'],
    // before bot-j: answer kb-shipping-carrier-fee p-straight-jeans (1)
  },
  {
    turns: ['退货运费谁出', '那发错货呢'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: ['kb-return-shipping-fee', 'kb-damaged-or-missing'],
  },
  {
    turns: ['想办张会员', '金卡几折'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-member-levels',
  },
  {
    turns: ['专票怎么开', '要什么资料'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-invoice-vat-special',
  },
  {
    turns: ['我想退货', '你们几点下班'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-service-hours',
  },
  {
    turns: ['我想退货', '口红多少钱'],
    kind: 'rule 2 topic change (must not be held)',
    productId: 'p-velvet-lipstick',
    attribute: 'price',
  },
  {
    turns: ['我想退货', '我要投诉'],
    kind: 'rule 2 topic change (must not be held)',
    intent: 'complaint',
  },
  {
    turns: ['退货运费谁承担', '发票怎么开'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-invoice-apply',
  },
  {
    turns: ['how do I return something', 'do you accept Alipay'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-payment-methods',
  },
  {
    turns: ['我想退货', '怎么领优惠券'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-coupon-find',
  },
  {
    turns: ['退款多久到账', '怎么查物流'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-track-order',
  },
  {
    turns: ['我想退货', '转人工'],
    kind: 'rule 2 topic change (must not be held)',
    intent: 'human_agent',
  },
  {
    turns: ['I want to return the jeans', 'what are your opening hours'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-service-hours',
  },
  {
    turns: ['退货运费谁出', '会员有什么权益'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-member-levels',
  },
  {
    turns: ['退货怎么申请', '多久发货'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-shipping-time',
  },
  {
    turns: ['价保怎么申请', '运费多少'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-shipping-carrier-fee',
  },
  {
    turns: ['你好', '运费谁出'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-shipping-carrier-fee',
  },
  {
    turns: ['口红多少钱', '运费谁出'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-shipping-carrier-fee',
  },
  {
    turns: ['你们几点下班', '运费谁出'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-shipping-carrier-fee',
  },
  {
    turns: ['退款多久到账', '正品吗'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-authenticity',
  },
  {
    turns: ['优惠券怎么用不了', '多少钱包邮'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-shipping-carrier-fee',
  },
  {
    turns: ['我想退货', '那换货呢'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: ['kb-exchange-how-to', 'kb-exchange-size'],
  },
  {
    turns: ['我想退货', '过敏了'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: ['kb-allergy-first-aid'],
  },
  {
    turns: ['我想退货', '发错货了'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-damaged-or-missing',
  },
  {
    turns: ['退款多久到账', '我要投诉'],
    kind: 'rule 2 topic change (must not be held)',
    intent: 'complaint',
  },
  {
    turns: ['怎么申请价保', '你们几点下班'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-service-hours',
  },
  {
    turns: ['how do I cancel my order', 'what time do you close'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-service-hours',
  },
  {
    turns: ['how do I cancel my order', 'how much is the lipstick'],
    kind: 'rule 2 topic change (must not be held)',
    productId: 'p-velvet-lipstick',
    attribute: 'price',
  },
  {
    turns: ['积分怎么用', '怎么升金卡'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-member-levels',
  },
  {
    turns: ['发票怎么开', '支持花呗吗'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: ['kb-payment-methods', 'kb-installment'],
  },
  {
    turns: ['退款多久到账', '优惠券能叠加吗'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-coupon-stacking',
  },
  {
    turns: ['怎么取消订单', '地址写错了'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-address-change',
  },
  {
    turns: ['怎么查物流', '能开发票吗'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-invoice-apply',
  },
  {
    turns: ['退货运费谁出', '几天能到'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: ['kb-delivery-eta', 'kb-refund-arrival', 'kb-return-how-to'],
  },
  {
    turns: ['怎么取消订单', '是正品吗'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-authenticity',
  },
  {
    turns: ['刚买了牛肉干', '保质期多久'],
    kind: 'rule 2 product-fact follow-up',
    productId: 'p-beef-jerky',
    attribute: 'shelfLife',
  },
  {
    turns: ['我想退货', '面霜保质期多久'],
    kind: 'rule 2 product-fact follow-up',
    productId: 'p-hyaluronic-cream',
    attribute: 'shelfLife',
  },
  {
    turns: ['退货运费谁出', '坚果多少钱'],
    kind: 'rule 2 product-fact follow-up',
    productId: 'p-daily-nuts',
    attribute: 'price',
  },
  {
    turns: ['下单时留言要顺丰，要补多少钱'],
    kind: 'rule 3 order note',
    articleId: 'kb-shipping-carrier-fee',
  },
  {
    turns: ['a note on my order asked for SF express, is there an extra charge'],
    kind: 'rule 3 order note',
    articleId: 'kb-shipping-carrier-fee',
    // before bot-j: clarify null (0.1)
  },
  {
    turns: ['I put a note on my order asking for gift wrap, can you do that'],
    kind: 'rule 3 order note',
    uncovered: true,
  },
  {
    turns: ['备注里写了开发票，什么时候能收到发票'],
    kind: 'rule 3 order note',
    articleId: 'kb-invoice-apply',
  },
  {
    turns: ['下单时备注的地址写错了，能改吗'],
    kind: 'rule 3 order note',
    articleId: 'kb-address-change',
  },
  {
    turns: ['订单备注写了要新疆发顺丰，运费多少'],
    kind: 'rule 3 order note',
    articleId: 'kb-shipping-carrier-fee',
  },
  {
    turns: ['备注说要送到门口，结果显示签收了我没收到'],
    kind: 'rule 3 order note',
    articleId: 'kb-signed-not-received',
  },
  {
    turns: ['I wrote in the order notes to ship by SF, how much extra'],
    kind: 'rule 3 order note',
    articleId: 'kb-shipping-carrier-fee',
  },
  {
    turns: ['下单的时候留言了让你们早点发货，多久能发'],
    kind: 'rule 3 order note',
    articleId: 'kb-shipping-time',
  },
  {
    turns: ['订单备注写错了，取消订单重新下可以吗'],
    kind: 'rule 3 order note',
    articleId: 'kb-order-cancel',
  },
  {
    turns: ['订单备注要顺丰到付可以吗'],
    kind: 'rule 3 order note',
    articleId: 'kb-shipping-carrier-fee',
  },
  {
    turns: ['订单备注写了不要发中通，能发韵达吗'],
    kind: 'rule 3 order note',
    articleId: 'kb-shipping-carrier-fee',
    // before bot-j: clarify null (0.15)
  },
  {
    turns: ['I left a message last night, when will someone reply'],
    kind: 'rule 3 note that is a complaint / message',
    articleId: 'kb-service-hours',
  },
  {
    turns: ['备注了送礼不要放价格单，结果还是放了，我要投诉'],
    kind: 'rule 3 note that is a complaint / message',
    intent: 'complaint',
  },
  {
    turns: ['你们根本不看订单备注，我要投诉'],
    kind: 'rule 3 note that is a complaint / message',
    intent: 'complaint',
  },
  {
    turns: ['下单时备注了发顺丰，结果发的中通，我要投诉'],
    kind: 'rule 3 note that is a complaint / message',
    intent: 'complaint',
  },
  {
    turns: ['I added an order note asking for SF but you shipped ZTO, I want to complain'],
    kind: 'rule 3 note that is a complaint / message',
    intent: 'complaint',
  },
  {
    turns: ['牛仔裤有哪些尺码'],
    kind: 'ordinary shopping',
    productId: 'p-straight-jeans',
  },
  {
    turns: ['下单后多久发货'],
    kind: 'ordinary shopping',
    articleId: 'kb-shipping-time',
  },
  {
    turns: ['订单能改地址吗'],
    kind: 'ordinary shopping',
    articleId: 'kb-address-change',
  },
  {
    turns: ['运费多少'],
    kind: 'ordinary shopping',
    articleId: 'kb-shipping-carrier-fee',
  },
  {
    turns: ['你们几点下班'],
    kind: 'ordinary shopping',
    articleId: 'kb-service-hours',
  },
  {
    turns: ['口红多少钱'],
    kind: 'ordinary shopping',
    productId: 'p-velvet-lipstick',
    attribute: 'price',
  },
  {
    turns: ['气垫的替换芯怎么换'],
    kind: 'ordinary shopping',
    articleId: 'kb-cushion-refill',
  },
  {
    turns: ['do you ship with SF express'],
    kind: 'ordinary shopping',
    articleId: 'kb-shipping-carrier-fee',
  },
  {
    turns: ['防晒怎么选，油皮'],
    kind: 'ordinary shopping',
    articleId: ['kb-sunscreen-choose', 'kb-routine-oily-skin'],
  },
  {
    turns: ['退款多久到账', '优惠券会退回吗'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: ['kb-coupon-not-working', 'kb-payment-failed'],
  },
  {
    turns: ['退货运费谁出', '运费险怎么赔'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-return-shipping-fee',
  },
  {
    turns: ['怎么申请价保', '直播间买的也行吗'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: ['kb-price-protection', 'kb-live-price-difference'],
  },
  {
    turns: ['怎么取消订单', '已经发货了呢'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-order-cancel',
    // before bot-j: answer kb-address-change (0.66)
  },
  {
    turns: ['我想退货', '奶粉开罐了能退吗'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: ['kb-return-exceptions', 'kb-crossborder-return'],
  },
  {
    turns: ['退款多久到账', '银行卡呢'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-refund-arrival',
    // before bot-j: answer kb-payment-failed (0.95)
  },
  {
    turns: ['我想退货', '几天内可以退'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-return-policy',
  },
  {
    turns: ['怎么查物流', '单号在哪'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-track-order',
  },
  {
    turns: ['退货运费谁出', '你们客服几点上班'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-service-hours',
  },
  {
    turns: ['我想退货', '面霜怎么用'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-cream-usage',
  },
  {
    turns: ['我想退货', '有敏感肌能用的防晒吗'],
    kind: 'rule 2 topic change (must not be held)',
    intent: ['skin_recommendation', 'product_info'],
    notArticle: ['kb-return-policy', 'kb-return-how-to', 'kb-return-shipping-fee'],
  },
  {
    turns: ['我想退货', 'I want to complain'],
    kind: 'rule 2 topic change (must not be held)',
    intent: 'complaint',
  },
  {
    turns: ['退货运费谁出', '那包邮吗'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-shipping-carrier-fee',
  },
  {
    turns: ['我想退货', '满多少包邮'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-shipping-carrier-fee',
  },
  {
    turns: ['我想退货', '运费险是什么'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-return-shipping-fee',
  },
  {
    turns: ['退款多久到账', '价保的差价多久到'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-price-protection-apply',
  },
  {
    turns: ['我想换货', '多久能收到新的'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-exchange-how-to',
  },
  {
    turns: ['换货怎么弄', '运费谁出'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: ['kb-exchange-size', 'kb-return-shipping-fee'],
    // before bot-j: answer kb-shipping-carrier-fee (1)
  },
  {
    turns: ['I want a refund', 'how much is the jerky'],
    kind: 'rule 2 topic change (must not be held)',
    productId: 'p-beef-jerky',
    attribute: 'price',
  },
  {
    turns: ['我想退货', '你们实体店在哪'],
    kind: 'rule 2 topic change (must not be held)',
    uncovered: true,
  },
  {
    turns: ['怎么申请退货', '运费'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-return-shipping-fee',
    // before bot-j: answer kb-shipping-carrier-fee (0.88)
  },
  {
    turns: ['退货寄回去了', '多久退钱'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-refund-arrival',
  },
  {
    turns: ['我想退货', '积分怎么用'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-points-redeem',
  },
  {
    turns: ['退款多久到账', '几点有人工'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-service-hours',
  },
  {
    turns: ['I sent the return back', 'when will my order ship'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-shipping-time',
  },
  {
    turns: ['怎么取消订单', '花呗能分期吗'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-installment',
  },
  {
    turns: ['退货运费谁出', '跨境税怎么算'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-crossborder-tax-calc',
  },
  {
    turns: ['物流不更新了', '我要投诉'],
    kind: 'rule 2 topic change (must not be held)',
    intent: 'complaint',
  },
  {
    turns: ['我的订单能换成两件吗'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: clarify null (0.08)
  },
  {
    turns: ['订单里的牛肉干换成五香味的'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: clarify null p-beef-jerky (0.18)
  },
  {
    turns: ['订单里的面膜能换成10片装吗'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    // before bot-j: clarify null p-cica-mask (0.1)
  },
  {
    turns: ['the lipstick in my order, can I switch it to a different shade before it ships'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
  },
  {
    turns: ['我在订单备注写了生日贺卡，能写吗'],
    kind: 'rule 3 order note',
    uncovered: true,
  },
  {
    turns: ['备注能写要顺丰吗'],
    kind: 'rule 3 order note',
    articleId: 'kb-shipping-carrier-fee',
  },
  {
    turns: ['备注了顺丰，为什么还是中通发的'],
    kind: 'rule 3 note that is a complaint / message',
    articleId: 'kb-shipping-carrier-fee',
    intent: ['shipping_time', 'complaint'],
  },
  {
    turns: ['订单备注写了要新的生产日期，能保证吗'],
    kind: 'rule 3 order note',
    articleId: 'kb-expiry-date-check',
  },
  {
    turns: ['下单留言说要开专票，怎么弄'],
    kind: 'rule 3 order note',
    articleId: 'kb-invoice-vat-special',
  },
  {
    turns: ['I left a note on my order asking to ship before the weekend, will it ship today'],
    kind: 'rule 3 order note',
    articleId: 'kb-shipping-time',
  },
  {
    turns: ['我给客服留言了，多久回复'],
    kind: 'rule 3 note that is a complaint / message',
    articleId: 'kb-service-hours',
  },
  {
    turns: ['留言多久回复'],
    kind: 'rule 3 note that is a complaint / message',
    articleId: 'kb-service-hours',
  },
  {
    turns: ['订单备注写了要顺丰，结果快递压坏了'],
    kind: 'rule 3 note that is a complaint / message',
    articleId: 'kb-damaged-or-missing',
  },
  {
    turns: ['上周下单的开衫穿着偏小，想换成L码'],
    kind: 'rule 1 exchange after delivery',
    articleId: ['kb-exchange-size', 'kb-exchange-how-to'],
    now: 'answer kb-order-cancel p-wool-cardigan (0.39)',
    before: 'ticket kb-exchange-size p-wool-cardigan (0.39)',
    // bot-j regression (review-j), fixed by the lead: goods in hand / a note asking when.
    origin: 'regression',
    cause:
      'bot-j rule 1 (asksOrderChangeOfGoods): an order word + 换成/改成/change…to + a product or size code fires the cancel-before-dispatch reading; goods already received/worn/washed/used (偏小, 穿着) are not in ORDER_CHANGE_NOT, so a post-delivery exchange or a change of use reads as an order change',
  },
  {
    turns: ['订单里的碎花裙拿到了，M码有点紧，能换成L码吗'],
    kind: 'rule 1 exchange after delivery',
    articleId: ['kb-exchange-size', 'kb-exchange-how-to'],
    now: 'answer kb-order-cancel p-floral-dress (0.66)',
    before: 'answer kb-exchange-size p-floral-dress (0.66)',
    // bot-j regression (review-j), fixed by the lead: goods in hand / a note asking when.
    origin: 'regression',
    cause:
      'bot-j rule 1 (asksOrderChangeOfGoods): an order word + 换成/改成/change…to + a product or size code fires the cancel-before-dispatch reading; goods already received/worn/washed/used (拿到了, 有点紧) are not in ORDER_CHANGE_NOT, so a post-delivery exchange or a change of use reads as an order change',
  },
  {
    turns: ['订单到了，牛仔裤换成28码怎么操作'],
    kind: 'rule 1 exchange after delivery',
    articleId: ['kb-exchange-size', 'kb-exchange-how-to'],
    now: 'answer kb-order-cancel p-straight-jeans (0.88)',
    before: 'answer kb-exchange-how-to p-straight-jeans (0.88)',
    // bot-j regression (review-j), fixed by the lead: goods in hand / a note asking when.
    origin: 'regression',
    cause:
      'bot-j rule 1 (asksOrderChangeOfGoods): an order word + 换成/改成/change…to + a product or size code fires the cancel-before-dispatch reading; goods already received/worn/washed/used (订单到了 (only 到货 is listed)) are not in ORDER_CHANGE_NOT, so a post-delivery exchange or a change of use reads as an order change',
  },
  {
    turns: ['订单里的开衫试穿了一下，换成M码要运费吗'],
    kind: 'rule 1 exchange after delivery',
    articleId: ['kb-exchange-size', 'kb-exchange-how-to'],
    now: 'answer kb-order-cancel p-wool-cardigan (0.87)',
    before: 'answer kb-exchange-size p-wool-cardigan (0.87)',
    // bot-j regression (review-j), fixed by the lead: goods in hand / a note asking when.
    origin: 'regression',
    cause:
      'bot-j rule 1 (asksOrderChangeOfGoods): an order word + 换成/改成/change…to + a product or size code fires the cancel-before-dispatch reading; goods already received/worn/washed/used (试穿了) are not in ORDER_CHANGE_NOT, so a post-delivery exchange or a change of use reads as an order change',
  },
  {
    turns: ['我订单里买了气垫，替换芯怎么换成新的'],
    kind: 'rule 1 neighbour (must not fire)',
    articleId: 'kb-cushion-refill',
    now: 'answer kb-order-cancel p-cushion-foundation (0.83)',
    before: 'answer kb-cushion-refill p-cushion-foundation (0.83)',
    // bot-j regression (review-j), fixed by the lead: goods in hand / a note asking when.
    origin: 'regression',
    cause:
      'bot-j rule 1 (asksOrderChangeOfGoods): an order word + 换成/改成/change…to + a product or size code fires the cancel-before-dispatch reading; goods already received/worn/washed/used (换成新的 is the refill, a change of use) are not in ORDER_CHANGE_NOT, so a post-delivery exchange or a change of use reads as an order change',
  },
  {
    turns: ['订单备注写了要顺丰，什么时候发货'],
    kind: 'rule 3 order note',
    articleId: 'kb-shipping-time',
    now: 'answer kb-shipping-carrier-fee (0.91)',
    before: 'answer kb-shipping-time (0.91)',
    // bot-j regression (review-j), fixed by the lead: goods in hand / a note asking when.
    origin: 'regression',
    cause:
      'bot-j rule 3 (orderNoteArticle): the note article (kb-shipping-carrier-fee) answers because the message shares 顺丰 with it, though the question is when the order ships (the bot-j notes name this risk)',
  },
  {
    turns: ['备注了发顺丰要多久到'],
    kind: 'rule 3 order note',
    articleId: 'kb-delivery-eta',
    now: 'answer kb-shipping-carrier-fee (0.81)',
    before: 'answer kb-delivery-eta (0.81)',
    // bot-j regression (review-j), fixed by the lead: goods in hand / a note asking when.
    origin: 'regression',
    cause:
      'bot-j rule 3 (orderNoteArticle): shares 顺丰 with kb-shipping-carrier-fee, which answers cost, not how long delivery takes',
  },
  {
    turns: ['下单时留言问的问题多久回复'],
    kind: 'rule 3 note that is a complaint / message',
    articleId: 'kb-service-hours',
    now: 'answer kb-shipping-time (0.72)',
    before: 'answer kb-service-hours (0.72)',
    // bot-j regression (review-j), fixed by the lead: goods in hand / a note asking when.
    origin: 'regression',
    cause:
      'bot-j rule 3 (ORDER_NOTE in asksServiceAtHour): 下单时留言 switches off the message-left reading, but this note IS a question to the service waiting for a reply',
  },
  {
    turns: ['订单里买的防晒乳用完了想换成防晒霜，有什么区别'],
    kind: 'rule 1 neighbour (must not fire)',
    articleId: 'kb-sunscreen-choose',
    now: 'answer kb-order-cancel p-sunscreen-light (0.36)',
    before: 'answer kb-sunscreen-choose p-sunscreen-light (0.36)',
    // bot-j regression (review-j), fixed by the lead: goods in hand / a note asking when.
    origin: 'regression',
    cause:
      'bot-j rule 1 (asksOrderChangeOfGoods): an order word + 换成/改成/change…to + a product or size code fires the cancel-before-dispatch reading; goods already received/worn/washed/used (用完了: a product choice, not a change) are not in ORDER_CHANGE_NOT, so a post-delivery exchange or a change of use reads as an order change',
  },
  {
    turns: ['上个月下单的牛仔裤洗过了，能换成28码吗'],
    kind: 'rule 1 exchange after delivery',
    articleId: ['kb-exchange-size'],
    now: 'answer kb-order-cancel p-straight-jeans (0.55)',
    before: 'answer kb-exchange-size p-straight-jeans (0.55)',
    // bot-j regression (review-j), fixed by the lead: goods in hand / a note asking when.
    origin: 'regression',
    cause:
      'bot-j rule 1 (asksOrderChangeOfGoods): an order word + 换成/改成/change…to + a product or size code fires the cancel-before-dispatch reading; goods already received/worn/washed/used (洗过了) are not in ORDER_CHANGE_NOT, so a post-delivery exchange or a change of use reads as an order change',
  },
  {
    turns: ['订单里的开衫已经穿过出门了，能换成M码吗'],
    kind: 'rule 1 exchange after delivery',
    articleId: 'kb-exchange-size',
    now: 'answer kb-order-cancel p-wool-cardigan (0.43)',
    before: 'answer kb-exchange-size p-wool-cardigan (0.43)',
    // bot-j regression (review-j), fixed by the lead: goods in hand / a note asking when.
    origin: 'regression',
    cause:
      'bot-j rule 1 (asksOrderChangeOfGoods): an order word + 换成/改成/change…to + a product or size code fires the cancel-before-dispatch reading; goods already received/worn/washed/used (穿过出门) are not in ORDER_CHANGE_NOT, so a post-delivery exchange or a change of use reads as an order change',
  },
];

describe('review-j guards: bot-j rules, their neighbours, ordinary shopping', () => {
  it.each(GUARDS.map((c) => [c.turns.join(' / '), c] as const))('%s', (_label, c) => check(c));
});

// ---------------------------------------------------------------------------------------------
// KNOWN_BREAKS — NOT run. Confident wrong answers on bc171aa.
// ---------------------------------------------------------------------------------------------

export const KNOWN_BREAKS: ReviewJCase[] = [
  {
    turns: ['刚拍的开衫能换成S码吗'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    now: 'answer kb-exchange-size p-wool-cardigan (0.92)',
    before: 'answer kb-exchange-size p-wool-cardigan (0.92)',
    origin: 'before',
  },
  {
    turns: ['my order came yesterday, can I swap the jeans for size 28'],
    kind: 'rule 1 exchange after delivery',
    articleId: ['kb-exchange-size', 'kb-exchange-how-to'],
    now: 'answer kb-order-cancel p-straight-jeans (0.56)',
    before: 'answer kb-order-cancel p-straight-jeans (0.56)',
    origin: 'before',
  },
  {
    turns: ['the dress from my order is a bit small, can I change it to L'],
    kind: 'rule 1 exchange after delivery',
    articleId: ['kb-exchange-size', 'kb-exchange-how-to'],
    now: 'answer kb-order-cancel p-floral-dress (0.3)',
    before: 'answer kb-address-change p-floral-dress (0.3)',
    origin: 'changed',
    cause:
      'bot-j rule 1 (asksOrderChangeOfGoods): an order word + 换成/改成/change…to + a product or size code fires the cancel-before-dispatch reading; goods already received/worn/washed/used ("a bit small" (only "too small" is listed)) are not in ORDER_CHANGE_NOT, so a post-delivery exchange or a change of use reads as an order change',
  },
  {
    turns: ['下单后怎么换成顺丰'],
    kind: 'rule 1 neighbour (must not fire)',
    articleId: 'kb-shipping-carrier-fee',
    now: 'answer kb-address-change (0.21)',
    before: 'answer kb-address-change (0.21)',
    origin: 'before',
  },
  {
    turns: ['订单能改成货到付款吗'],
    kind: 'rule 1 neighbour (must not fire)',
    articleId: 'kb-payment-methods',
    now: 'answer kb-double-charge (0.82)',
    before: 'answer kb-double-charge (0.82)',
    origin: 'before',
  },
  {
    turns: ['订单发票抬头能改成公司吗'],
    kind: 'rule 1 neighbour (must not fire)',
    articleId: 'kb-invoice-apply',
    now: 'answer kb-invoice-vat-special (0.75)',
    before: 'answer kb-invoice-vat-special (0.75)',
    origin: 'before',
  },
  {
    turns: ['下单的纸尿裤漏尿，要换成大一码吗'],
    kind: 'rule 1 neighbour (must not fire)',
    articleId: 'kb-diaper-leak',
    now: 'answer kb-order-cancel p-diapers (0.55)',
    before: 'answer kb-exchange-out-of-stock p-diapers (0.55)',
    origin: 'changed',
    cause:
      'bot-j rule 1 (asksOrderChangeOfGoods): an order word + 换成/改成/change…to + a product or size code fires the cancel-before-dispatch reading; goods already received/worn/washed/used (漏尿: a size advice for use) are not in ORDER_CHANGE_NOT, so a post-delivery exchange or a change of use reads as an order change',
  },
  {
    turns: ['下单买的奶粉冲的时候水要换成40度的吗'],
    kind: 'rule 1 neighbour (must not fire)',
    articleId: 'kb-formula-prep',
    now: 'answer kb-order-cancel p-au-formula (0.2)',
    before: 'clarify null p-au-formula (0.1)',
    origin: 'worsened',
    cause:
      'bot-j rule 1 (asksOrderChangeOfGoods): an order word + 换成/改成/change…to + a product or size code fires the cancel-before-dispatch reading; goods already received/worn/washed/used (换成40度的水: a preparation step) are not in ORDER_CHANGE_NOT, so a post-delivery exchange or a change of use reads as an order change',
  },
  {
    turns: ['下单的口红收到是断的，能换成新的吗'],
    kind: 'rule 1 neighbour (must not fire)',
    articleId: 'kb-damaged-or-missing',
    now: 'answer kb-exchange-how-to p-velvet-lipstick (0.47)',
    before: 'answer kb-exchange-how-to p-velvet-lipstick (0.47)',
    origin: 'before',
  },
  {
    turns: ['how do I return the cardigan', 'who pays postage'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-return-shipping-fee',
    now: 'decline null (0)',
    before: 'answer kb-shipping-carrier-fee (0.5)',
    origin: 'changed',
    cause:
      "bot-j rule 2 (matter passed to serviceSenseFix): the last reading's name suppresses the delivery-fee sense, which was all that answered; the English follow-up underneath reads off-topic → decline ('I can only help with this shop')",
  },
  {
    turns: ['发票怎么开', '多久能开好'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-invoice-apply',
    now: 'answer kb-delivery-eta (0.26)',
    before: 'answer kb-delivery-eta (0.26)',
    origin: 'before',
  },
  {
    turns: ['价保怎么申请', '多久退回'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-price-protection-apply',
    now: 'answer kb-price-protection (0.59)',
    before: 'answer kb-presale-deposit (0.59)',
    origin: 'changed',
    cause:
      'bot-j rule 2 (carriedMatter): the matter is kept (price_protection) but its rule article answers, not kb-price-protection-apply that says how long (24h)',
  },
  {
    turns: ['物流三天没更新了', '要是丢了怎么办'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-logistics-stalled',
    now: 'answer kb-signed-not-received (0.34)',
    before: 'answer kb-signed-not-received (0.34)',
    origin: 'before',
  },
  {
    turns: ['显示签收了但我没收到', '多久能查清'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-signed-not-received',
    now: 'answer kb-delivery-eta (0.55)',
    before: 'answer kb-delivery-eta (0.55)',
    origin: 'before',
  },
  {
    turns: ['how do I claim price protection', 'how long does it take'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-price-protection-apply',
    now: 'answer kb-price-protection (0.52)',
    before: 'answer kb-shipping-time (0.52)',
    origin: 'changed',
    cause:
      'bot-j rule 2 (carriedMatter): the matter is kept but the rule article answers, not the apply article (24h)',
  },
  {
    turns: ['临期商品能退吗', '能用券吗'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-near-expiry-deals',
    now: 'answer kb-coupon-stacking (1)',
    before: 'answer kb-coupon-stacking (1)',
    origin: 'before',
  },
  {
    turns: ['how do I get an invoice', 'how long'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-invoice-apply',
    now: 'answer kb-shipping-time (0.52)',
    before: 'answer kb-shipping-time (0.52)',
    origin: 'before',
  },
  {
    turns: ['i want to retrun my dress', 'who pays shiping'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-return-shipping-fee',
    now: 'answer kb-shipping-carrier-fee p-floral-dress (0.99)',
    before: 'answer kb-shipping-carrier-fee p-floral-dress (0.99)',
    origin: 'before',
  },
  {
    turns: ['积分怎么用', '多久到账'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-points-earn',
    now: 'answer kb-refund-arrival (0.86)',
    before: 'answer kb-refund-arrival (0.86)',
    origin: 'before',
  },
  {
    turns: ['物流不动了', '能退款吗'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: ['kb-logistics-stalled', 'kb-order-cancel'],
    now: 'answer kb-refund-arrival (0.84)',
    before: 'answer kb-refund-arrival (0.84)',
    origin: 'before',
  },
  {
    turns: ['花呗分期怎么弄', '手续费多少'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-installment',
    now: 'answer kb-shipping-carrier-fee (0.22)',
    before: 'answer kb-shipping-carrier-fee (0.22)',
    origin: 'before',
  },
  {
    turns: ['退货运费谁出', '怎么开专票'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-invoice-vat-special',
    now: 'answer kb-invoice-apply (1)',
    before: 'answer kb-invoice-apply (1)',
    origin: 'before',
  },
  {
    turns: ['订单备注了要礼盒包装，可以吗'],
    kind: 'rule 3 order note',
    uncovered: true,
    now: 'answer kb-payment-failed (0.4)',
    before: 'answer kb-payment-failed (0.4)',
    origin: 'before',
  },
  {
    turns: ['备注了周末送货，能保证吗'],
    kind: 'rule 3 order note',
    uncovered: true,
    now: 'answer kb-shipping-time (0.31)',
    before: 'answer kb-shipping-time (0.31)',
    origin: 'before',
  },
  {
    turns: ['积分能换成现金吗'],
    kind: 'ordinary shopping',
    articleId: 'kb-points-redeem',
    now: 'answer kb-points-earn (0.9)',
    before: 'answer kb-points-earn (0.9)',
    origin: 'before',
  },
  {
    turns: ['我下单了还没付款，会自动取消吗'],
    kind: 'ordinary shopping',
    articleId: 'kb-payment-failed',
    now: 'answer kb-order-cancel (0.68)',
    before: 'answer kb-order-cancel (0.68)',
    origin: 'before',
  },
  {
    turns: ['我想退货', '赠品要寄回吗'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-return-policy',
    now: 'answer kb-refund-arrival (0.43)',
    before: 'answer kb-refund-arrival (0.43)',
    origin: 'before',
  },
  {
    turns: ['我想退货', '多久能退到花呗'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-refund-arrival',
    now: 'answer kb-delivery-eta (0.28)',
    before: 'answer kb-delivery-eta (0.28)',
    origin: 'before',
  },
  {
    turns: ['退货怎么申请', '要多久审核'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-return-how-to',
    now: 'answer kb-delivery-eta (0.82)',
    before: 'answer kb-delivery-eta (0.82)',
    origin: 'before',
  },
  {
    turns: ['how do I return something', 'what about the free gift'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-return-policy',
    now: 'decline null (0)',
    before: 'clarify null (0.1)',
    origin: 'worsened',
    cause:
      "bot-j rule 2 (likely the same path as 'who pays postage'): the follow-up after a return now declines as off-topic where it asked back before",
  },
  {
    turns: ['我想退货', '优惠券还能用吗'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-coupon-not-working',
    now: 'answer kb-coupon-stacking (1)',
    before: 'answer kb-coupon-stacking (1)',
    origin: 'before',
  },
  {
    turns: ['怎么取消订单', '优惠券退吗'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: ['kb-payment-failed', 'kb-coupon-not-working'],
    now: 'answer kb-coupon-stacking (1)',
    before: 'answer kb-coupon-stacking (1)',
    origin: 'before',
  },
  {
    turns: ['发票怎么开', '多久'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-invoice-apply',
    now: 'answer kb-shipping-time (0.52)',
    before: 'answer kb-shipping-time (0.52)',
    origin: 'before',
  },
  {
    turns: ['订单里的坚果想换成牛肉干，收到了还没拆'],
    kind: 'rule 1 exchange after delivery',
    articleId: 'kb-return-policy',
    now: 'ticket kb-exchange-out-of-stock p-beef-jerky (0.38)',
    before: 'ticket kb-exchange-out-of-stock p-beef-jerky (0.38)',
    origin: 'before',
  },
  {
    turns: ['下单的气垫用了几天，想换成口红'],
    kind: 'rule 1 exchange after delivery',
    articleId: ['kb-return-exceptions'],
    now: 'answer kb-order-cancel (0.2)',
    before: 'clarify null (0.18)',
    origin: 'worsened',
    cause:
      'bot-j rule 1 (asksOrderChangeOfGoods): an order word + 换成/改成/change…to + a product or size code fires the cancel-before-dispatch reading; goods already received/worn/washed/used (用了几天: opened makeup) are not in ORDER_CHANGE_NOT, so a post-delivery exchange or a change of use reads as an order change',
  },
  {
    turns: ['I ordered the jeans last week and wore them once, can I swap them for a 28'],
    kind: 'rule 1 exchange after delivery',
    articleId: ['kb-exchange-size', 'kb-exchange-how-to'],
    now: 'answer kb-order-cancel p-straight-jeans (0.2)',
    before: 'clarify null p-straight-jeans (0.13)',
    origin: 'worsened',
    cause:
      'bot-j rule 1 (asksOrderChangeOfGoods): an order word + 换成/改成/change…to + a product or size code fires the cancel-before-dispatch reading; goods already received/worn/washed/used ("wore them once") are not in ORDER_CHANGE_NOT, so a post-delivery exchange or a change of use reads as an order change',
  },
  {
    turns: ['订单的奶粉开罐了，能换成2段吗'],
    kind: 'rule 1 exchange after delivery',
    articleId: ['kb-return-exceptions', 'kb-crossborder-return'],
    now: 'answer kb-order-cancel p-au-formula (0.2)',
    before: 'answer product_info p-au-formula shelfLife (1)',
    origin: 'changed',
    cause:
      'bot-j rule 1 (asksOrderChangeOfGoods): an order word + 换成/改成/change…to + a product or size code fires the cancel-before-dispatch reading; goods already received/worn/washed/used (开罐了) are not in ORDER_CHANGE_NOT, so a post-delivery exchange or a change of use reads as an order change',
  },
  {
    turns: ['下单的牛肉干吃了一包，剩下的能换成坚果吗'],
    kind: 'rule 1 exchange after delivery',
    articleId: 'kb-return-exceptions',
    now: 'answer kb-order-cancel p-beef-jerky (0.2)',
    before: 'clarify null p-beef-jerky (0.1)',
    origin: 'worsened',
    cause:
      'bot-j rule 1 (asksOrderChangeOfGoods): an order word + 换成/改成/change…to + a product or size code fires the cancel-before-dispatch reading; goods already received/worn/washed/used (吃了一包) are not in ORDER_CHANGE_NOT, so a post-delivery exchange or a change of use reads as an order change',
  },
  {
    turns: ['订单备注写了要发票，需要另外申请吗'],
    kind: 'rule 3 order note',
    articleId: 'kb-invoice-apply',
    now: 'answer kb-shipping-carrier-fee (0.84)',
    before: 'answer kb-invoice-vat-special (0.84)',
    origin: 'changed',
    cause:
      'bot-j rule 3 (orderNoteArticle): a term of the message (发票? 需要) reaches the note article; the question is whether an invoice needs a separate application',
  },
  {
    turns: ['订单备注写了要顺丰，顺丰几天到'],
    kind: 'rule 3 order note',
    articleId: 'kb-delivery-eta',
    now: 'answer kb-shipping-carrier-fee (0.47)',
    before: 'answer kb-shipping-carrier-fee (0.47)',
    origin: 'before',
  },
];

// ---------------------------------------------------------------------------------------------
// KNOWN_MISSES — NOT run. An ask-back, "not covered" or bare hand-over on bc171aa where the notes
// do answer.
// ---------------------------------------------------------------------------------------------

export const KNOWN_MISSES: ReviewJCase[] = [
  {
    turns: ['我买的面膜还没发货，能改成5盒吗'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    now: 'clarify null p-cica-mask (0.1)',
    before: 'clarify null p-cica-mask (0.1)',
    origin: 'before',
  },
  {
    turns: ['pls chnage my ordr to the cushion instead of lipstick'],
    kind: 'rule 1 order change of goods',
    articleId: 'kb-order-cancel',
    now: 'clarify null (0.1)',
    before: 'clarify null (0.1)',
    origin: 'before',
  },
  {
    turns: ['I got my order, the cardigan is too tight, switch to XL please'],
    kind: 'rule 1 exchange after delivery',
    articleId: ['kb-exchange-size', 'kb-exchange-how-to'],
    now: 'clarify null p-wool-cardigan (0.1)',
    before: 'clarify null p-wool-cardigan (0.1)',
    origin: 'before',
  },
  {
    turns: ['下单时选的花呗能换成3期吗'],
    kind: 'rule 1 neighbour (must not fire)',
    articleId: 'kb-installment',
    now: 'clarify null (0.17)',
    before: 'clarify null (0.17)',
    origin: 'before',
  },
  {
    turns: ['优惠券在哪领', '多久过期'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-coupon-find',
    now: 'clarify shelf_life (1)',
    before: 'clarify shelf_life (1)',
    origin: 'before',
  },
  {
    turns: ['重复扣款了', '多久退回来'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-double-charge',
    now: 'clarify order_cancel (0.43)',
    before: 'clarify order_cancel (0.43)',
    origin: 'before',
  },
  {
    turns: ['怎么取消订单', '钱多久退'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: ['kb-order-cancel', 'kb-refund-arrival'],
    now: 'clarify order_cancel (0.5)',
    before: 'clarify order_cancel (0.5)',
    origin: 'before',
  },
  {
    turns: ['直播间优惠券怎么领', '多久过期'],
    kind: 'rule 2 follow-up keeps matter',
    articleId: 'kb-live-coupon-claim',
    now: 'clarify shelf_life (1)',
    before: 'clarify shelf_life (1)',
    origin: 'before',
  },
  {
    turns: ['how long does a refund take', 'is the lipstick genuine'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-authenticity',
    now: 'clarify null p-velvet-lipstick (0.1)',
    before: 'clarify null p-velvet-lipstick (0.1)',
    origin: 'before',
  },
  {
    turns: ['我留言好几个小时了还没人回'],
    kind: 'rule 3 note that is a complaint / message',
    articleId: 'kb-service-hours',
    now: 'clarify null (0.11)',
    before: 'clarify null (0.11)',
    origin: 'before',
  },
  {
    turns: ['客服，我给你们留言了怎么没人回'],
    kind: 'rule 3 note that is a complaint / message',
    articleId: 'kb-service-hours',
    now: 'clarify null (0.08)',
    before: 'clarify null (0.08)',
    origin: 'before',
  },
  {
    turns: ['订单备注里留言找客服，晚上11点还有人回吗'],
    kind: 'rule 3 note that is a complaint / message',
    articleId: 'kb-service-hours',
    now: 'escalate human_agent (1)',
    before: 'escalate human_agent (1)',
    origin: 'before',
  },
  {
    turns: ['我想退货', '几点前下单当天发'],
    kind: 'rule 2 topic change (must not be held)',
    articleId: 'kb-shipping-time',
    now: 'clarify null (0.15)',
    before: 'clarify null (0.15)',
    origin: 'before',
  },
  {
    turns: ['退款多久到账', '口红有几个色号'],
    kind: 'rule 2 topic change (must not be held)',
    productId: 'p-velvet-lipstick',
    now: 'clarify null p-velvet-lipstick colours (0.1)',
    before: 'clarify null p-velvet-lipstick colours (0.1)',
    origin: 'before',
  },
  {
    turns: ['我在订单留言里问了客服，怎么还没人回复'],
    kind: 'rule 3 note that is a complaint / message',
    articleId: 'kb-service-hours',
    now: 'clarify null (0.07)',
    before: 'clarify null (0.07)',
    origin: 'before',
  },
  {
    turns: ['I left a note on my order for your support team, when will they reply'],
    kind: 'rule 3 note that is a complaint / message',
    articleId: 'kb-service-hours',
    now: 'clarify null (0.1)',
    before: 'clarify null (0.1)',
    origin: 'before',
  },
];

describe('review-j known lists', () => {
  // Data for the next session: every id named must exist in the demo store, and every known case
  // says where it came from (and, when bot-j changed it, which rule).
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
    for (const c of [...KNOWN_BREAKS, ...KNOWN_MISSES]) {
      expect(c.origin, c.turns.join(' / ')).toBeDefined();
      if (c.origin === 'regression' || c.origin === 'worsened')
        expect(c.cause, `${c.turns.join(' / ')}: which bot-j rule`).toBeDefined();
    }
    expect(GUARDS.length + KNOWN_BREAKS.length + KNOWN_MISSES.length).toBe(206);
  });
});
