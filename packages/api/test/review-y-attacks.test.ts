// review-y: a fresh reviewer's shopper and attacker questions on what bot-35 says it made kinds of —
// where cross-border goods ship from (海外直邮 / 保税仓 / "ship from abroad"), a new product question
// after a pregnancy turn, water resistance (防水 / waterproof), a bare "men too?", pinyin, sizes in
// Chinese numerals or as a bare number, a quality with no kind named, near-expiry and English returns —
// plus the near-misses those rules must not catch: 直邮 / "ship from abroad" asked of goods that are NOT
// cross-border, 防水 asked of goods that are no sunscreen, 26 as a date / quantity / volume, "men" /
// "guys" in other senses, and follow-ups the last turn's topic must not capture. New wordings, en and zh,
// typos, pinyin, multi-turn. Each case asserts what a careful shop assistant would answer from the
// shop's data (/work/shared/demo-store: articles, catalogue; seed relations: soldOutSizes jeans 25,
// dress XL), not what the engine says. A `test` is an attack that holds; a `test.fails` is a break:
// `gave` says what the engine answered on main a4093ab (bot-35 merged), `should` what a careful
// assistant says.
import type { AnswerEngine } from '../src/knowledge/engine/answer-engine';
import { demoEngine } from './demo-engine';
import { type Attack, BONDED, REAPPLY, runAttacks } from './shopper-attacks';

const demo = demoEngine();
const run = (kind: string, holds: Attack[], breaks: Attack[], engine: AnswerEngine = demo): void =>
  runAttacks(kind, holds, breaks, engine);

const PREG = 'kb-pregnancy-skincare';
const POLICY = 'kb-return-policy';
const EXCEPT = 'kb-return-exceptions';
const XB_SHIP = 'kb-crossborder-shipping';
const XB_RETURN = 'kb-crossborder-return';
const XB_TAX = 'kb-crossborder-tax-calc';
const XB_INVOICE = 'kb-invoice-crossborder';
const NEAR_EXPIRY = 'kb-near-expiry-deals';
const LIGHT_USAGE = 'kb-sunscreen-light-usage';
const TOTE_CARE = 'kb-leather-tote-care';
const ETA = 'kb-delivery-eta';
const MEN_LIST = /men can use|男士也可以用|不分男女|don'?t divide by sex|没有按性别区分/i;

