// review-q (stop 32): a fresh reviewer's attack on bot-32's readings (a use the product's own name
// states; English misspellings; 一起发/一起退; stock; live-only articles; not come + not wanted,
// delivered elsewhere, never arrives, where to apply for after-sales), the lead's "who may use a
// product" readings (pregnancy / breastfeeding; babies and children) and stop 31's two late kinds
// (a received order missing its gift; an English reaction told as what the product did).
// Asked as a newcomer shopper and as an adversary: new wordings, typos, pinyin, mixed zh/en, other
// products, follow-ups in a conversation, and near-misses that must NOT be caught by the new rules.
// Every case asserts what a shop's service agent would answer. Passing cases are guards; each
// `test.fails` is a break, its comment says what the engine gave. Flip to `test` once fixed.
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
const NOT_STATED = /没有写明|don't (?:cover|list|say)/;

describe('A — a use the product’s own name states', () => {
  test.each([
    ['面霜保湿么', 'p-hyaluronic-cream'],
    ['面霜 能保湿吗？？？', 'p-hyaluronic-cream'],
    ['玻尿酸面霜保湿效果怎么样', 'p-hyaluronic-cream'],
    ['小蓝瓶能控油吗', 'p-sunscreen-light'],
    ['the hyaluronic cream, is it moisturizing?', 'p-hyaluronic-cream'],
    ['does the cushion have SPF', 'p-cushion-foundation'],
    ['气垫粉底多少钱 || 能防晒吗', 'p-cushion-foundation'],
    ['面霜多少钱 || 保湿吗', 'p-hyaluronic-cream'],
    ['@live 面霜有保湿效果吗', 'p-hyaluronic-cream'],
  ])('%s → yes, its name says so (%s)', (script, productId) => {
    const answer = say(script);
    expect(answer.productId).toBe(productId);
    expect(answer.action).toBe('answer');
    expect(answer.text).not.toMatch(NOT_STATED);
  });
  // got: 「名字写明了防晒，可以用来防晒」 — the answer names the wrong use (防晒, not 控油) — fixed by bot-32b
  test('控油防晒能控油不 → yes, and the use named is 控油', () => {
    expect(say('控油防晒能控油不').text).toMatch(/控油。|写明了控油/);
  });

  // near-misses: the same words with another meaning, or uses the name does not state
  test('保湿面霜能用多久 → shelf life, not the use', () => {
    expect(say('保湿面霜能用多久').intent).toBe('shelf_life');
  });
  test('is the lipstick moisturizing → not stated (the lipstick name says nothing of it)', () => {
    expect(say('is the lipstick moisturizing').text).toMatch(/don't say/);
  });
  test('我是油皮，保湿面霜适合我吗 → its skin list leaves oily out', () => {
    expect(say('我是油皮，保湿面霜适合我吗').text).toMatch(/没有包括油性/);
  });
  test.each([
    ['宝宝沐浴露能洗头吗', /写明了洗发/],
    ['宝宝洗发水能洗澡吗', /写明了沐浴/],
  ])('%s → yes, the 2-in-1 name says it (the baby word asks nothing)', (script, re) => {
    const answer = say(script);
    expect(answer.productId).toBe('p-baby-wash');
    expect(answer.text).toMatch(re);
  });
  test('保湿做得好的面霜推荐一下 → the moisturizing cream', () => {
    expect(say('保湿做得好的面霜推荐一下').text).toMatch(/玻尿酸/);
  });
  test('你们有防晒吗 → both sunscreens with prices', () => {
    expect(say('你们有防晒吗').text).toMatch(/¥139.*¥159/);
  });

  // breaks
  // got: clarify "商品资料里没有写明" — the A-not-A form 保不保湿 is not read as the use — fixed by bot-32b
  test('玻尿酸面霜保不保湿啊 → yes, its name says 保湿', () => {
    expect(say('玻尿酸面霜保不保湿啊').text).not.toMatch(NOT_STATED);
  });
  // got: the cream's shelf life (保质期…) — fixed by bot-32b
  test('这个面霜是保湿的吗 → yes, its name says 保湿', () => {
    const answer = say('这个面霜是保湿的吗');
    expect(answer.intent).not.toBe('shelf_life');
    expect(answer.text).toMatch(/写明了保湿/);
  });
  // got: clarify "没有写明" — 真的 in front of the use breaks the reading — fixed by bot-32b
  test('控油防晒真的控油吗 → yes, its name says 控油', () => {
    expect(say('控油防晒真的控油吗').text).not.toMatch(NOT_STATED);
  });
  // got: "Our notes don't cover that" with no product — "oil control sunscreen" not found in English — fixed by bot-33
  test('does the oil control sunscreen control oil? → yes, of the light sunscreen', () => {
    expect(say('does the oil control sunscreen control oil?').productId).toBe('p-sunscreen-light');
  });
  // got: the light sunscreen's how-to-apply article (no SPF figure) — fixed by bot-32b
  test('清透防晒乳防晒指数多少 → SPF50+ PA++++, from its name', () => {
    expect(say('清透防晒乳防晒指数多少').text).toMatch(/SPF50\+/);
  });
  // got: kb-crossborder-quota (the cross-border purchase limits!) for the cushion — fixed by bot-32b
  test('气垫spf多少 → SPF35, from its name', () => {
    const answer = say('气垫spf多少');
    expect(answer.articleId).not.toBe('kb-crossborder-quota');
    expect(answer.text).toMatch(/SPF35/);
  });
  // got: "Our notes don't cover that", no product — both sunscreens name their SPF — fixed by bot-32b
  test('does the sunscreen have spf → yes (SPF50+ / SPF30)', () => {
    expect(say('does the sunscreen have spf').text).toMatch(/SPF/);
  });
  // got: ask-back "能再具体说说吗？比如商品名称或订单号" — fixed by bot-32b
  test('面霜多少钱 → 控油吗 → the cream is not stated for oil control', () => {
    const answer = say('面霜多少钱 || 控油吗');
    expect(answer.productId).toBe('p-hyaluronic-cream');
    expect(answer.text).toMatch(/控油/);
  });
  // got: ask-back "能再具体说说吗？" — fixed by bot-32b
  test('控油防晒多少钱 → 保湿吗 → not stated for the sunscreen', () => {
    expect(say('控油防晒多少钱 || 保湿吗').text).toMatch(/保湿/);
  });
  // got: ask-back "能再具体说说吗？" — fixed by bot-32b
  test('口红多少钱 → 保湿吗 → not stated for the lipstick', () => {
    expect(say('口红多少钱 || 保湿吗').text).toMatch(/保湿/);
  });
  // got: ask-back "能再具体说说吗？" (bot-32 says 防漏 of the diapers is read; not as a follow-up) — fixed by bot-32b
  test('纸尿裤多少钱 → 有防漏吗 → the leak-guard (立体防漏边)', () => {
    expect(say('纸尿裤多少钱 || 有防漏吗').text).toMatch(/防漏/);
  });
  // got: "抱歉，我们店暂时没有控油哦" — the 控油防晒 is on the shelf — fixed by bot-32b
  test('有控油的吗 → the oil-control sunscreen', () => {
    expect(say('有控油的吗').text).toMatch(/控油防晒/);
  });
  // fixed by the lead (stop 32); got before: kb-pregnancy-skincare
  test('有没有防晒的 → the two sunscreens, not the pregnancy article', () => {
    const answer = say('有没有防晒的');
    expect(answer.articleId).not.toBe('kb-pregnancy-skincare');
    expect(answer.text).toMatch(/¥139|¥159/);
  });
  // fixed by the lead (stop 32); got before: kb-pregnancy-skincare
  test('控油的产品有哪些 → the oil-control sunscreen, not the pregnancy article', () => {
    const answer = say('控油的产品有哪些');
    expect(answer.articleId).not.toBe('kb-pregnancy-skincare');
    expect(answer.text).toMatch(/控油/);
  });
  // got: ask-back "想了解它的哪方面呢？" — the product found from pinyin, the use not — fixed by bot-33
  test('mianshuang baoshi ma (pinyin) → yes, its name says 保湿', () => {
    const answer = say('mianshuang baoshi ma');
    expect(answer.action).toBe('answer');
    expect(answer.text).toMatch(/写明了保湿/);
  });
});

describe('B — English order questions with typos; never arrives', () => {
  test.each([
    ['i never recieved my pakage'],
    ['havent recived my ordr, its been a week'],
    ['my parcle hasnt arrived yet'],
  ])('%s → the order’s whereabouts (tracking or stalled)', (script) => {
    expect(['kb-track-order', 'kb-logistics-stalled']).toContain(articleOf(script));
  });
  test.each([
    ['how do i cancel my oder', 'kb-order-cancel'],
    ['can i return my ordr', 'kb-return-how-to'],
    ['my package never arrived, refund please', 'kb-logistics-stalled'],
    ['where is my order || it never came, can i get a refund', 'kb-logistics-stalled'],
    ['where is my order || can i send it to my office instead', 'kb-address-change'],
    // near-misses: received / delivered / money, not a parcel on its way
    ['I recieved the wrong item', 'kb-damaged-or-missing'],
    ['i recived a damaged parcel', 'kb-damaged-or-missing'],
    ['it says delivered but i never recieved it', 'kb-signed-not-received'],
    ['refund never came through', 'kb-refund-arrival'],
  ])('%s → %s', (script, articleId) => {
    expect(articleOf(script)).toBe(articleId);
  });
  // got: "Our notes don't cover that" (clarify, no article) — fixed by bot-33
  test('the parcel is lost → the lost/stalled parcel answer', () => {
    expect(articleOf('the parcel is lost')).toBe('kb-logistics-stalled');
  });
  // got: kb-track-order — a week without movement and 催一下 is the stalled-parcel answer (催件) — fixed by bot-33
  test('我的快递到底在哪啊都一个礼拜了还没动静，急用，能不能帮我催一下 → stalled (催件)', () => {
    expect(articleOf('我的快递到底在哪啊都一个礼拜了还没动静，急用，能不能帮我催一下')).toBe(
      'kb-logistics-stalled',
    );
  });
});

describe('C — 一起发 / 一起退, and 一起 that means something else', () => {
  test.each([
    ['一起退的话运费谁出', 'kb-return-shipping-fee'],
    ['一起发货的话运费怎么算', 'kb-shipping-carrier-fee'],
    ['面霜和精华能一起发吗 || 运费多少', 'kb-shipping-carrier-fee'],
    // near-misses: 一起 of coupons, of buying, of free shipping
    ['能一起用两张券吗', 'kb-coupon-stacking'],
    ['跟朋友一起买有优惠吗', 'kb-coupon-stacking'],
    ['面霜和口红一起买能打折吗', 'kb-coupon-stacking'],
    ['一起下单能包邮吗', 'kb-shipping-carrier-fee'],
  ])('%s → %s', (script, articleId) => {
    expect(articleOf(script)).toBe(articleId);
  });
  test.each([['面霜和精华一起退可以吗'], ['这几件能一起退吗']])('%s → returns', (script) => {
    expect(say(script).intent).toBe('return_request');
  });
  test('面霜有货吗 → 能一起发吗 → dispatch, not the stock answer again', () => {
    expect(say('面霜有货吗 || 能一起发吗').intent).toBe('shipping_time');
  });
  // got: kb-price-protection (a refund of a later price drop) for "is buying together cheaper" — fixed by bot-32b
  test('一起买便宜吗 → discounts (满减/券), not price protection', () => {
    expect(articleOf('一起买便宜吗')).not.toBe('kb-price-protection');
  });
  // got: the formula's age range (p-au-formula!) for an invoice question — fixed by bot-32b
  test('这个月能一起开发票吗 → invoices', () => {
    expect(say('这个月能一起开发票吗').intent).toBe('invoice');
  });
});

describe('D — stock', () => {
  test.each([
    ['精华还有货吗', /^有的～.*¥229/],
    ['纸尿裤有库存吗', /^有的～.*¥139/],
    ['奶粉有货吗', /^有的～.*¥268/],
    ['is the lipstick in stock', /^Yes.*¥129/],
    ['口红多少钱 || 有货吗', /^有的～.*口红 ¥129/],
    ['面霜多少钱 || 牛仔裤有货吗', /^有的～.*牛仔裤 ¥199/],
    // near-misses: a size, an alias with 孕妇 inside, no product at all
    ['碎花裙XL还有吗', /XL 码暂时缺货/],
    ['孕妇防晒有货吗', /^有的～.*物理防晒霜.*¥159/],
    ['有货吗', /哪款商品/],
    ['宝宝沐浴露有货吗', /^有的～.*¥69/],
  ])('%s → %s', (script, re) => {
    expect(say(script).text).toMatch(re);
  });
  test('缺货的尺码什么时候补 → restock of a size (not "有的～")', () => {
    expect(articleOf('缺货的尺码什么时候补')).toBe('kb-exchange-out-of-stock');
  });
  // got: kb-refund-arrival (退款多久到账) — 到货 read as money arriving — fixed by bot-32b
  test('奶粉什么时候到货 → when it comes (cross-border dispatch), never refund timing', () => {
    expect(articleOf('奶粉什么时候到货')).not.toBe('kb-refund-arrival');
  });
});

describe('E — live-room articles only with a live word or the live channel', () => {
  test.each([
    ['直播间的券怎么领', 'kb-live-coupon-claim'],
    ['主播说的那个优惠怎么用', 'kb-live-coupon-claim'],
    ['下单比直播间贵了怎么办', 'kb-live-price-difference'],
    ['@live 现在便宜了，能补差价吗', 'kb-live-price-difference'],
    ['@live 券在哪领', 'kb-live-coupon-claim'],
    // near-misses: the same words on the web shop
    ['现在便宜了，能补差价吗', 'kb-price-protection'],
    ['券在哪领', 'kb-coupon-find'],
    ['我昨天买的面霜今天降价了', 'kb-price-protection'],
  ])('%s → %s', (script, articleId) => {
    expect(articleOf(script)).toBe(articleId);
  });
});

describe('F — not come & not wanted, elsewhere, stalled, where to apply', () => {
  test.each([
    ['还没收到货，不想要了', 'kb-order-cancel'],
    ['快递还没到我不要了能退吗', 'kb-order-cancel'],
    ['我下单的东西能不能送到我朋友家', 'kb-address-change'],
    ['我搬家了，快递还没到，能改地址吗', 'kb-address-change'],
    ['快递一直没到', 'kb-logistics-stalled'],
    ['包裹卡在海关好几天了', 'kb-logistics-stalled'],
    ['奶粉清关卡住了怎么办', 'kb-logistics-stalled'],
    ['售后在哪申请', 'kb-return-how-to'],
    // near-misses: where to apply for something else
    ['在哪里申请价保', 'kb-price-protection-apply'],
    ['在哪里申请发票', 'kb-invoice-apply'],
  ])('%s → %s', (script, articleId) => {
    expect(articleOf(script)).toBe(articleId);
  });
  // got: kb-presale-deposit (预售定金不退) — fixed by bot-32b
  test('我不想要了 → cancel (or return), never the presale deposit', () => {
    expect(['kb-order-cancel', 'kb-return-policy', 'kb-return-how-to']).toContain(articleOf('我不想要了'));
  });
  // got: kb-presale-deposit — fixed by bot-32b
  test('快递还没到 → 我不想要了 → cancel', () => {
    expect(articleOf('快递还没到 || 我不想要了')).toBe('kb-order-cancel');
  });
  // got: kb-damaged-or-missing (破损漏发) — nothing is wrong with the goods — fixed by bot-32b
  test('东西不想要了，已经收到了 → the 7-day return', () => {
    expect(['kb-return-policy', 'kb-return-how-to']).toContain(articleOf('东西不想要了，已经收到了'));
  });
  // got: kb-shipping-time (dispatch times) — fixed by bot-32b
  test('还没发货，不想要了 → cancel', () => {
    expect(articleOf('还没发货，不想要了')).toBe('kb-order-cancel');
  });
  // got: kb-shipping-carrier-fee — fixed by bot-32b
  test('快递还没到 → 能改到公司吗 → the address change', () => {
    expect(articleOf('快递还没到 || 能改到公司吗')).toBe('kb-address-change');
  });
  // got: kb-price-protection-apply — "where to apply" after a return wish went to price protection — fixed by bot-32b
  test('我想退货 → 在哪里申请 → how to return', () => {
    expect(articleOf('我想退货 || 在哪里申请')).toBe('kb-return-how-to');
  });
  // got: kb-delivery-eta (domestic 1-4 days) — customs clearance has its own article — fixed by bot-32b
  test('清关要多久 → the cross-border clearance times', () => {
    expect(articleOf('清关要多久')).toBe('kb-crossborder-shipping');
  });
  // got: kb-signed-not-received (its text mentions the courier's 电话) — fixed by bot-33
  test('售后电话多少 → service hours / a person, not a missing parcel', () => {
    expect(articleOf('售后电话多少')).not.toBe('kb-signed-not-received');
  });
});

describe('G — pregnancy or breastfeeding, asked of a product', () => {
  test.each([
    ['孕妇可以用小蓝瓶吗'],
    ['怀孕了能用洗面奶吗'],
    ['我怀孕三个月了，物理防晒可以用吗'],
    ['孕妇防晒孕妇能用吗'],
    ['is the mask safe while breastfeeding'],
    ['yunfu neng yong mianshuang ma'],
    ['我老婆怀孕了，给她买什么防晒好'],
    ['烟酰胺精华多少钱 || 有货吗 || 孕妇能用吗'],
    ['清透防晒多少钱 || 那物理防晒呢 || 孕妇能用吗'],
  ])('%s → the pregnancy article', (script) => {
    expect(articleOf(script)).toBe('kb-pregnancy-skincare');
  });
  test.each([
    ['怀孕可以擦口红吗'],
    ['im pregnant is the cushion ok'],
    ['哺乳期可以吃坚果吗'],
    ['宝宝沐浴露多少钱 || 孕妇能用吗'],
    ['气垫多少钱 || 孕妇能用吗'],
  ])('%s → not in our notes (no guess)', (script) => {
    const answer = say(script);
    expect(answer.articleId).toBeNull();
    expect(answer.text).toMatch(NOT_STATED);
  });
  test('孕妇防晒多少钱 → the alias names the sensitive sunscreen: its price', () => {
    expect(say('孕妇防晒多少钱').text).toMatch(/¥159/);
  });
  test('怀孕了穿什么尺码的牛仔裤 → the jeans’ size chart', () => {
    expect(say('怀孕了穿什么尺码的牛仔裤').text).toMatch(/腰围64cm/);
  });
  // got: the serum's ingredient list — the follow-up dropped the pregnancy question — fixed by bot-33
  test('孕妇能用面霜吗 → 那精华呢 → the pregnancy article (精华: ask a doctor)', () => {
    expect(articleOf('孕妇能用面霜吗 || 那精华呢')).toBe('kb-pregnancy-skincare');
  });
  // fixed by the lead (stop 32); got before: kb-routine-dry-skin
  test('孕期护肤有什么推荐 → the pregnancy article', () => {
    expect(articleOf('孕期护肤有什么推荐')).toBe('kb-pregnancy-skincare');
  });
  // near-misses: 孕妇 that asks about something other than using a product
  // fixed by the lead (stop 32); got before: kb-pregnancy-skincare (maternity clothes are not sold)
  test('孕妇装有吗 → not the skincare article', () => {
    expect(articleOf('孕妇装有吗')).not.toBe('kb-pregnancy-skincare');
  });
  // fixed by the lead (stop 32); got before: kb-pregnancy-skincare
  test('我是孕妇，快递能送上楼吗 → delivery, not the skincare article', () => {
    expect(articleOf('我是孕妇，快递能送上楼吗')).not.toBe('kb-pregnancy-skincare');
  });
  // fixed by the lead (stop 32); got before: kb-pregnancy-skincare
  test('孕妇能退货吗 → the return policy', () => {
    expect(say('孕妇能退货吗').intent).toBe('return_request');
  });
});

describe('H — a baby or a child, asked of a product', () => {
  test.each([
    ['宝宝能用纸尿裤吗', /NB：0-5kg/],
    ['新生儿可以用纸尿裤吗', /NB：0-5kg/],
    ['一岁宝宝能喝这个奶粉吗', /在这个范围内/],
    ['6个月宝宝能喝奶粉吗', /不在这个范围内/],
    ['宝宝沐浴露敏感肌能用吗', /敏感肌.*可以用/],
    ['宝宝沐浴露保质期多久', /保质期/],
    ['宝宝沐浴露多少钱 || 宝宝起红疹了怎么办', /停用/],
  ])('%s → %s', (script, re) => {
    expect(say(script).text).toMatch(re);
  });
  test.each([
    ['宝宝可以用面膜吗', 'p-cica-mask'],
    ['小孩能用洗面奶吗', 'p-amino-cleanser'],
    ['孕妇防晒孩子能用吗', 'p-sunscreen-sensitive'],
    ['can my toddler use the lipstick', 'p-velvet-lipstick'],
    ['面霜多少钱 || 宝宝能用吗', 'p-hyaluronic-cream'],
    ['宝宝沐浴露多少钱 || 面霜宝宝能用吗', 'p-hyaluronic-cream'],
  ])('%s → not stated for children (%s)', (script, productId) => {
    const answer = say(script);
    expect(answer.productId).toBe(productId);
    expect(answer.articleId).toBeNull();
    expect(answer.text).toMatch(NOT_STATED);
  });
  // fixed by the lead (stop 32); got before: kb-routine-oily-skin, recommending the alcohol/chemical sunscreen for a baby
  test('宝宝防晒推荐 → neither sunscreen is stated for babies', () => {
    const answer = say('宝宝防晒推荐');
    expect(answer.articleId).not.toBe('kb-routine-oily-skin');
    expect(answer.text).toMatch(NOT_STATED);
  });
  // got: the baby wash's ingredient list — "那宝宝呢" taken as the baby product, the cream dropped — fixed by bot-33
  test('面霜多少钱 → 孕妇能用吗 → 那宝宝呢 → the cream is not stated for babies', () => {
    const answer = say('面霜多少钱 || 孕妇能用吗 || 那宝宝呢');
    expect(answer.productId).toBe('p-hyaluronic-cream');
    expect(answer.text).toMatch(NOT_STATED);
  });
});

describe('I — order received, gift missing', () => {
  test.each([
    ['快递到了，但是赠品没给我'],
    ['收到货了，说好的小样没有'],
    ['包裹收到了 少了赠品'],
    ['got my order but the free gift wasn’t in the box'],
    ['my order came without the gift'],
    ['收到货了 || 赠品没有'],
    ['我收到货了但是面霜没有赠品'],
  ])('%s → goods short (漏发)', (script) => {
    expect(articleOf(script)).toBe('kb-damaged-or-missing');
  });
  // near-misses: not received, a gift returned, a gift offer
  test.each([['还没收到货，也没有赠品'], ['赠品可以退吗'], ['赠品没有了吗']])(
    '%s → not the goods-short article',
    (script) => {
      expect(articleOf(script)).not.toBe('kb-damaged-or-missing');
    },
  );
  // got: "Our shop's notes don't cover free gifts" — fixed by bot-32b
  test('received the parcel, no free sample inside → goods short', () => {
    expect(articleOf('received the parcel, no free sample inside')).toBe('kb-damaged-or-missing');
  });
  // got: "关于赠品，店铺资料里没有写明" — fixed by bot-32b
  test('收到了 赠品呢 → goods short', () => {
    expect(articleOf('收到了 赠品呢')).toBe('kb-damaged-or-missing');
  });
  // got: kb-price-protection-apply — "how do I apply" after the missing gift — fixed by bot-32b
  test('我收到货了但是没有赠品 → 怎么申请 → apply for after-sales (goods short / how to)', () => {
    expect(['kb-damaged-or-missing', 'kb-return-how-to']).toContain(
      articleOf('我收到货了但是没有赠品 || 怎么申请'),
    );
  });
  // got: kb-signed-not-received — the received+没有 pattern took an invoice as a missing parcel — fixed by bot-32b
  test('我收到货了但是没有发票 → how to get an invoice', () => {
    expect(articleOf('我收到货了但是没有发票')).toBe('kb-invoice-apply');
  });
});

describe('J — English reactions told as what the product did', () => {
  test.each([
    ['the cream made my face itchy', 'kb-allergy-first-aid'],
    ['the sunscreen made my eyes burn', 'kb-allergy-first-aid'],
    ['the lipstick gave me a rash', 'kb-allergy-first-aid'],
    ['the baby wash gave my son a rash', 'kb-baby-rash'],
    ['the serum made my skin red and burning', 'kb-niacinamide-tingling'],
    ['面霜多少钱 || it made my face itchy', 'kb-allergy-first-aid'],
    ['气垫多少钱 || the cream made my face itchy', 'kb-allergy-first-aid'],
  ])('%s → %s', (script, articleId) => {
    expect(articleOf(script)).toBe(articleId);
  });
  test('the cream made my face itchy → can i return it → first aid or returns (with a diagnosis)', () => {
    expect(['kb-allergy-first-aid', 'kb-return-how-to', 'kb-return-exceptions']).toContain(
      articleOf('the cream made my face itchy || can i return it'),
    );
  });
  // near-misses: "made" of a good effect, of looks, of mood; a question about a future reaction
  test.each([
    ['the cream made my skin so soft'],
    ['the serum made my face glow, love it'],
    ['the dress made me look fat'],
    ['the cream made me happy lol'],
    ['will the mask make me break out?'],
  ])('%s → not the reaction first-aid article', (script) => {
    const articleId = articleOf(script);
    expect(articleId).not.toBe('kb-allergy-first-aid');
    expect(articleId).not.toBe('kb-niacinamide-tingling');
  });
  // got: ask-back "what would you like to know?" — fixed by bot-32b
  test('this serum gave me bumps all over my cheeks → reaction first aid', () => {
    expect(['kb-allergy-first-aid', 'kb-niacinamide-tingling']).toContain(
      articleOf('this serum gave me bumps all over my cheeks'),
    );
  });
  // got: clarify "Could you tell me a bit more" (no "made/gave": told as "used X and now…") — fixed by bot-32b
  test('used the cleanser and now my face is red and stinging → reaction first aid', () => {
    expect(articleOf('used the cleanser and now my face is red and stinging')).toBe('kb-allergy-first-aid');
  });
  // got: ask-back "what would you like to know?" — fixed by bot-32b
  test('the mask made me break out → reaction first aid', () => {
    expect(articleOf('the mask made me break out')).toBe('kb-allergy-first-aid');
  });
  // got: ask-back "what would you like to know?" — fixed by bot-32b
  test('my lips are swollen after the lipstick → reaction first aid', () => {
    expect(articleOf('my lips are swollen after the lipstick')).toBe('kb-allergy-first-aid');
  });
  // got: ask-back "what would you like to know?" — a nut allergy (throat) needs first aid / a doctor — fixed by bot-32b
  test('the nuts made my throat itchy → reaction first aid', () => {
    expect(articleOf('the nuts made my throat itchy')).toBe('kb-allergy-first-aid');
  });
});
