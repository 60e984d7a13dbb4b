// review-g: a fresh reviewer's questions against what bot-f landed (service hours asked of the
// shop, an order stuck before dispatch, mainland delivery places, skin by symptom, a budget or gift
// with no recommending word, coupon trouble, product facts in English, "I bought…", a man as the
// recipient) — new phrasings of each kind and the neighbours the new rules might take.
//
// The running tests are the guards: neighbours (and new phrasings) the engine answers right on
// main today. KNOWN_BREAKS below are questions it answers wrong today, each with the answer the
// demo knowledge gives; they are NOT run here (they fail now, on purpose) — they are the work
// list for the next session, which should move each one into the running tests as it is fixed.
// Expectations name an article, intent, product or attribute — never a reply text beyond a fact.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnswerEngine, EngineResult } from '../src/knowledge/engine/answer-engine';
import { converseWith, demoEngine } from './demo-engine';

let engine: AnswerEngine;
beforeAll(() => {
  engine = demoEngine();
});

/** A conversation: the last answer. */
const converse = (...texts: string[]): EngineResult => converseWith(engine, texts);

interface Expected {
  action?: string;
  intent?: string | null;
  articleId?: string | null;
  productId?: string | null;
  attribute?: string;
}

export interface ReviewCase {
  /** The shopper's turns; the last answer is checked. */
  turns: string[];
  /** The bot-f kind the question belongs to (or the neighbour it guards). */
  kind: string;
  /** What the demo knowledge says answers it. */
  expect: Expected;
  /** What must not answer it (the reading a rule stole it for). */
  not?: Expected;
  /** A fact the reply must state / must not state. */
  text?: RegExp;
  notText?: RegExp;
  /** For known breaks: what main answers now, and the rule that takes it when known. */
  now?: string;
  cause?: string;
}

export function check(c: ReviewCase): void {
  const result = converse(...c.turns);
  const label = c.turns.join(' / ');
  const got = {
    action: result.action,
    intent: result.intent,
    articleId: result.articleId,
    productId: result.productId,
    attribute: result.attribute,
  } as Record<string, unknown>;
  for (const [key, value] of Object.entries(c.expect)) expect(got[key], `${label}: ${key}`).toBe(value);
  for (const [key, value] of Object.entries(c.not ?? {}))
    expect(got[key], `${label}: not ${key}`).not.toBe(value);
  if (c.text) expect(result.text, label).toMatch(c.text);
  if (c.notText) expect(result.text, label).not.toMatch(c.notText);
}

// ---------------------------------------------------------------------------------------------
// Guards: answered right on main now.
// ---------------------------------------------------------------------------------------------