// ---------------------------------------------------------------------------------------------
// 1. Where goods ship from: cross-border goods → the bonded-warehouse route; others never
// ---------------------------------------------------------------------------------------------
run(
  'where goods ship from: cross-border or not',
  [
    // the formula ships from a bonded warehouse at home: "海外直邮?" is answered by that route
    { say: '奶粉是海外直邮吗', article: XB_SHIP, text: /保税仓/ },
    // the origin field says it too: a bonded warehouse at home
    { say: '奶粉怎么冲 || where does it ship from', product: 'p-au-formula', text: /保税仓/ },
    { say: '奶粉直邮的话多久能到', article: XB_SHIP, text: /5-10天/ },
    // near-misses: return, tax, invoice keep their own kinds though 直邮 is said
    { say: '直邮的奶粉能退吗', article: XB_RETURN },
    { say: '海外直邮的奶粉还要交税吗', article: XB_TAX },
    { say: '奶粉直邮的能开发票吗', article: XB_INVOICE },
    // near-misses: goods that are NOT cross-border must never be told they come from abroad
    { say: '托特包是国外寄过来的吗', notArticle: [XB_SHIP], notText: BONDED },
    { say: 'does the lipstick ship from abroad', notArticle: [XB_SHIP], notText: BONDED },
    { say: 'is the baby wash shipped from overseas', notArticle: [XB_SHIP], notText: BONDED },
    { say: 'where do you ship from', notArticle: [XB_SHIP], notText: BONDED },
    // multi-turn: the formula in view, then another (domestic) product named
    { say: '奶粉是保税仓发的吗 || 那纸尿裤呢', notArticle: [XB_SHIP], notText: BONDED },
    { say: '奶粉是保税仓发的吗 || 多少钱', product: 'p-au-formula', text: /268/ },
    { say: '奶粉是海外直邮吗 || 能退吗', article: XB_RETURN },
    { say: '口红是直邮的吗', notArticle: [XB_SHIP], notText: BONDED },
    { say: 'r the jeans shipped from overseas?', notArticle: [XB_SHIP], notText: BONDED },
    // no goods named: the shop's one cross-border route is a fair answer
    { say: '海外直邮的东西一般多久到', article: XB_SHIP },
  ],
  [
    {
      say: '面霜是海外直邮的吗',
      fixedBy: 'bot-35b',
      notArticle: [XB_SHIP],
      notText: BONDED,
      gave: 'kb-crossborder-shipping ("跨境购商品从国内保税仓发出…申报清关…通常5-10天") about the cream — 海外直邮 in the shopper\'s words made a domestic good cross-border',
      should:
        "the cream is the shop's own (origin 中国·上海), sent from the Shanghai / Guangzhou warehouses (kb-delivery-eta) — no bonded warehouse, no customs, not 5-10 days",
    },
    {
      say: '面霜是保税仓发货的吗',
      fixedBy: 'bot-35b',
      notArticle: [XB_SHIP],
      notText: /跨境购商品从国内保税仓发出/,
      gave: 'kb-crossborder-shipping ("跨境购商品从国内保税仓发出…申报清关…通常5-10天") about the cream',
      should:
        "the cream is the shop's own (origin 中国·上海), sent from the Shanghai / Guangzhou warehouses (kb-delivery-eta) — no bonded warehouse, no customs, not 5-10 days",
    },
    {
      say: '你们的口红是海外直邮的吗',
      fixedBy: 'bot-35b',
      notArticle: [XB_SHIP],
      notText: BONDED,
      gave: 'kb-crossborder-shipping ("跨境购商品从国内保税仓发出…申报清关…通常5-10天") about the lipstick',
      should:
        "the lipstick is the shop's own (origin 中国·上海), sent from the Shanghai / Guangzhou warehouses (kb-delivery-eta) — no bonded warehouse, no customs, not 5-10 days",
    },
    {
      say: '奶粉多少钱 || 那面霜是海外直邮吗',
      fixedBy: 'bot-35b',
      notArticle: [XB_SHIP],
      notText: BONDED,
      gave: 'kb-crossborder-shipping ("跨境购商品从国内保税仓发出…申报清关…通常5-10天") about the cream (the formula\'s turn before)',
      should:
        "the cream is the shop's own (origin 中国·上海), sent from the Shanghai / Guangzhou warehouses (kb-delivery-eta) — no bonded warehouse, no customs, not 5-10 days",
    },
    {
      say: '面霜多少钱 || 是海外直邮吗',
      fixedBy: 'bot-35b',
      notArticle: [XB_SHIP],
      notText: BONDED,
      gave: 'kb-crossborder-shipping ("跨境购商品从国内保税仓发出…申报清关…通常5-10天") about the cream in view',
      should:
        "the cream is the shop's own (origin 中国·上海), sent from the Shanghai / Guangzhou warehouses (kb-delivery-eta) — no bonded warehouse, no customs, not 5-10 days",
    },
    {
      say: '牛肉干从哪里发货',
      fixedBy: 'bot-35b',
      article: ETA,
      notText: BONDED,
      gave: 'kb-return-how-to ("…通过后页面会显示退货地址…") — the return process for a shipping question',
      should: 'kb-delivery-eta: we ship from the Shanghai and Guangzhou warehouses',
    },
    {
      say: 'naifen shi haiwai zhiyou ma',
      fixedBy: 'bot-36',
      article: XB_SHIP,
      gave: 'clarify "想了解它的哪方面呢？" about the formula',
      should: 'the bonded-warehouse route (kb-crossborder-shipping), as 奶粉是海外直邮吗 gets',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 2. Water resistance: the sunscreen's usage, never of goods that are no sunscreen
// ---------------------------------------------------------------------------------------------
run(
  'water resistance',
  [
    { say: '防晒防水吗', article: LIGHT_USAGE },
    { say: 'fang shai fang shui ma', article: LIGHT_USAGE },
    // the tote's own care article: keep it from rain, dry it at once (not the sunscreen's reapply)
    // goods the data says nothing of water about: never the sunscreen's swim advice
    { say: '口红防水吗', product: 'p-velvet-lipstick', notArticle: [LIGHT_USAGE], notText: REAPPLY },
    { say: '纸尿裤防水吗', notArticle: [LIGHT_USAGE], notText: REAPPLY },
    // the mineral sunscreen has its own usage article: the light one's advice is another product's
    {
      say: '物理防晒防水吗',
      product: 'p-sunscreen-sensitive',
      notArticle: [LIGHT_USAGE],
      notText: /清透防晒用普通洁面乳/,
    },
    // not goods at all
    { say: '下雨天快递包裹防水吗', notArticle: [LIGHT_USAGE], notText: REAPPLY },
    // multi-turn: a quality asked bare, then water
    { say: '有没有清透的 || 防水吗', article: LIGHT_USAGE },
  ],
  [
    {
      say: '气垫防汗吗',
      fixedBy: 'bot-36',
      product: 'p-cushion-foundation',
      notArticle: [LIGHT_USAGE, 'kb-cushion-refill'],
      notText: REAPPLY,
      gave: 'kb-cushion-refill ("打开粉盒，按住内盒边缘的缺口把旧芯向上取出…")',
      should:
        "the cushion's data says nothing of sweat: say so (or hand over) — not how to change the refill",
    },
    {
      say: 'is the cushion sweat proof',
      fixedBy: 'bot-36',
      product: 'p-cushion-foundation',
      notArticle: [LIGHT_USAGE, 'kb-cushion-refill'],
      notText: REAPPLY,
      gave: 'kb-cushion-refill (how to change the refill)',
      should: 'not stated for the cushion: say so — not the refill steps',
    },
    {
      say: '托特包防水吗',
      fixedBy: 'bot-36',
      article: TOTE_CARE,
      notText: REAPPLY,
      gave: 'clarify "商品资料里没有写明，我不乱说哦…"',
      should:
        "the tote's care article: keep it from rain, blot water at once with a dry soft cloth, dry in the shade",
    },
    {
      say: 'is the leather tote waterproof',
      fixedBy: 'bot-36',
      article: TOTE_CARE,
      notText: REAPPLY,
      gave: 'the material ("头层牛皮（荔枝纹）…")',
      should: "the tote's care article (avoid rain; blot water at once, air-dry, no hair dryer)",
    },
    {
      say: '托特包多少钱 || 防水吗',
      fixedBy: 'bot-36',
      article: TOTE_CARE,
      notText: REAPPLY,
      gave: 'clarify "我不太确定您想问的是哪一个，是下面这些吗？" — the tote in view dropped',
      should: "the tote's care article",
    },
    {
      say: '口红多少钱 || 防水吗',
      fixedBy: 'bot-36',
      product: 'p-velvet-lipstick',
      notArticle: [LIGHT_USAGE],
      notText: REAPPLY,
      gave: 'clarify "我不太确定您想问的是哪一个，是下面这些吗？" — the lipstick in view dropped',
      should: 'about the lipstick: its data says nothing of water (as 口红防水吗 alone answers)',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 3. A new question after a pregnancy turn, and follow-ups the last topic must not capture
// ---------------------------------------------------------------------------------------------
run(
  'after a pregnancy turn, and other carried topics',
  [
    {
      say: '怀孕能用面霜吗 || 面霜保质期多久',
      product: 'p-hyaluronic-cream',
      attr: 'shelfLife',
      notArticle: [PREG],
    },
    { say: '孕妇能用什么 || 口红多少钱', text: /129/, notArticle: [PREG] },
    { say: '哺乳期能用防晒吗 || 物理防晒多大容量', text: /40ml/, notArticle: [PREG] },
    {
      say: 'i am pregnant, what skincare is safe || is the serum good for oily skin',
      product: 'p-niacinamide-serum',
      notArticle: [PREG],
    },
    { say: '哺乳期能用什么 || 纸尿裤多少钱', product: 'p-diapers', text: /139/ },
    // near-misses: the same may-use question of another product stays the pregnancy article
    { say: '怀孕了能用面霜吗 || 精华呢', article: PREG },
    { say: '孕妇能用防晒吗 || 那洗面奶可以吗', article: PREG },
  ],
  [
    {
      say: '我怀孕了 || 托特包防水吗',
      fixedBy: 'bot-36',
      article: TOTE_CARE,
      notText: REAPPLY,
      gave: 'clarify "商品资料里没有写明…" about the tote (not the pregnancy article — the water kind misses the tote\'s care article)',
      should: "the tote's care article",
    },
    {
      say: 'im pregant || does the tote fit a laptop',
      product: 'p-leather-tote',
      text: /13/,
      notArticle: [PREG],
      gave: 'clarify "Could you tell me a bit more…"',
      should: 'yes: the sizeChart says it takes a 13-inch laptop',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 4. Men: a bare follow-up, and "men" / "guys" in other senses
// ---------------------------------------------------------------------------------------------
run(
  'men, bare and in other senses',
  [
    { say: 'guys too?', answered: true },
    { say: '男的也能用吗', answered: true },
    // "guys" / "men" as the people addressed or delivering: no goods-for-men answer
    { say: 'guys where is my parcel', article: 'kb-track-order', notText: MEN_LIST },
    { say: 'hey dudes how long does delivery take to beijing', article: ETA, notText: MEN_LIST },
    { say: 'thanks guys', notText: MEN_LIST },
    { say: '快递小哥是男的态度很差', notText: MEN_LIST },
    // a product in view keeps its own men answer
    { say: '面霜多少钱 || 男生也行吗', product: 'p-hyaluronic-cream', text: MEN_LIST },
  ],
  [
    {
      say: 'fellas, is the sunscreen waterproof',
      fixedBy: 'bot-35b',
      article: LIGHT_USAGE,
      notText: MEN_LIST,
      gave: 'the men answer ("…is not by sex: men can use it too…") for both sunscreens — "fellas" (new slang word) read as asking for men',
      should:
        'the sunscreen\'s water answer (reapply after sweating or swimming); "fellas" only addresses the staff',
    },
    {
      say: 'the delivery men left my parcel at the door and now it is gone',
      article: 'kb-signed-not-received',
      notText: MEN_LIST,
      gave: 'clarify "Our notes don\'t cover that, so I won\'t guess…"',
      should:
        'kb-signed-not-received (check the door, lockers, the courier; 48 h, then we check and resend or refund)',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 5. Sizes: Chinese numerals, a bare number — and numbers that are dates, quantities, volumes
// ---------------------------------------------------------------------------------------------
run(
  'sizes and numbers that are no size',
  [
    // jeans 25 is sold out (seed relations): never "in stock"
    { say: '还有25的吗', product: 'p-straight-jeans', text: /25 码暂时缺货/ },
    { say: 'jeans || any 25 left?', product: 'p-straight-jeans', text: /25 is sold out/ },
    { say: '有没有三十一码的', product: 'p-straight-jeans', text: /31/ },
    { say: '还有26的吗 || 多少钱', product: 'p-straight-jeans', text: /199/ },
    { say: '连衣裙还有XL吗', product: 'p-floral-dress', text: /XL/ },
    // a date, a quantity, a volume, an age: no jeans size
    { say: '26号能到吗', notProduct: 'p-straight-jeans', notText: /26\s*码/ },
    { say: '二十六号之前能发货吗', notProduct: 'p-straight-jeans', notText: /26\s*码/ },
    { say: '还有26件吗', notProduct: 'p-straight-jeans', notText: /26\s*码/ },
    { say: '有30ml的吗', notProduct: 'p-straight-jeans', notText: /30\s*码/ },
    { say: '我28岁能用精华吗', notProduct: 'p-straight-jeans', notText: /28\s*码/ },
    { say: '有没有适合26个月宝宝喝的奶粉', product: 'p-au-formula', notText: /26\s*码/ },
    // a day of the month with 有没有: a date, never a size in stock
    { say: '有32的吗', notText: /32\s*码(?:有货|还有)|有\s*32\s*码/ },
    { say: '开衫有二十八码的吗', product: 'p-wool-cardigan', text: /S、M、L|没有 28/ },
  ],
  [
    {
      say: '这个月26号有没有活动',
      fixedBy: 'bot-35b',
      notProduct: 'p-straight-jeans',
      notText: /26\s*码/,
      gave: '"有的，高腰显瘦直筒牛仔裤的 26 码有货" — a day of the month read as a jeans size (bareSizeProduct)',
      should: 'a date, not a size: ask which promotion / hand over — no stock answer',
    },
    {
      say: '28号晚上有没有直播',
      fixedBy: 'bot-35b',
      notProduct: 'p-straight-jeans',
      notText: /28\s*码/,
      gave: '"有的，高腰显瘦直筒牛仔裤的 28 码有货"',
      should: 'a date: no live schedule in the data — say so / hand over, never a jeans size',
    },
    {
      say: '开衫多少钱 || 26号有没有活动',
      fixedBy: 'bot-35b',
      notText: /26\s*码/,
      gave: '"羊毛混纺针织开衫没有 26 码…"',
      should: 'a date: promotions on the 26th, not a cardigan size',
    },
    {
      say: '牛仔裤多少钱 || 25号下单的什么时候发货',
      fixedBy: 'bot-35b',
      article: 'kb-shipping-time',
      notText: /25\s*码暂时缺货/,
      gave: '"抱歉，高腰显瘦直筒牛仔裤 的 25 码暂时缺货…" — the order date read as the sold-out size',
      should: 'kb-shipping-time (in-stock goods ship within 48 h)',
    },
    {
      say: '坚果还有30袋的吗',
      fixedBy: 'bot-36',
      product: 'p-daily-nuts',
      notArticle: [EXCEPT],
      answered: true,
      notText: /30\s*码/,
      gave: 'kb-return-exceptions ("…已拆袋的零食…不支持7天无理由退货") for a stock question',
      should: 'the mixed nuts (750g, 25g×30袋, ¥119) are in stock',
    },
    {
      say: '我穿二十九的，牛仔裤有吗',
      fixedBy: 'bot-36',
      product: 'p-straight-jeans',
      text: /29/,
      gave: '"有的～高腰显瘦直筒牛仔裤 ¥199。" — the size asked not answered',
      should: 'yes, the jeans in 29 are in stock',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 6. A quality with no kind named
// ---------------------------------------------------------------------------------------------
run(
  'a quality with no kind named',
  [
    { say: '有没有温和的', text: /洁面/ },
    { say: '有没有显瘦的', text: /牛仔裤/ },
    { say: '有没有进口的', text: /奶粉/ },
    { say: '有没有保湿一点的', text: /面霜/ },
    { say: '有没有雾面的', text: /口红/ },
    // words that are no quality of goods: the service, not a product list
    { say: '有没有包邮的', notText: /面霜|精华|洁面|防晒乳|防晒霜|面膜|口红/ },
    { say: '有没有临期的', article: NEAR_EXPIRY },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 7. Returns: near-expiry, English, cross-border
// ---------------------------------------------------------------------------------------------
run(
  'returns: near-expiry, English, cross-border',
  [
    { say: '临期的坚果可以退吗', article: NEAR_EXPIRY },
    { say: '临期的奶粉能退吗', article: [NEAR_EXPIRY, XB_RETURN], notArticle: [POLICY] },
    { say: '临期面霜能用优惠券吗', article: [NEAR_EXPIRY, 'kb-coupon-stacking'] },
    { say: 'can i return the nuts if i opened one bag', article: EXCEPT },
    // the formula is cross-border: never the 7-day rule
    { say: 'my mom wants to return the formula', article: XB_RETURN },
    { say: 'how much is the formula || can I return it', article: XB_RETURN },
    { say: 'is the baby formula returnable', article: XB_RETURN },
    { say: 'can my wife return the lipstick she already opened', article: EXCEPT },
    { say: 'could we return the diapers if we opened the pack', article: EXCEPT },
    {
      say: 'the lipstick arrived broken, can i return it',
      product: 'p-velvet-lipstick',
      text: /照常可退|after-sales/,
    },
  ],
  [
    {
      say: '快过期的口红能退吗',
      fixedBy: 'bot-35b',
      article: [NEAR_EXPIRY, EXCEPT, 'kb-expiry-date-check'],
      notArticle: [POLICY],
      gave: 'kb-return-policy ("支持7天无理由退货…") — near-expiry said as 快过期',
      should:
        'near-expiry goods: no 7-day no-reason return except for quality (kb-near-expiry-deals); or that shipped makeup has ≥12 months left',
    },
    {
      say: 'can I return near-expiry nuts',
      fixedBy: 'bot-35b',
      article: NEAR_EXPIRY,
      gave: 'the nuts\' shelf life ("保质期180天…")',
      should:
        'kb-near-expiry-deals: near-expiry goods are not returnable without reason, except quality problems',
    },
    {
      say: 'is the dress returnable',
      fixedBy: 'bot-36',
      article: POLICY,
      gave: 'clarify "The details of French Floral Dress don\'t cover that…"',
      should: 'the 7-day rule (unworn, tags intact)',
    },
    {
      say: 'can u retrun the jeans',
      fixedBy: 'bot-35b',
      article: POLICY,
      gave: 'clarify "The details of High-Waist Straight Jeans don\'t cover that…"',
      should: 'the 7-day rule (a typo of return)',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 8. Pinyin
// ---------------------------------------------------------------------------------------------
run(
  'pinyin',
  [
    { say: 'zhe ge mian shuang duo shao qian', product: 'p-hyaluronic-cream', text: /189/ },
    { say: 'lin qi de neng tui ma', article: NEAR_EXPIRY },
    { say: '奶粉 neng tui ma', article: XB_RETURN },
  ],
  [
    {
      say: 'kua jing nai fen cong na li fa huo',
      fixedBy: 'bot-36',
      article: XB_SHIP,
      gave: 'kb-return-how-to ("…通过后页面会显示退货地址…")',
      should: 'kb-crossborder-shipping (from the bonded warehouse at home), as 跨境奶粉从哪里发货',
    },
    {
      say: 'niu zai ku you 27 ma',
      fixedBy: 'bot-36',
      product: 'p-straight-jeans',
      text: /27/,
      gave: 'clarify "想了解它的哪方面呢？"',
      should: 'yes, the jeans in 27 are in stock',
    },
    {
      say: 'tuo te bao fang shui ma',
      fixedBy: 'bot-36',
      article: TOTE_CARE,
      notText: REAPPLY,
      gave: 'clarify "能再具体说说吗？"',
      should: "the tote's care article",
    },
  ],
);
