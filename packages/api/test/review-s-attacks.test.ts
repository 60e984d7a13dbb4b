// review-s: a fresh reviewer's shopper attacks on what bot-32, bot-32b and bot-33 say they fixed as
// kinds (lost / stalled parcels and 催, the service's contact and hours, a pregnant or breastfeeding
// shopper's services, follow-ups that carry who a question is for, a bare use asked after a product,
// goods for men, big sizes, English descriptive names, pinyin, who may use a product, goods asked
// without 吗, stock, one shipment / one return, customs, address changes, cancel when not received).
// New wordings, typos, slang, mixed zh/en, 2–3-turn conversations, the same kind on other products,
// and near-misses where the old right answer must stay. Each case asserts what a competent human agent
// would answer from the demo store (/work/shared/demo-store: articles, catalogue, relations), not what
// the engine says. A `test` is a guard that holds today; a `test.fails` is a break and its `gave` says
// what the engine answered on main (82fbc29, bot-33 merged) when this file was written.
import { beforeAll, describe, expect, test } from 'vitest';
import type { AnswerEngine, EngineResult } from '../src/knowledge/engine/answer-engine';
import { converseWith, demoEngine } from './demo-engine';

type OneOrMany = string | string[];

interface Attack {
  /** The shopper's turns, "||"-separated; the last answer is judged. */
  say: string;
  article?: OneOrMany;
  /** A product the answer must be about (null: about no single product). */
  product?: OneOrMany | null;
  attr?: OneOrMany;
  intent?: OneOrMany;
  /** The reply must say this (the fact a human would give). */
  text?: RegExp;
  /** The reply must not say this (the wrong fact). */
  notText?: RegExp;
  notArticle?: string[];
  notProduct?: string[];
  /** An answer, not an ask-back or an off-topic refusal. */
  answered?: boolean;
  /** Escalating to a person is also right. */
  orEscalate?: boolean;
  /** Breaks only: what the engine gave when this file was written. */
  gave?: string;
}

let engine: AnswerEngine;
beforeAll(() => {
  engine = demoEngine();
});

const anyOf = (v: OneOrMany): string[] => (Array.isArray(v) ? v : [v]);

function judge(a: Attack): void {
  const turns = a.say.split('||').map((t) => t.trim());
  const r: EngineResult = converseWith(engine, turns);
  const label = a.say;
  if (a.orEscalate && r.action === 'escalate') return;
  if (a.article !== undefined) expect(anyOf(a.article), `${label}: article`).toContain(r.articleId);
  if (a.product === null) expect(r.productId, `${label}: no single product`).toBeNull();
  else if (a.product !== undefined) expect(anyOf(a.product), `${label}: product`).toContain(r.productId);
  if (a.attr !== undefined) expect(anyOf(a.attr), `${label}: attribute`).toContain(r.attribute);
  if (a.intent !== undefined) expect(anyOf(a.intent), `${label}: intent`).toContain(r.intent);
  if (a.text) expect(r.text, `${label}: says`).toMatch(a.text);
  if (a.notText) expect(r.text, `${label}: does not say`).not.toMatch(a.notText);
  for (const n of a.notArticle ?? []) expect(r.articleId, `${label}: not ${n}`).not.toBe(n);
  for (const n of a.notProduct ?? []) expect(r.productId, `${label}: not ${n}`).not.toBe(n);
  if (a.answered) {
    expect(r.action, `${label}: not asked back`).not.toBe('clarify');
    expect(r.action, `${label}: not refused`).not.toBe('decline');
  }
}

function run(kind: string, guards: Attack[], breaks: Attack[]): void {
  describe(kind, () => {
    for (const g of guards) test(`guard: ${g.say}`, () => judge(g));
    for (const b of breaks) {
      if (!b.gave) throw new Error(`a break says what the engine gave: ${b.say}`);
      // A break: the engine gave `b.gave`; the assertion is the right answer, so this test fails now.
      test.fails(`break: ${b.say} (gave ${b.gave})`, () => judge(b));
    }
  });
}

const STALLED = 'kb-logistics-stalled';