const GUARDS: ReviewCase[] = [
  // Service hours asked of the shop, and time words that ask about something else.
  ...[
    'what time do you close tonight',
    '国庆节你们上班吗',
    'are you around at 11pm',
    '你们过年期间客服在吗',
  ].map(
    (q): ReviewCase => ({ turns: [q], kind: 'service hours', expect: { articleId: 'kb-service-hours' } }),
  ),
  ...[
    '你们晚上几点前下单当天能发',
    '你们春节发货吗',
    '国庆期间发货吗',
    'what time do you ship orders on saturday',
  ].map(
    (q): ReviewCase => ({
      turns: [q],
      kind: 'service hours — dispatch neighbour',
      expect: { articleId: 'kb-shipping-time' },
    }),
  ),
  {
    turns: ['你们的优惠券周末能用吗'],
    kind: 'service hours — coupon neighbour',
    expect: { articleId: 'kb-coupon-stacking' },
  },
  {
    turns: ['你们的退款周末到账吗'],
    kind: 'service hours — refund neighbour',
    expect: { articleId: 'kb-refund-arrival' },
  },
  {
    turns: ['what time do refunds usually arrive'],
    kind: 'service hours — refund neighbour',
    expect: { articleId: 'kb-refund-arrival' },
  },
  {
    turns: ['周日能申请退货吗'],
    kind: 'service hours — return neighbour',
    expect: { articleId: 'kb-return-how-to' },
  },
  {
    turns: ['I opened the cream, can I still return it'],
    kind: '"open" = opened',
    expect: { articleId: 'kb-return-exceptions' },
  },
  {
    turns: ['how do I open the cushion case'],
    kind: '"open" = opening a case',
    expect: { articleId: 'kb-cushion-refill' },
  },
  {
    turns: ['你们周末上班吗', '那发货呢'],
    kind: 'service hours follow-up',
    expect: { articleId: 'kb-shipping-time' },
  },

  // An order stuck before dispatch, and other matters beside that state.
  ...[
    'my order has said awaiting shipment for 4 days',
    '我的单子还在备货中，什么时候能发',
    '订单一直待发货，能帮我催一下吗',
  ].map((q): ReviewCase => ({ turns: [q], kind: 'stuck order', expect: { articleId: 'kb-shipping-time' } })),
  {
    turns: ['订单还在待发货，我想改一下地址'],
    kind: 'stuck order — address',
    expect: { articleId: 'kb-address-change' },
  },
  {
    turns: ['my order is still processing, can I cancel it'],
    kind: 'stuck order — cancel',
    expect: { articleId: 'kb-order-cancel' },
  },
  {
    turns: ['my order has been pending for a week, please refund me'],
    kind: 'stuck order — refund',
    expect: { articleId: 'kb-order-cancel' },
  },
  {
    turns: ['order says processing but I was charged twice'],
    kind: 'stuck order — double charge',
    expect: { articleId: 'kb-double-charge' },
  },
  {
    turns: ['订单还没发货，可以加急发顺丰吗'],
    kind: 'stuck order — courier',
    expect: { articleId: 'kb-shipping-carrier-fee' },
  },
  {
    turns: ['my order is processing, when will I get my invoice'],
    kind: 'stuck order — invoice',
    expect: { articleId: 'kb-invoice-apply' },
  },
  {
    turns: ['订单显示已发货但物流一直没更新'],
    kind: 'stuck order — shipped, stalled',
    expect: { articleId: 'kb-logistics-stalled' },
  },
  {
    turns: ['退货申请一直在审核中'],
    kind: 'stuck order — a return under review',
    expect: { articleId: 'kb-return-how-to' },
  },
  {
    turns: ['订单一直显示备货中', '已经五天了，能取消吗'],
    kind: 'stuck order follow-up',
    expect: { articleId: 'kb-order-cancel' },
  },

  // Mainland places, and places beside another matter.
  ...[
    'how long does delivery to Chengdu take',
    '寄到拉萨要几天',
    'ship to Shanghai, how many days',
    'can I get it sent to Beijing',
  ].map(
    (q): ReviewCase => ({ turns: [q], kind: 'mainland place', expect: { articleId: 'kb-delivery-eta' } }),
  ),
  ...['发货到乌鲁木齐运费多少', '寄到新疆包邮吗'].map(
    (q): ReviewCase => ({
      turns: [q],
      kind: 'mainland place — fee',
      expect: { articleId: 'kb-shipping-carrier-fee' },
    }),
  ),
  {
    turns: ['寄到西藏要几天', '运费呢'],
    kind: 'mainland place follow-up',
    expect: { articleId: 'kb-shipping-carrier-fee' },
  },
  {
    turns: ['can you deliver to Xinjiang', 'how much is shipping there'],
    kind: 'mainland place follow-up',
    expect: { articleId: 'kb-shipping-carrier-fee' },
  },
  ...['我在杭州，快递显示签收了但没收到', 'it says delivered to Beijing but I never got it'].map(
    (q): ReviewCase => ({
      turns: [q],
      kind: 'place — signed neighbour',
      expect: { articleId: 'kb-signed-not-received' },
    }),
  ),
  {
    turns: ['寄到上海的订单能用花呗吗'],
    kind: 'place — payment neighbour',
    expect: { articleId: 'kb-installment' },
  },
  {
    turns: ["Can I pay with Alipay if I'm in Tibet"],
    kind: 'place — payment neighbour',
    expect: { articleId: 'kb-payment-methods' },
  },
  ...['do you ship to Hong Kong', '能发到台湾吗'].map(
    (q): ReviewCase => ({
      turns: [q],
      kind: 'place not in the notes',
      expect: { action: 'clarify', articleId: null },
    }),
  ),
  {
    turns: ['is the cream made in Shanghai'],
    kind: 'place — origin neighbour',
    expect: { productId: 'p-hyaluronic-cream', attribute: 'origin' },
  },

  // Skin by symptom, budget or gift without a recommending word, and budgets in other matters.
  {
    turns: ['my face gets shiny by noon, which sunscreen should I get'],
    kind: 'skin by symptom',
    expect: { intent: 'skin_recommendation', productId: 'p-sunscreen-light' },
  },
  {
    turns: ['I have rosacea, which sunscreen is gentle enough'],
    kind: 'skin by symptom',
    expect: { intent: 'skin_recommendation', productId: 'p-sunscreen-sensitive' },
  },
  {
    turns: ['皮肤一换季就泛红发痒，用什么好'],
    kind: 'skin by symptom',
    expect: { articleId: 'kb-routine-sensitive-skin' },
  },
  {
    turns: ['something for my girlfriend, she has oily skin, around 200'],
    kind: 'gift/budget',
    expect: { intent: 'skin_recommendation' },
    text: /oily skin/,
  },
  {
    turns: ['预算150，敏感肌'],
    kind: 'gift/budget',
    expect: { intent: 'skin_recommendation' },
    text: /¥150/,
  },
  {
    turns: ['gift for my husband, he has oily skin'],
    kind: 'gift/budget — a man',
    expect: { intent: 'skin_recommendation' },
    text: /oily skin/,
  },
  {
    turns: ['花了300多买的面霜，用了两天脸上起疹子'],
    kind: 'budget in a complaint',
    expect: { articleId: 'kb-allergy-first-aid' },
  },
  {
    turns: ['gift for my mom under 300 arrived broken'],
    kind: 'gift in a complaint',
    expect: { articleId: 'kb-damaged-or-missing' },
  },
  {
    turns: ['送朋友的礼物能开发票吗'],
    kind: 'gift — invoice neighbour',
    expect: { articleId: 'kb-invoice-apply' },
  },
  {
    turns: ['订单满300能分期吗'],
    kind: 'budget — instalments neighbour',
    expect: { articleId: 'kb-installment' },
  },

  // Coupon trouble, and coupon how-tos.
  ...[
    "my discount code won't apply at checkout",
    '领的券结算的时候不显示',
    'I refunded my order, do I get my coupon back',
  ].map(
    (q): ReviewCase => ({
      turns: [q],
      kind: 'coupon trouble',
      expect: { articleId: 'kb-coupon-not-working' },
    }),
  ),
  {
    turns: ['can I use two coupons on one order'],
    kind: 'coupon — stacking neighbour',
    expect: { articleId: 'kb-coupon-stacking' },
  },
  {
    turns: ['where do I get coupons'],
    kind: 'coupon — where neighbour',
    expect: { articleId: 'kb-coupon-find' },
  },

  // Product facts in English.
  {
    turns: ['what skin is the hyaluronic cream for'],
    kind: 'facts in English',
    expect: { productId: 'p-hyaluronic-cream', attribute: 'suitableSkin' },
  },
  {
    turns: ['is the physical sunscreen ok for oily skin'],
    kind: 'facts in English',
    expect: { productId: 'p-sunscreen-sensitive', attribute: 'suitableSkin' },
  },
  {
    turns: ['which sunscreen for oily skin', 'is it waterproof'],
    kind: 'facts in English — water',
    expect: { articleId: 'kb-sunscreen-light-usage' },
  },
  {
    turns: ['does the tote come with a warranty'],
    kind: 'facts in English — warranty',
    expect: { productId: 'p-leather-tote' },
    text: /warranty/,
  },

  // "I bought…": after-sales, and product questions that start with a purchase.
  {
    turns: ['I bought the serum, how do I use it'],
    kind: '"I bought" + product question',
    expect: { articleId: 'kb-serum-usage' },
  },
  {
    turns: ['我买的是跨境奶粉，能开发票吗'],
    kind: '"I bought" + invoice',
    expect: { articleId: 'kb-invoice-crossborder' },
  },
  {
    turns: ['我买的面霜适合混合皮吗'],
    kind: '"I bought" + product question',
    expect: { productId: 'p-hyaluronic-cream', attribute: 'suitableSkin' },
  },
  {
    turns: ['I bought the cushion, which skin types is it for'],
    kind: '"I bought" + product question',
    expect: { productId: 'p-cushion-foundation', attribute: 'suitableSkin' },
  },
  {
    turns: ['我买的牛肉干包装破了'],
    kind: '"I bought" after-sales',
    expect: { articleId: 'kb-damaged-or-missing' },
  },
  {
    turns: ['I bought a phone case from you and it cracked'],
    kind: '"I bought" after-sales (not carried)',
    expect: { intent: 'return_request' },
    notText: /don'?t carry/,
  },
  {
    turns: ['我买的牛仔裤掉色', '怎么洗'],
    kind: '"I bought" follow-up',
    expect: { articleId: 'kb-jeans-fading' },
  },

  // A man as the one it is for.
  {
    turns: ['is the tote ok for men'],
    kind: 'a man as recipient',
    expect: { productId: 'p-leather-tote' },
    text: /men can use it/,
  },
  {
    turns: ['推荐一款保湿面霜', '我老公用可以吗'],
    kind: 'a man as recipient — follow-up',
    expect: { productId: 'p-hyaluronic-cream' },
    text: /男士也可以用/,
  },
  {
    turns: ['我爸是油皮，推荐个洗面奶'],
    kind: 'a dad with a skin type',
    expect: { articleId: 'kb-routine-oily-skin' },
  },
  {
    turns: ['is the formula ok for a 2 year old'],
    kind: 'age neighbour of the grandpa break',
    expect: { productId: 'p-au-formula' },
    text: /12–36 months/,
  },
  {
    turns: ['what time do you close orders for same-day shipping'],
    kind: 'service hours (fixed by bot-h)',
    expect: { articleId: 'kb-shipping-time' },
  },
  {
    turns: ['你们仓库周末上班吗'],
    kind: 'service hours (fixed by bot-h)',
    expect: { articleId: 'kb-shipping-time' },
  },
  {
    turns: ['when do you work on returns I sent back'],
    kind: 'service hours (fixed by bot-h)',
    expect: { articleId: 'kb-refund-arrival' },
  },
  {
    turns: ['does your coupon work on weekends'],
    kind: 'service hours (fixed by bot-h)',
    expect: { intent: 'coupon_usage' },
    not: { articleId: 'kb-service-hours' },
  },
  {
    turns: ['what time does your flash sale open'],
    kind: 'service hours (fixed by bot-h)',
    expect: { articleId: null },
  },
  {
    turns: ['your app is not working tonight'],
    kind: 'service hours (fixed by bot-h)',
    expect: { articleId: null },
  },
  {
    turns: ['订单一直待发货，这期间降价了能价保吗'],
    kind: 'stuck order (fixed by bot-h)',
    expect: { articleId: 'kb-price-protection' },
  },
  {
    turns: ['my exchange order is still processing'],
    kind: 'stuck order (fixed by bot-h)',
    expect: { intent: 'exchange_size' },
  },
  {
    turns: ['付款一直处理中，钱扣了但订单没生成'],
    kind: 'stuck order (fixed by bot-h)',
    expect: { intent: 'payment_issue' },
  },
  {
    turns: ['价保申请一直处理中'],
    kind: 'stuck order (fixed by bot-h)',
    expect: { articleId: 'kb-price-protection-apply' },
  },
  {
    turns: ['my order is still processing, can I add an item'],
    kind: 'stuck order (fixed by bot-h)',
    expect: { articleId: null },
  },
  {
    turns: ['do you ship to Guangzhou for free'],
    kind: 'mainland place (fixed by bot-h)',
    expect: { articleId: 'kb-shipping-carrier-fee' },
  },
  {
    turns: ['Is delivery to Tibet more expensive'],
    kind: 'mainland place (fee)',
    expect: { articleId: 'kb-shipping-carrier-fee' },
  },
  {
    turns: ['我下单寄到西安，什么时候发货'],
    kind: 'mainland place (fixed by bot-h)',
    expect: { articleId: 'kb-shipping-time' },
  },
  {
    turns: ['想送上海的朋友一份礼物，有推荐吗'],
    kind: 'mainland place (fixed by bot-h)',
    expect: {},
    not: { articleId: 'kb-delivery-eta' },
  },
  {
    turns: ["is there any guarantee the formula won't be close to expiry"],
    kind: 'facts in English — guarantee (fixed by bot-h)',
    expect: { intent: 'shelf_life' },
  },
  {
    turns: ['爷爷能吃这个牛肉干吗'],
    kind: 'a man as recipient (fixed by bot-h)',
    expect: { productId: 'p-beef-jerky' },
    notText: /不分男女/,
  },
  {
    turns: ['我爸能用婴儿沐浴露给孙子洗澡吗'],
    kind: 'a man as recipient (fixed by bot-h)',
    expect: { productId: 'p-baby-wash' },
    notText: /不分男女/,
  },
  // The lead's probe after bot-h: a kin word that only says who wants it, with another question.
  {
    turns: ['my dad wants the beef jerky, is it very spicy?'],
    kind: 'a man as recipient, another question asked (lead, stop 27)',
    expect: { productId: 'p-beef-jerky' },
    notText: /not made for one sex|men can use/i,
  },
  {
    turns: ['我爸想买这个牛肉干，辣不辣'],
    kind: 'a man as recipient, another question asked (lead, stop 27)',
    expect: { productId: 'p-beef-jerky' },
    notText: /不分男女/,
  },
  {
    turns: ['is the wool cardigan suitable for my dad?'],
    kind: 'a man as recipient, asked as suitability (guard)',
    expect: { productId: 'p-wool-cardigan' },
    // Reads as English: "don't list its fit for men", not "its whether it is cut for men".
    notText: /its whether/,
  },
  // review-g's known breaks fixed by bot-i (expectations unchanged).
  {
    turns: ['寄到北京的包裹少了一件'],
    kind: 'mainland place (fixed by bot-i)',
    expect: { articleId: 'kb-damaged-or-missing' },
  },
  {
    turns: ['寄到成都的包裹破了'],
    kind: 'mainland place (fixed by bot-i)',
    expect: { articleId: 'kb-damaged-or-missing' },
  },
  {
    turns: ['when do you guys open the presale for the cushion'],
    kind: 'a man as recipient (fixed by bot-i)',
    expect: {},
    notText: /men can use/,
  },
  {
    turns: ['my refund is still processing'],
    kind: 'stuck order — refund neighbour (fixed by bot-i)',
    expect: { articleId: 'kb-refund-arrival' },
  },
  {
    turns: ['is your live stream on tonight'],
    kind: 'service hours — live neighbour (fixed by bot-i)',
    expect: { articleId: null },
  },
  {
    turns: ['半夜还能咨询吗'],
    kind: 'service hours (fixed by bot-i)',
    expect: { articleId: 'kb-service-hours' },
  },
  {
    turns: ['I left a message last night, when will someone get back to me'],
    kind: 'service hours (fixed by bot-i)',
    expect: { articleId: 'kb-service-hours' },
  },
  {
    turns: ['my coupon expired, can I get it back'],
    kind: 'coupon trouble (fixed by bot-i)',
    expect: { articleId: 'kb-coupon-not-working' },
  },
  {
    turns: ['does the cushion hold up when I sweat at the gym'],
    kind: 'facts in English — sweat (fixed by bot-i)',
    expect: { productId: 'p-cushion-foundation', articleId: null },
  },
];

describe('review-g guards: new phrasings answered right, and neighbours kept', () => {
  it.each(GUARDS.map((c) => [c.kind, c.turns.join(' / '), c] as const))('%s: "%s"', (_kind, _label, c) => {
    check(c);
  });
});

// ---------------------------------------------------------------------------------------------
// KNOWN_BREAKS — NOT run by this file. Each is answered wrong on main (dc3ca08) today; `expect`
// is what the demo knowledge says answers it, `now` what main gives, `cause` the rule that takes
// it when it could be read off the engine. For the next session: fix the kind, then move the case
// into GUARDS above. (Found against the demo at 392cb32; `now` re-checked in-process on dc3ca08.)
// ---------------------------------------------------------------------------------------------

const SERVICE_OPEN =
  "bot-f's asksWhenServiceOpen (shopper-signals.ts:84-106: you/your + open/close/available/work + a time word) overriding the ranking (answer-engine.ts:1253-1272)";

export const KNOWN_BREAKS: ReviewCase[] = [
  // Service hours: the new override takes questions about other things said with "you … open/available/work".
  {
    turns: ['when will you have the cardigan available again in my size'],
    kind: 'service hours (stolen)',
    expect: { articleId: 'kb-exchange-out-of-stock' },
    now: 'clarify on the cardigan (bot-i re-check; bot-h: kb-shipping-time)',
    cause: SERVICE_OPEN,
  },
  {
    turns: ['is your warehouse open on sundays'],
    kind: 'service hours (stolen)',
    expect: { articleId: 'kb-shipping-time' },
    now: 'decline (bot-i re-check; was kb-service-hours)',
    cause: SERVICE_OPEN,
  },
  {
    turns: ['when will your new coupons be available'],
    kind: 'service hours (stolen)',
    expect: { articleId: 'kb-coupon-find' },
    now: 'kb-live-coupon-claim, confidence 1 (bot-i re-check; was kb-service-hours)',
    cause: SERVICE_OPEN,
  },
  {
    turns: ["are you open on new year's day", 'and do you ship then'],
    kind: 'service hours follow-up',
    expect: { articleId: 'kb-shipping-time' },
    now: 'kb-shipping-carrier-fee ("ship")',
  },
  {
    turns: ['what time does the warehouse ship out on sundays'],
    kind: 'dispatch at the weekend',
    expect: { articleId: 'kb-shipping-time' },
    now: 'clarify "notes don\'t cover" (bot-f: kb-shipping-carrier-fee)',
  },

  // Stuck order: the settled rule forces dispatch over the matter actually asked.
  {
    turns: ['跨境订单一直没发货'],
    kind: 'stuck order (pre-existing)',
    expect: { articleId: 'kb-crossborder-shipping' },
    now: 'kb-shipping-time (customs clearance first, 1-3 working days)',
  },

  // Mainland places: the place decides when another matter is the question.
  {
    turns: ['寄到广州的快递能改地址吗'],
    kind: 'mainland place (pre-existing)',
    expect: { articleId: 'kb-address-change' },
    now: 'kb-delivery-eta (same before bot-f)',
  },

  // Product facts in English.
  {
    turns: ['can I wear the light sunscreen swimming'],
    kind: 'facts in English — water',
    expect: { articleId: 'kb-sunscreen-light-usage' },
    now: 'kb-pregnancy-skincare (demo: kb-sunscreen-choose)',
  },
  {
    turns: ['once you open the formula how long is it good for'],
    kind: '"open" = opened (facts)',
    expect: { intent: 'shelf_life' },
    now: 'kb-crossborder-shipping',
  },

  // A man as the recipient: the new kin words make every "for grandpa/dad" a question of sex.
  {
    turns: ["the formula is for my grandpa's grandson, is it ok for a 2 year old"],
    kind: 'a man as recipient (stolen)',
    expect: { productId: 'p-au-formula' },
    text: /12–36 months/,
    now: 'clarify (bot-h: the for-men reading yields now; the age fact is not reached)',
    cause: "bot-f's grandpa in ASKS_MEN (goods-lexicon.ts:189-190)",
  },
  {
    turns: ['can my dad use the diapers for my baby son'],
    kind: 'a man as recipient (stolen)',
    expect: { productId: 'p-diapers' },
    not: { attribute: 'unisex' },
    now: 'clarify, no product (bot-h: the for-men reading yields now; diapers not named)',
    cause: "bot-f's dad in ASKS_MEN (goods-lexicon.ts:189-190)",
  },

  // Coupons.
  {
    turns: ['优惠券怎么用'],
    kind: 'coupon how-to',
    expect: { intent: 'coupon_usage' },
    not: { articleId: 'kb-live-coupon-claim' },
    now: 'kb-live-coupon-claim, confidence 1',
  },

  // Skin.
  {
    turns: ['送给女朋友的面霜，她敏感肌用了脸红'],
    kind: 'skin — a reaction to a gift',
    expect: { articleId: 'kb-allergy-first-aid' },
    now: 'kb-routine-dry-skin',
  },
  {
    turns: ['face went red after the mask, what do I do'],
    kind: 'skin — a reaction',
    expect: { articleId: 'kb-allergy-first-aid' },
    now: 'clarify, intent allergy_reaction, no article (bot-i: "red" is no longer read as a colour; the words reach no article of the reading)',
  },
  {
    turns: ['the leather on my tote is peeling, anything you recommend'],
    kind: 'peeling that is no skin',
    expect: { productId: 'p-leather-tote' },
    not: { attribute: 'material' },
    now: "the tote's material, confidence 1",
  },

  // Other neighbours.
  {
    turns: ['you closed my order without asking, why'],
    kind: 'order closed',
    expect: { articleId: 'kb-payment-failed' },
    now: 'kb-order-cancel',
  },
];

describe('review-g known breaks (listed, not run)', () => {
  it('each names the answer expected and what main gives now', () => {
    for (const c of KNOWN_BREAKS) {
      expect(c.turns.length, c.turns.join(' / ')).toBeGreaterThan(0);
      expect(c.now, c.turns.join(' / ')).toBeTruthy();
      expect(
        Object.keys(c.expect).length + Object.keys(c.not ?? {}).length + (c.notText ? 1 : 0),
      ).toBeGreaterThan(0);
    }
  });
});