// ---------------------------------------------------------------------------------------------
// 1. Lost / stalled parcels, chasing (催) a parcel
// ---------------------------------------------------------------------------------------------
run(
  'lost / stalled parcel, 催',
  [
    { say: '我的快递好像丢了，能补发吗', article: STALLED },
    { say: '包裹被快递弄丢了 怎么赔', article: STALLED },
    { say: 'my oder got lost', article: STALLED },
    { say: 'the courier lost my package', article: STALLED },
    { say: '物流一直显示运输中 快十天了', article: STALLED },
    { say: '快递停在驿站前一站三天了', article: STALLED },
    { say: '物流 no update 5天了', article: STALLED },
    { say: '奶粉卡在海关了', article: STALLED },
    // near-misses: the old right answer must stay
    { say: '快递单号丢了', article: 'kb-track-order' },
    { say: '快递被人偷了', article: 'kb-signed-not-received' },
    { say: '显示签收了但没收到', article: 'kb-signed-not-received' },
    { say: '都3天了还没发货 催一下', article: 'kb-shipping-time' },
    { say: '面霜的包装盒丢了能退吗', intent: 'return_request', notArticle: [STALLED] },
    // was a break (gave clarify "our notes don't cover that"); fixed by bot-33b
    { say: 'lost parcle', article: STALLED },
    // was a break (gave kb-track-order); fixed by bot-33b
    { say: '我的parcel丢了', article: STALLED },
    // was a break (gave kb-payment-failed); fixed by bot-33b
    { say: 'order stuck for a week, pls chase', article: STALLED },
    // was a break (gave kb-track-order); fixed by bot-33b
    { say: 'wheres my parcel its been 10 days no update', article: STALLED },
    // 催 with no span of days: the stalled article is the only one saying "we chase the courier (催件)".
    // was a break (gave kb-track-order); fixed by bot-33b
    { say: '催一下我的快递', article: STALLED },
    // was a break (gave clarify "our notes don't cover that"); fixed by bot-33b
    {
      say: 'can u hurry my delivery',
      article: [STALLED, 'kb-track-order', 'kb-delivery-eta'],
    },
    // 催 a dispatch (not shipped yet): the dispatch article, as "都3天了还没发货 催一下" gets.
    // was a break (gave clarify between readings); fixed by bot-33b
    { say: '帮我催一下发货', article: 'kb-shipping-time' },
    // "went missing" of a whole package is a lost parcel, not an item missing from a box (漏发).
    // was a break (gave ticket kb-damaged-or-missing); fixed by bot-33b
    { say: 'my package went missing', article: STALLED },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 2. The service's contact / hotline / hours
// ---------------------------------------------------------------------------------------------
const HOURS = 'kb-service-hours';
run(
  'service contact, hotline, hours',
  [
    { say: '客服电话号码给一个', article: HOURS },
    { say: '售后的联系方式', article: HOURS },
    { say: '你们客服周末上班吗', article: HOURS },
    { say: '客服hotline多少', article: HOURS },
    { say: '人工客服电话', article: HOURS, orEscalate: true },
    // near-miss: the courier's phone is in the tracking details (signed-not-received says so)
    { say: '快递员电话多少', article: 'kb-signed-not-received' },
    // was a break (gave decline (off-topic)); fixed by bot-33b
    { say: 'customer servise phone number?', article: HOURS },
    // was a break (gave kb-signed-not-received); fixed by bot-33b
    { say: '400电话多少', article: HOURS },
    // was a break (gave kb-welcome); fixed by bot-33b
    { say: '联系不上客服', article: HOURS, orEscalate: true },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 3. A pregnant / breastfeeding shopper asking a service
// ---------------------------------------------------------------------------------------------
run(
  'pregnant / breastfeeding shopper asks a service',
  [
    { say: '我在哺乳期，七天无理由能退吗', article: 'kb-return-policy' },
    { say: '孕妇 退货运费谁出', article: 'kb-return-shipping-fee' },
    { say: '怀孕了 退款多久到账', article: 'kb-refund-arrival' },
    { say: '哺乳期妈妈，优惠券怎么领', article: 'kb-coupon-find' },
    { say: '孕妇买的奶粉能退吗', article: 'kb-crossborder-return' },
    // was a break (gave kb-return-shipping-fee); fixed by bot-33b
    {
      say: "pregnant here - what's your return policy?",
      article: 'kb-return-policy',
    },
    // was a break (gave kb-return-shipping-fee); fixed by bot-33b
    {
      say: 'im pregnant, how do i return stuff',
      article: ['kb-return-how-to', 'kb-return-policy'],
    },
    // Nothing opened or used is said: the 7-day rule, not the opened-goods exceptions.
    // was a break (gave kb-return-exceptions); fixed by bot-33b
    { say: '我怀孕了 买的东西能退吗', article: 'kb-return-policy' },
    // was a break (gave kb-return-exceptions); fixed by bot-33b
    { say: '买的东西能退吗', article: 'kb-return-policy' },
    // was a break (gave kb-pregnancy-skincare); fixed by bot-33b
    { say: '哺乳期 衣服尺码不合适能换吗', article: 'kb-exchange-size' },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 4. Follow-ups that carry who the question is for; a bare use after a product
// ---------------------------------------------------------------------------------------------
const PREG = 'kb-pregnancy-skincare';
run(
  'follow-ups carrying who it is for',
  [
    { say: '孕妇能用物理防晒吗 || 那面膜呢', article: PREG, product: 'p-cica-mask' },
    { say: '孕妇能用面霜吗 || 那洗面奶呢 || 面膜呢', article: PREG, product: 'p-cica-mask' },
    {
      say: 'can pregnant women use the cica mask || what about the serum',
      article: PREG,
      product: 'p-niacinamide-serum',
    },
    { say: '怀孕能用面霜吗 || 谢谢 || 那面膜呢', article: PREG, product: 'p-cica-mask' },
    { say: '洗面奶多少钱 || 孕妇能用不', article: PREG, product: 'p-amino-cleanser' },
    { say: '面膜多少钱 || 宝宝能用吗', product: 'p-cica-mask', text: /没有写/ },
    { say: '宝宝能用面膜吗 || 那洗面奶呢', product: 'p-amino-cleanser', text: /没有写/ },
    { say: '宝宝能用面霜吗 || 那面膜呢', product: 'p-cica-mask', text: /没有写/ },
    // The cushion is not in the pregnancy article's list: "not stated" is the honest answer.
    { say: '哺乳期能用防晒吗 || 那气垫呢', product: 'p-cushion-foundation', text: /没有写明/ },
    { say: 'cream price || safe for pregnancy?', article: PREG },
    // 孕妇呢 after the cream's shelf life: the cream for a pregnant shopper — the engine read 孕妇 as
    // the physical sunscreen's alias 孕妇防晒 and answered that sunscreen's shelf life.
    // was a break (gave shelf life of p-sunscreen-sensitive); fixed by bot-33b
    {
      say: '面霜保质期多久 || 孕妇呢',
      article: PREG,
      notProduct: ['p-sunscreen-sensitive'],
    },
    // 那宝宝呢 asks the sunscreens (in view) for a child — not the baby wash's ingredients.
    // was a break (gave the baby wash ingredients (p-baby-wash)); fixed by bot-33b
    {
      say: '怀孕能用防晒吗 || 那宝宝呢',
      notProduct: ['p-baby-wash'],
      text: /防晒/,
    },
    // The article is right, but the product in view stays the earlier one, not the sunscreen asked.
    // was a break (gave kb-pregnancy-skincare with productId p-hyaluronic-cream); fixed by bot-33b
    {
      say: 'breastfeeding, can i use the cream || and the sunscreen?',
      article: PREG,
      notProduct: ['p-hyaluronic-cream'],
    },
    // was a break (gave kb-pregnancy-skincare with productId p-niacinamide-serum); fixed by bot-33b
    {
      say: '怀孕可以用精华吗 || 那防晒呢',
      article: PREG,
      notProduct: ['p-niacinamide-serum'],
    },
  ],
  [],
);

run(
  'a bare use or product asked after a product',
  [
    { say: '气垫多少钱 || 能防晒吗', product: 'p-cushion-foundation', text: /SPF|防晒/ },
    { say: '精华液多少钱 || 防晒吗', product: 'p-niacinamide-serum', text: /没有写/ },
    { say: '物理防晒多少钱 || 控油吗', product: 'p-sunscreen-sensitive', text: /没有写明/ },
    { say: '防晒乳多少钱 || 能保湿吗', product: 'p-sunscreen-light', text: /没有写明/ },
    { say: '面霜多少钱 || 能防晒不', product: 'p-hyaluronic-cream', text: /没有写/ },
    // was a break (gave clarify "能再具体说说吗" (care_instructions)); fixed by bot-33b
    {
      say: '面霜多少钱 || 能祛痘吗',
      product: 'p-hyaluronic-cream',
      text: /没有写/,
    },
    // was a break (gave clarify "想了解它的哪方面呢"); fixed by bot-33b
    {
      say: '气垫多少钱 || 那口红呢',
      product: 'p-velvet-lipstick',
      text: /¥129/,
    },
    // 美白 is stated by the serum's alias (美白精华), not by the cream: say so, not how to apply it.
    // was a break (gave kb-cream-usage (how to apply the cream)); fixed by bot-33b
    {
      say: '面霜多少钱 || 能美白吗',
      product: 'p-hyaluronic-cream',
      text: /没有写/,
      notArticle: ['kb-cream-usage'],
    },
    // was a break (gave the cream price ¥189 (seen by bot-33, left)); fixed by bot-33b
    {
      say: '面霜多少钱 || 这款防晒多少钱',
      text: /¥1[35]9/,
      notText: /¥189/,
    },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 5. Goods for men
// ---------------------------------------------------------------------------------------------
run(
  'goods for men',
  [
    { say: '男士能用洗面奶吗', product: 'p-amino-cleanser', text: /不分男女/ },
    { say: '男朋友能用这个精华吗', product: 'p-niacinamide-serum', text: /不分男女/ },
    { say: '这个面霜男生能用吗', product: 'p-hyaluronic-cream', text: /不分男女/ },
    { say: '男的能用口红吗', product: 'p-velvet-lipstick', text: /不分男女/ },
    { say: '男生敏感肌用什么', article: 'kb-routine-sensitive-skin' },
    // near-miss: goods the shop does not sell stay "we don't sell it"
    { say: '有卖男士香水吗', text: /没有香水/ },
    // was a break (gave kb-routine-dry-skin); fixed by bot-33b
    { say: '男生用什么护肤品', text: /不分男女|男士/ },
    // "有的～" reads as "yes, we have a men's cream"; the catalogue has no men's line.
    // was a break (gave "有的～澜悦玻尿酸水润保湿面霜 ¥189"); fixed by bot-33b
    { say: '有男士面霜吗', text: /不分男女|没有专门/ },
    // was a break (gave "有的～澜悦氨基酸温和洁面乳 ¥79"); fixed by bot-33b
    { say: '有男士洗面奶吗', text: /不分男女|没有专门/ },
    // A floral dress is no men's clothing.
    // was a break (gave "有的～" floral dress, jeans, cardigan); fixed by bot-33b
    {
      say: '有男士的衣服吗',
      notText: /碎花连衣裙/,
    },
    // was a break (gave decline (off-topic)); fixed by bot-33b
    { say: 'anything for guys', answered: true },
    // All the skincare suits men by skin type; "we don't carry skincare for men" + the category list
    // sends a man away from goods he can use (the Chinese answer lists them; seen by bot-33, left).
    // was a break (gave "Sorry, we don't carry skincare for men. Here is what we have: …"); fixed by bot-34
    {
      say: 'do you have skincare for men',
      text: /Cleanser|Cream|Sunscreen|Serum|Mask/i,
    },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 6. Big sizes
// ---------------------------------------------------------------------------------------------
run(
  'big sizes',
  [
    { say: 'plus size jeans?', product: 'p-straight-jeans', attr: 'sizes', text: /31/ },
    { say: '有加肥加大的吗', attr: 'sizes', text: /XL[\s\S]*31|31[\s\S]*XL/ },
    { say: '有XXL的裙子吗', product: 'p-floral-dress', text: /XL/ },
    { say: '碎花裙 || 有大码吗', product: 'p-floral-dress', attr: 'sizes', text: /XL/ },
    { say: '开衫有XL吗', product: 'p-wool-cardigan', text: /没有 ?XL/ },
    // near-misses: size advice and exchanges keep their articles
    { say: '胖子穿什么码', article: 'kb-size-measure' },
    { say: '大码没货了怎么办', article: 'kb-exchange-out-of-stock' },
    { say: '裤子小了换大一码', article: 'kb-exchange-size' },
    // The cardigan is sold in S/M/L only; "有的～" tells her an XL exists.
    // was a break (gave "有的～羊毛混纺针织开衫 ¥329"); fixed by bot-33b
    {
      say: 'XL码的开衫有吗',
      product: 'p-wool-cardigan',
      text: /没有 ?XL/,
    },
    // was a break (gave clarify "想了解它的哪方面呢"); fixed by bot-33b
    {
      say: '有大码开衫吗 || 那牛仔裤呢',
      product: 'p-straight-jeans',
      attr: 'sizes',
      text: /31/,
    },
    // No size said to be out of stock: the exchange article, not the restock one.
    // was a break (gave ticket kb-exchange-out-of-stock); fixed by bot-33b
    {
      say: '想换大码',
      article: ['kb-exchange-size', 'kb-exchange-how-to'],
    },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 7. English descriptive names, pinyin
// ---------------------------------------------------------------------------------------------
run(
  'English names and pinyin',
  [
    { say: 'oil control sunscreen price', product: 'p-sunscreen-light', text: /139/ },
    { say: 'is the physical sunscreen ok for sensitive skin', product: 'p-sunscreen-sensitive' },
    { say: 'niacinamide serum for oily skin?', product: 'p-niacinamide-serum' },
    { say: 'baby shampoo price', product: 'p-baby-wash', text: /69/ },
    { say: 'xiao bai ping duoshao qian', product: 'p-niacinamide-serum', text: /229/ },
    { say: 'yunfu neng yong mianshuang ma', article: PREG, product: 'p-hyaluronic-cream' },
    { say: 'mian shuang shi he gan pi ma', product: 'p-hyaluronic-cream' },
    { say: '孕妇can use 面霜吗', article: PREG, product: 'p-hyaluronic-cream' },
    // was a break (gave kb-shipping-time); fixed by bot-33b
    { say: 'cica mask how long to leave on', article: 'kb-mask-usage' },
    // was a break (gave clarify "哪款商品"); fixed by bot-33b
    { say: 'fangshai duoshao qian', text: /139[\s\S]*159|159[\s\S]*139/ },
    // was a break (gave the serum ingredients (no pregnancy answer)); fixed by bot-34
    {
      say: 'brightening serum for pregnant women',
      article: PREG,
    },
    // was a break (gave kb-pregnancy-skincare); fixed by bot-34
    { say: 'you mei you fang shai', text: /139[\s\S]*159|159[\s\S]*139/ },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 8. Who may use a product or a kind word
// ---------------------------------------------------------------------------------------------
run(
  'who may use a product',
  [
    { say: '敏感肌能用小白瓶吗', product: 'p-niacinamide-serum', text: /不太推荐/ },
    { say: '干皮能用控油防晒吗', product: 'p-sunscreen-light', text: /不太推荐/ },
    { say: '混合皮能用面霜吗', product: 'p-hyaluronic-cream', text: /可以用/ },
    { say: '小蓝瓶孕妇能用吗', article: PREG, product: 'p-sunscreen-light' },
    { say: '宝宝能用沐浴露吗', product: 'p-baby-wash', text: /可以用/ },
    { say: '孕期可以涂口红吗', product: 'p-velvet-lipstick', text: /没有写明/ },
    {
      say: 'can i use the mineral sunscreen while breastfeeding',
      article: PREG,
      product: 'p-sunscreen-sensitive',
    },
    { say: '有没有孕妇能用的防晒', article: PREG },
    { say: '孕妇能用哪款防晒', article: PREG },
    { say: '精华孕妇能用吗', article: PREG, product: 'p-niacinamide-serum' },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 9. Goods asked without 吗 (or with a quality the name states / does not state)
// ---------------------------------------------------------------------------------------------
run(
  'goods asked by a use or a quality',
  [
    { say: '有没有控油的', product: 'p-sunscreen-light' },
    { say: '保湿的产品有哪些', text: /保湿面霜/ },
    { say: '有防晒的气垫吗', product: 'p-cushion-foundation' },
    { say: '有没有适合敏感肌的', article: 'kb-routine-sensitive-skin' },
    // 美白精华 is the serum's own alias.
    // was a break (gave kb-pregnancy-skincare); fixed by bot-33b
    { say: '美白的有哪些', text: /烟酰胺/, notArticle: [PREG] },
    // was a break (gave clarify between readings); fixed by bot-33b
    { say: '有没有美白的', text: /烟酰胺/, notArticle: [PREG] },
    // 修护 is in the mask's and the mineral sunscreen's names.
    // was a break (gave kb-pregnancy-skincare); fixed by bot-33b
    { say: '修护的有哪些', text: /积雪草|修护/, notArticle: [PREG] },
    // The cleanser states no oil control ("有的～" claims it does).
    // was a break (gave "有的～澜悦氨基酸温和洁面乳 ¥79"); fixed by bot-33b
    { say: '有控油的洗面奶吗', text: /没有/ },
    // The light sunscreen contains alcohol (乙醇); only the mineral one is alcohol-free.
    // was a break (gave "有的～" both sunscreens); fixed by bot-33b
    {
      say: '有不含酒精的防晒吗',
      text: /物理防晒霜/,
      notText: /清透控油防晒乳/,
    },
    // Neither sunscreen states a child may use it; "有的～" says there is a baby sunscreen.
    // was a break (gave "有的～" both sunscreens); fixed by bot-33b
    { say: '宝宝防晒有吗', notText: /^有的/ },
    // was a break (gave kb-baby-rash (a rash after the wash)); fixed by bot-33b
    {
      say: '有没有给宝宝用的',
      text: /沐浴露|纸尿裤|奶粉/,
      notArticle: ['kb-baby-rash'],
    },
    // was a break (gave clarify "哪款商品"); fixed by bot-33b
    { say: '防晒多少钱', text: /139[\s\S]*159|159[\s\S]*139/ },
    // 补水面霜 is the cream's alias.
    // was a break (gave decline (off-topic)); fixed by bot-34
    { say: '有啥补水的', text: /玻尿酸/ },
    // 温和 is in the cleanser's own name.
    // was a break (gave clarify "商品资料里没有写明"); fixed by bot-34
    {
      say: '有没有温和的洗面奶',
      text: /温和洁面乳/,
      notText: /没有写明/,
    },
    // was a break (gave kb-routine-dry-skin); fixed by bot-34
    { say: '婴儿能用什么', text: /沐浴露|纸尿裤|奶粉/ },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 10. Stock
// ---------------------------------------------------------------------------------------------
run(
  'stock',
  [
    { say: '坚果有库存吗', product: 'p-daily-nuts' },
    { say: '小白瓶有货吗', product: 'p-niacinamide-serum' },
    { say: '纸尿裤M码有货吗', product: 'p-diapers', text: /有货/ },
    { say: '牛仔裤25码还有吗', product: 'p-straight-jeans', text: /缺货/ },
    { say: '碎花裙XL有货吗', product: 'p-floral-dress', text: /缺货/ },
    // was a break (gave kb-crossborder-return (not returnable)); fixed by bot-34
    {
      say: '奶粉有现货吗',
      product: 'p-au-formula',
      notArticle: ['kb-crossborder-return'],
    },
    // was a break (gave clarify "想了解它的哪方面呢"); fixed by bot-34
    {
      say: '牛仔裤还有26的吗',
      product: 'p-straight-jeans',
      text: /26/,
    },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 11. One shipment / one return
// ---------------------------------------------------------------------------------------------
run(
  'one shipment, one return',
  [
    { say: '两个订单一起发可以吗', article: 'kb-shipping-time' },
    { say: '买了面霜和精华能一起寄吗', article: 'kb-shipping-time' },
    { say: '两件能一起退吗', article: 'kb-return-policy' },
    // was a break (gave clarify between readings); fixed by bot-33b
    { say: '买了两件能一起发吗', article: 'kb-shipping-time' },
    // was a break (gave kb-track-order); fixed by bot-33b
    {
      say: '买了两件能合并成一个包裹吗',
      article: ['kb-shipping-time', 'kb-shipping-carrier-fee'],
    },
    // was a break (gave kb-invoice-apply); fixed by bot-33b
    {
      say: '能不能分开发货',
      intent: 'shipping_time',
      notArticle: ['kb-invoice-apply'],
    },
    // was a break (gave kb-refund-arrival); fixed by bot-33b
    {
      say: '退货可以一起寄回吗',
      article: ['kb-return-policy', 'kb-return-how-to'],
    },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 12. Customs
// ---------------------------------------------------------------------------------------------
run(
  'customs',
  [
    { say: '跨境奶粉清关多久', article: 'kb-crossborder-shipping' },
    { say: '奶粉要身份证吗', article: 'kb-crossborder-quota' },
    { say: '奶粉要交税吗', article: 'kb-crossborder-tax-calc' },
    { say: '清关中 一直不动', article: STALLED },
    // was a break (gave kb-refund-arrival); fixed by bot-33b
    { say: '跨境奶粉多久到', article: 'kb-crossborder-shipping' },
    // was a break (gave kb-payment-failed); fixed by bot-33b
    {
      say: '海关清关失败怎么办',
      article: ['kb-crossborder-shipping', 'kb-crossborder-quota', STALLED],
    },
    // was a break (gave clarify "商品资料里没有写明"); fixed by bot-33b
    {
      say: '奶粉会被海关扣吗',
      article: ['kb-crossborder-shipping', 'kb-crossborder-quota', STALLED],
    },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 13. Address changes
// ---------------------------------------------------------------------------------------------
run(
  'address change',
  [
    { say: '地址能改成公司吗', article: 'kb-address-change' },
    { say: '改一下收件人电话', article: 'kb-address-change' },
    { say: '下单后地址填错了 怎么办', article: 'kb-address-change' },
    { say: '已发货改地址要钱吗', article: 'kb-address-change' },
    // was a break (gave ticket kb-exchange-out-of-stock); fixed by bot-33b
    { say: '下单了想换个地址', article: 'kb-address-change' },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 14. Cancel when not received
// ---------------------------------------------------------------------------------------------
run(
  'cancel when not received',
  [
    { say: '东西没到 我不要了', article: 'kb-order-cancel' },
    { say: "i haven't received it yet, can i cancel", article: 'kb-order-cancel' },
    { say: '还没发货 不想要了', article: 'kb-order-cancel' },
    // was a break (gave kb-track-order); fixed by bot-33b
    { say: '快递还没到可以取消订单吗', article: 'kb-order-cancel' },
    // The 7-day rule runs from signing; nothing was received.
    // was a break (gave kb-return-policy); fixed by bot-33b
    { say: '没收到货想取消', article: 'kb-order-cancel' },
    // was a break (gave kb-refund-arrival); fixed by bot-33b
    { say: '还没发货能退款吗', article: 'kb-order-cancel' },
    // was a break (gave kb-return-policy); fixed by bot-33b
    { say: '没收到货可以退款吗', article: ['kb-order-cancel', STALLED] },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 15. The same kinds inside 2–3-turn conversations, in other orders
// ---------------------------------------------------------------------------------------------
run(
  'conversations in other orders',
  [
    { say: '我的快递到哪了 || 一周没动了', article: STALLED },
    { say: '物流一直不更新 || 客服电话多少', article: HOURS },
    { say: '我是孕妇 || 快递丢了怎么办', article: STALLED },
    { say: '哺乳期 || 客服几点上班', article: HOURS },
    { say: '怀孕了 || 想退货', article: 'kb-return-policy' },
    // near-miss: a price asked after a who-question stays a price
    { say: '孕妇能用面霜吗 || 多少钱', product: 'p-hyaluronic-cream', attr: 'price', text: /189/ },
    { say: '孕妇能用面霜吗 || 那男生呢', product: 'p-hyaluronic-cream', text: /不分男女/ },
    { say: '面霜多少钱 || 有货吗', product: 'p-hyaluronic-cream' },
    { say: '碎花裙多少钱 || 有大码吗 || XL有货吗', product: 'p-floral-dress', text: /缺货/ },
    { say: '牛仔裤 || 有26码吗', product: 'p-straight-jeans', text: /26 码有货/ },
    { say: '奶粉多少钱 || 要交税吗 || 清关要多久', article: 'kb-crossborder-shipping' },
    { say: '奶粉 || 能改地址吗', article: 'kb-address-change' },
    { say: '下单了 || 还没发货 || 想取消', article: 'kb-order-cancel' },
    { say: 'this cream || good for dry skin?', text: /Hyaluronic/ },
    { say: 'moisturizing cream || can my kid use it', product: 'p-hyaluronic-cream', text: /don't cover/ },
    // "那精华呢" after a men question: the serum for men (不分男女), as 那面膜呢 carries 孕妇 (was a break:
    // clarify "想了解它的哪方面呢"; fixed by the lead, stop 33).
    { say: '男士能用面霜吗 || 那精华呢', product: 'p-niacinamide-serum', text: /不分男女/ },
    // was a break (gave clarify "能再具体说说吗"); fixed by bot-33b
    {
      say: '我的快递到哪了 || 能催一下吗',
      article: [STALLED, 'kb-track-order'],
    },
    // was a break (gave decline (off-topic)); fixed by bot-33b
    {
      say: 'my parcel hasnt moved in 4 days || can u chase it',
      article: STALLED,
    },
    // Asked in one turn ("敏感肌能用精华吗") the engine says the serum is not listed for sensitive skin;
    // with the serum in view it gives the sensitive routine, which does not name the serum at all.
    // was a break (gave kb-routine-sensitive-skin); fixed by bot-33b
    {
      say: '精华 || 敏感肌能用吗',
      product: 'p-niacinamide-serum',
      text: /不太推荐|没有包括/,
    },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 16. The same kinds in English and in pinyin
// ---------------------------------------------------------------------------------------------
run(
  'the kinds in English and pinyin',
  [
    { say: 'can i change my shipping address', article: 'kb-address-change' },
    { say: 'cancel my order its not here yet', article: 'kb-order-cancel' },
    { say: 'is the floral dress in stock', product: 'p-floral-dress' },
    { say: 'do u have the jeans in 25', product: 'p-straight-jeans', text: /sold out/ },
    { say: 'is the sunscreen ok for kids', text: /don't list/ },
    { say: 'can men use the cushion', product: 'p-cushion-foundation', text: /men can use/ },
    { say: 'do you sell plus sizes', attr: 'sizes', text: /XL/ },
    { say: 'shipping together two orders?', article: 'kb-shipping-time' },
    { say: 'yunfu keyi yong fangshai ma', article: PREG },
    // was a break (gave clarify "our notes don't cover that"); fixed by bot-33b
    {
      say: 'wrong adress on my order',
      article: 'kb-address-change',
    },
    // was a break (gave decline (off-topic)); fixed by bot-33b
    { say: 'you guys have a phone number?', article: HOURS, orEscalate: true },
    // was a break (gave kb-track-order); fixed by bot-33b
    { say: 'kuaidi diu le', article: STALLED },
    // was a break (gave clarify "the details of … don't cover that"); fixed by bot-33b
    {
      say: 'is the formula held at customs',
      article: ['kb-crossborder-shipping', STALLED],
    },
    // was a break (gave kb-welcome); fixed by bot-34
    { say: 'kefu dianhua', article: HOURS },
    // was a break (gave kb-exchange-size (an exchange, not the sizes sold)); fixed by bot-34
    {
      say: 'you da ma ma',
      attr: 'sizes',
      text: /XL/,
    },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 17. More colloquial wordings across the kinds
// ---------------------------------------------------------------------------------------------
run(
  'more colloquial wordings',
  [
    { say: '快递丢件了 要补发', article: STALLED },
    { say: '包裹寄丢啦！！', article: STALLED },
    { say: '物流不动了', article: STALLED },
    { say: '客服电话打不通', article: HOURS },
    { say: '人工几点有', article: HOURS },
    { say: '孕妇可以退货吗', article: 'kb-return-policy' },
    { say: '孕妇能用精华吗 || 那宝宝呢', product: 'p-niacinamide-serum', text: /没有写明/ },
    { say: '宝宝能用沐浴露吗 || 孕妇呢', product: 'p-baby-wash', text: /没有写明/ },
    { say: '口红多少钱 || 孕妇能用吗', product: 'p-velvet-lipstick', text: /没有写明/ },
    { say: '有没有男士专用的', text: /没有专门的男士款/ },
    { say: '大码连衣裙', product: 'p-floral-dress', attr: 'sizes', text: /XL/ },
    { say: '有没有大码', attr: 'sizes', text: /31/ },
    { say: '开衫最大码', product: 'p-wool-cardigan', text: /最大是 L/ },
    { say: '有没有保湿的面膜', product: 'p-cica-mask', text: /保湿面霜/ },
    { say: '奶粉还有吗', product: 'p-au-formula', text: /268/ },
    { say: '口红有货没', product: 'p-velvet-lipstick' },
    { say: '一起发货能省运费吗', article: 'kb-shipping-carrier-fee' },
    { say: '清关要身份证吗', article: 'kb-crossborder-quota' },
    { say: '改地址', article: 'kb-address-change' },
    { say: '收货地址能改吗 已经发货了', article: 'kb-address-change' },
    // was a break (gave kb-track-order); fixed by bot-33b
    { say: '物流停了一礼拜 咋回事', article: STALLED },
    // was a break (gave clarify between readings); fixed by bot-33b
    { say: '催件', article: STALLED },
    // was a break (gave ticket kb-exchange-out-of-stock); fixed by bot-33b
    {
      say: '我怀孕了想换货',
      article: ['kb-exchange-how-to', 'kb-exchange-size'],
    },
    // Nothing says the jeans are a men's cut (高腰显瘦); "有的～" says they are.
    // was a break (gave "有的～高腰显瘦直筒牛仔裤 ¥199"); fixed by bot-33b
    {
      say: '有男款牛仔裤吗',
      text: /不分男女|没有专门|没有写明/,
    },
    // 无香精 is written for the cream, serum, cleanser, mineral sunscreen, mask, baby wash and diapers.
    // was a break (gave clarify "哪款商品…查成分"); fixed by bot-33b
    {
      say: '有没有不含香精的',
      text: /面霜|洁面乳|防晒霜|面膜/,
    },
    // was a break (gave kb-track-order); fixed by bot-33b
    {
      say: '能分两个包裹寄吗',
      intent: 'shipping_time',
      notArticle: ['kb-track-order'],
    },
    // was a break (gave kb-refund-arrival); fixed by bot-33b
    { say: '还没收到 退款怎么退', article: ['kb-order-cancel', STALLED] },
    // was a break (gave clarify "能再具体说说吗"); fixed by bot-33b
    {
      say: '面膜多少钱 || 能美白吗',
      product: 'p-cica-mask',
      text: /没有写/,
    },
    // The light sunscreen (¥139) is the cheaper one.
    // was a break (gave kb-pregnancy-skincare); fixed by bot-33b
    { say: '有没有便宜点的防晒', text: /139/, notArticle: [PREG] },
  ],
  [],
);
