// review-bz: a fresh reviewer's shopper and attacker questions on the kinds bot-36 added (bd5023f) —
// where goods ship from (国外发过来 / 海外发的 / pinyin), a pack or volume asked for, the size worn said
// first, water asked of one product (its care / leak article or "not stated"), "is X returnable", a
// quality in any word order, a faster courier, who may use with nothing in view, women, pregnant
// wives / mums, English "any X" / "stock of X" — and their near-misses: delivery questions that are not
// about origin, numbers that are no pack size (a date, a price), a size worn for goods not sized by
// number, "returnable" of goods the articles exclude (opened cosmetics, near-expiry, cross-border), water
// asked of goods whose data says nothing. New wordings of my own, en and zh, typos, pinyin, follow-ups.
// Each case asserts what a careful shop assistant answers from the shop's data
// (/work/shared/demo-store; seed: jeans 25 and dress XL sold out), not what the engine says. A `test`
// is an attack that holds; a `test.fails` is a break: `gave` is what the engine answered on main
// c2db085 (bot-36 merged), `should` what a careful assistant says.
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
const NEAR_EXPIRY = 'kb-near-expiry-deals';
const LIGHT_USAGE = 'kb-sunscreen-light-usage';
const TOTE_CARE = 'kb-leather-tote-care';
const DIAPER_LEAK = 'kb-diaper-leak';
const ETA = 'kb-delivery-eta';
const CARRIER = 'kb-shipping-carrier-fee';
const SHIP_TIME = 'kb-shipping-time';
const NOT_STATED = /没有写明|don't cover|not stated/i;
const NOT_BY_SEX = /不分男女|没有按性别|not by sex|not made for one sex/i;

// ---------------------------------------------------------------------------------------------
// 1. Where goods ship from — and delivery questions that are not about origin
// ---------------------------------------------------------------------------------------------
run(
  'where goods ship from',
  [
    { say: '面霜是国外发过来的吗', article: ETA, notText: BONDED },
    { say: '奶粉是国外寄过来的吗', article: XB_SHIP, text: /保税仓/ },
    { say: '口红是海外发的吗', article: ETA, notText: BONDED },
    { say: '面霜是不是海外仓发的', article: ETA, notText: BONDED },
    { say: 'is the cream shipped from overseas', article: ETA, notText: BONDED },
    { say: 'the formula ships from australia?', article: XB_SHIP },
    { say: '奶粉是从澳洲直接寄过来的吗', article: XB_SHIP },
    // follow-ups: the formula in view, then origin asked bare, or of another (domestic) product
    { say: '奶粉多少钱 || 是国外寄来的吗', article: XB_SHIP, product: 'p-au-formula' },
    {
      say: '奶粉多少钱 || 那口红呢，也是海外发的吗',
      article: ETA,
      product: 'p-velvet-lipstick',
      notText: BONDED,
    },
    // near-misses: a destination abroad, a route at home, tax of goods from abroad, which warehouse
    { say: '能寄到国外吗', notArticle: [XB_SHIP], notText: BONDED, text: /没有写到/ },
    { say: '从上海发到北京要几天', article: ETA },
    { say: '国外发过来的要交税吗', article: XB_TAX },
    { say: '是从哪个仓发货的', article: ETA, text: /上海/ },
    { say: '我从国外回来，能寄到上海吗', article: ETA, notText: BONDED },
    // 海外发货 said of the formula before another matter: that matter is asked (fixed by bot-36)
    { say: '奶粉是海外发货的 能开发票吗', article: 'kb-invoice-crossborder' },
  ],
  [
    {
      say: 'nai fen shi guo wai fa de ma',
      article: XB_SHIP,
      gave: 'clarify "Could you tell me a bit more…" about the formula — 国外 + 发 in pinyin not heard as origin',
      should: 'the bonded-warehouse route (kb-crossborder-shipping), as 奶粉是国外寄过来的吗 gets',
    },
    {
      say: '海外发货能退吗',
      fixedBy: 'bot-37',
      article: XB_RETURN,
      gave: 'clarify "我们的配送说明…里没有写到海外，能不能寄…" — goods shipped from abroad read as a destination abroad, the return question lost',
      should:
        'kb-crossborder-return: cross-border goods are not returnable without reason (quality problems within 48 hours)',
    },
    {
      say: 'is shipping free',
      fixedBy: 'bot-37',
      article: CARRIER,
      gave: 'clarify "Our notes don\'t cover that, so I won\'t guess."',
      should: 'kb-shipping-carrier-fee: free shipping from 99 yuan, else 6 yuan',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 2. A pack / volume asked for — and numbers that are no pack size
// ---------------------------------------------------------------------------------------------
run(
  'a pack or volume asked for',
  [
    { say: '坚果有60袋的吗', product: 'p-daily-nuts', attr: 'volume', text: /25g×30袋/ },
    { say: '牛肉干有500g的吗', product: 'p-beef-jerky', attr: 'volume', text: /250g/ },
    { say: '面膜有20片的吗', product: 'p-cica-mask', attr: 'volume', text: /10片/ },
    { say: '面霜有没有50ml的', product: 'p-hyaluronic-cream', attr: 'volume', text: /50g/ },
    // after a size question of the jeans, a volume of another product is that product's spec
    { say: '牛仔裤有29吗 || 面霜有50的吗', product: 'p-hyaluronic-cream', attr: 'volume' },
    // near-misses: a count of items and a shelf life are no pack size
    { say: '面霜还有3瓶吗', product: 'p-hyaluronic-cream', answered: true, notText: /规格/ },
    { say: '牛肉干还有2袋吗', product: 'p-beef-jerky', answered: true, notText: /规格/ },
    { say: '坚果有没有30天保质期的', product: 'p-daily-nuts', attr: 'shelfLife', text: /180天/ },
  ],
  [
    {
      say: '有没有100块以内的面霜',
      fixedBy: 'bot-36b',
      notText: /有的/,
      text: /189/,
      gave: '"有的～澜悦玻尿酸水润保湿面霜 ¥189。" — "yes" to a cream under ¥100 while the only cream is ¥189',
      should: 'the only cream is ¥189: none under ¥100 (no "有的")',
    },
    {
      say: '坚果还有30号发货的吗',
      fixedBy: 'bot-36b',
      notText: /保质期/,
      gave: 'the nuts\' shelf life ("保质期180天…") — 30号 (a date to ship) read as a spec / shelf-life number',
      should:
        'when goods ship (kb-shipping-time: 48 hours, same day before 16:00), or an ask-back — not the shelf life',
    },
    {
      say: '坚果有100元的吗',
      text: /119/,
      gave: 'clarify "能再具体说说吗？" about the nuts — a price asked for, not read',
      should: 'the nuts are ¥119 (one pack), nothing at ¥100',
    },
    {
      say: '面霜很好用，有没有大瓶的',
      product: 'p-hyaluronic-cream',
      text: /50g/,
      gave: '"…商品资料里没有写明…目前写明的有：成分…适合肤质…价格" — a bigger jar asked, and the one spec (50g) left out of the list',
      should: 'the cream comes in one size, 50g',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 3. The size worn said first — and goods not sized by number
// ---------------------------------------------------------------------------------------------
run(
  'the size worn said first',
  [
    { say: '我穿二十五的，牛仔裤还有吗', product: 'p-straight-jeans', attr: 'sizes', text: /25 码暂时缺货/ },
    { say: '我穿XL的，碎花裙有吗', product: 'p-floral-dress', attr: 'sizes', text: /缺货/ },
    { say: 'i wear 25, do u have the jeans', product: 'p-straight-jeans', text: /sold out/ },
    { say: '我穿XL的，开衫有吗', product: 'p-wool-cardigan', text: /没有 XL/ },
    { say: '我穿M的，碎花裙有吗', product: 'p-floral-dress', text: /M 码有货/ },
    { say: '我家宝宝穿L的，纸尿裤有吗', product: 'p-diapers', text: /L 码有货/ },
    // near-misses: a size worn, then goods that are not sized: never a size answer of them
    { say: '我穿30的，面霜有吗', product: 'p-hyaluronic-cream', notText: /码/ },
    { say: '我穿L的，托特包有吗', product: 'p-leather-tote', notText: /码有货/ },
  ],
  [
    {
      say: '我穿二十六，牛仔裤还有吗',
      attr: 'sizes',
      text: /26/,
      gave: '"有的～高腰显瘦直筒牛仔裤 ¥199。" — the size worn (二十六 with no 的) dropped',
      should: 'the jeans in 26 are in stock (sizes in stock 26–31), as 我穿二十五的… gets its size',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 4. Water asked of one product
// ---------------------------------------------------------------------------------------------
run(
  'water of goods',
  [
    { say: '托特包淋雨了会坏吗', article: TOTE_CARE },
    { say: 'tote ok in the rain?', article: TOTE_CARE },
    { say: '纸尿裤防水吗', article: DIAPER_LEAK },
    { say: '清透防晒防水吗', article: LIGHT_USAGE },
    { say: '防晒的防水效果怎么样', article: LIGHT_USAGE },
    { say: '开衫能水洗吗', product: 'p-wool-cardigan', attr: 'care' },
    // goods whose data says nothing of water: "not stated", never another product's swim advice
    { say: '牛仔裤防水吗', product: 'p-straight-jeans', text: NOT_STATED, notText: REAPPLY },
    { say: 'is the cardigan waterproof', product: 'p-wool-cardigan', text: NOT_STATED },
    { say: '面霜多少钱 || 防水吗', product: 'p-hyaluronic-cream', text: NOT_STATED, notText: REAPPLY },
    { say: 'is the cushion waterproff', product: 'p-cushion-foundation', text: NOT_STATED },
    { say: '敏感肌的防晒防水吗', product: 'p-sunscreen-sensitive', text: NOT_STATED, notText: REAPPLY },
    { say: '牛肉干防水吗', product: 'p-beef-jerky', text: NOT_STATED },
  ],
  [
    {
      say: '防晒防汗吗',
      fixedBy: 'bot-36b',
      notArticle: [PREG],
      gave: 'kb-pregnancy-skincare ("孕期和哺乳期推荐用物理防晒霜…") — a sweat question answered with the pregnancy article',
      should:
        "the light sunscreen's usage (出汗或游泳后要及时补) or an ask-back which sunscreen — as 防晒防水吗 gets",
    },
    {
      say: '托特包怕水吗',
      fixedBy: 'bot-37',
      article: TOTE_CARE,
      gave: 'clarify "能再具体说说吗？" about the tote — 怕水 is not heard as a water question',
      should: 'the tote care article: avoid rain, dry it at once with a soft cloth',
    },
    {
      say: '托特包多少钱 || 怕水吗',
      fixedBy: 'bot-37',
      article: TOTE_CARE,
      gave: 'clarify "能再具体说说吗？" with the tote in view',
      should: 'the tote care article (避免雨淋；沾水后马上用干软布吸干)',
    },
    {
      say: 'any waterproof sunscreen',
      fixedBy: 'bot-36b',
      notText: /^Yes/,
      gave: '"Yes, we have Light Oil-Control Sunscreen SPF50+ ¥139, Sensitive-Skin Mineral Sunscreen SPF30 ¥159." — "yes" to waterproof, which no data says',
      should:
        'the data does not say either is waterproof; the light one is to be reapplied after sweat or swimming',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 5. "is X returnable" — and goods the articles exclude
// ---------------------------------------------------------------------------------------------
run(
  'returnable',
  [
    { say: 'is the lipstick returnable', article: POLICY, product: 'p-velvet-lipstick' },
    { say: 'are the jeans returnable', article: POLICY },
    { say: 'is the formula returnable', article: XB_RETURN },
    { say: 'is the near expiry nuts returnable', article: NEAR_EXPIRY },
    { say: '临期的面霜能退吗', article: NEAR_EXPIRY },
    { say: '用过的口红还能退吗', article: EXCEPT },
    { say: '面膜拆了能退吗', article: EXCEPT },
    { say: '拆开的坚果可以退吗', article: EXCEPT },
    { say: '奶粉可以7天无理由吗', article: XB_RETURN },
  ],
  [
    {
      say: '开过的面霜能退吗',
      fixedBy: 'bot-36b',
      article: EXCEPT,
      gave: 'kb-return-policy ("支持7天无理由退货…") — an opened cream told the 7-day rule applies',
      should:
        'kb-return-exceptions: opened skincare is not returnable without reason (quality problems still are)',
    },
    {
      say: 'is the opened lipstick returnable',
      fixedBy: 'bot-36b',
      article: EXCEPT,
      gave: 'the lipstick\'s shelf life ("未开封3年，开封后18个月内用完") — "opened" read as a shelf-life question',
      should: 'kb-return-exceptions: opened makeup is not returnable without reason',
    },
    {
      say: 'is the opened cream returnable',
      fixedBy: 'bot-36b',
      article: EXCEPT,
      gave: 'the cream\'s shelf life ("未开封3年，开封后12个月内用完")',
      should: 'kb-return-exceptions: opened skincare is not returnable without reason',
    },
    {
      say: 'is the diaper returnable if i opened the pack',
      fixedBy: 'bot-36b',
      article: EXCEPT,
      gave: 'the diapers\' shelf life ("生产日期起3年，拆包后建议6个月内用完")',
      should: 'kb-return-exceptions: an opened pack of diapers is not returnable without reason',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 6. A quality in any word order, English "any X" / "stock of X"
// ---------------------------------------------------------------------------------------------
run(
  'a quality, any X, stock of X',
  [
    { say: '控油的防晒多少钱', product: 'p-sunscreen-light', text: /139/, notText: /159/ },
    { say: '物理的防晒多少钱', product: 'p-sunscreen-sensitive', text: /159/, notText: /139/ },
    { say: '口红多少钱 || 防晒有清透的吗', product: 'p-sunscreen-light' },
    { say: '敏感肌的防晒有吗', product: 'p-sunscreen-sensitive' },
    { say: 'any oil control sunscreen', product: 'p-sunscreen-light' },
    { say: 'any moisturising cream', product: 'p-hyaluronic-cream' },
    { say: 'any physical sunscreen for sensitive skin', product: 'p-sunscreen-sensitive' },
    { say: 'any mask for sensitive skin', product: 'p-cica-mask' },
    { say: 'any stock of the dress in XL', product: 'p-floral-dress', text: /sold out/ },
    { say: 'any stock of the cardigan in XL', product: 'p-wool-cardigan', text: /does not come in XL/ },
    { say: 'stock of jeans size 31?', product: 'p-straight-jeans', text: /in stock in 31/ },
    { say: 'any jerky', product: 'p-beef-jerky' },
    { say: '坚果多少钱 || any stock?', product: 'p-daily-nuts' },
    // near-misses: "any" of an order, a refund, a discount is no goods
    { say: '有好用的洗面奶吗', product: 'p-amino-cleanser', notText: /谢谢|感谢/ },
    { say: 'any tips for oily skin', attr: 'suitableSkin', text: /Oil-Control/ },
    { say: 'any news about my order', article: 'kb-track-order' },
    { say: 'any update on my refund', article: 'kb-refund-arrival' },
  ],
  [
    {
      say: 'got any lipstik',
      product: 'p-velvet-lipstick',
      gave: 'decline "Sorry, I can only help with this shop…" — one typo in the goods\' name and "any X" is off-topic',
      should: 'Yes, we have Velvet Matte Lipstick ¥129 (as "any jerky" gets)',
    },
    {
      say: '控油防晒 多少钱 || and the other one?',
      product: 'p-sunscreen-sensitive',
      text: /159/,
      gave: 'decline "Sorry, I can only help with this shop…" — an English follow-up after a Chinese price question',
      should: 'the other sunscreen: Sensitive-Skin Mineral Sunscreen SPF30 ¥159',
    },
    {
      say: '这款面膜好用，还会回购',
      text: /谢|thank/i,
      gave: 'clarify "好的，您说的是「…面膜」～想了解它的哪方面呢？" — praise with "这款" before it is asked back, not thanked',
      should: 'thanks for the praise (as 面膜很好用，会回购的 gets)',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 7. A faster courier
// ---------------------------------------------------------------------------------------------
run(
  'a faster courier',
  [
    { say: '有没有快点的快递', article: CARRIER, text: /顺丰/ },
    { say: '快递能快点吗，我明天要用', article: CARRIER, text: /顺丰/ },
    { say: '可以发顺丰吗', article: CARRIER },
  ],
  [
    {
      say: 'can u ship faster',
      fixedBy: 'bot-37',
      article: CARRIER,
      gave: 'clarify "Our notes don\'t cover that, so I won\'t guess…"',
      should: 'kb-shipping-carrier-fee: SF Express on request for +12 yuan',
    },
    {
      say: '加急能当天到吗',
      fixedBy: 'bot-37',
      article: [CARRIER, ETA, SHIP_TIME],
      gave: 'clarify "我不太确定您想问的是哪一个，是下面这些吗？"',
      should: 'SF Express on request (+12 元) and the delivery times (1-2 days nearby) — no same-day promise',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 8. Who may use it, with nothing in view
// ---------------------------------------------------------------------------------------------
run(
  'who may use, nothing in view',
  [
    { say: '小孩能用吗', product: null, text: /婴儿洗发沐浴露/ },
    { say: '宝宝能用吗', product: null, text: /婴儿洗发沐浴露/ },
    { say: '面霜 || 小孩能用吗', product: 'p-hyaluronic-cream', text: NOT_STATED },
    { say: '孩子可以用防晒吗', text: NOT_STATED, notArticle: [LIGHT_USAGE] },
  ],
  [
    {
      say: '老年人可以用面霜吗',
      fixedBy: 'bot-36b',
      notArticle: ['kb-payment-methods'],
      product: 'p-hyaluronic-cream',
      gave: 'kb-payment-methods ("支持微信支付、支付宝、银联…花呗…") — who may use the cream answered with payment methods',
      should:
        'the cream is not limited by age in its data: chosen by skin type (干性、中性、混合性), or "not stated"',
    },
    {
      say: '老人能用吗',
      fixedBy: 'bot-37',
      product: null,
      notArticle: ['kb-cream-usage'],
      gave: 'kb-cream-usage ("早晚洁面、爽肤水和精华之后…") — the cream picked from nothing in view',
      should: 'an ask-back which product (no goods are sold for an age), never one product picked by 能用',
    },
    {
      say: '我家孩子能用吗',
      fixedBy: 'bot-37',
      product: null,
      text: /婴儿洗发沐浴露/,
      gave: 'kb-cream-usage about the cream — with 我家 before it, 孩子 is no longer the audience kind',
      should: 'the baby goods (婴儿洗发沐浴露二合一、纸尿裤、奶粉), as 小孩能用吗 gets',
    },
    {
      say: 'kids can use?',
      fixedBy: 'bot-37',
      product: null,
      text: /baby/i,
      gave: 'clarify "Our notes don\'t cover that…"',
      should: 'the baby goods (baby wash, diapers, formula), as 小孩能用吗 gets',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 9. Women — and pregnant ladies / mums / wives
// ---------------------------------------------------------------------------------------------
run(
  'women and pregnancy',
  [
    { say: 'can girls use the serum', product: 'p-niacinamide-serum', text: NOT_BY_SEX },
    { say: 'can women use the lipstick', product: 'p-velvet-lipstick', text: NOT_BY_SEX },
    { say: 'is the cleanser for women only', product: 'p-amino-cleanser', text: NOT_BY_SEX },
    { say: '女生能用牛肉干吗', product: 'p-beef-jerky', text: NOT_BY_SEX },
    { say: '孕妈能用面膜吗', article: PREG },
    { say: 'can pregnant moms use the light sunscreen', article: PREG },
    { say: 'pregnant mum ok for the serum?', article: PREG },
    { say: '我老婆怀孕了，面霜能用吗', article: PREG },
    { say: '面霜多少钱 || 孕妇呢', article: PREG },
    { say: '孕妇呢', article: PREG },
    { say: '女生穿什么码', article: 'kb-size-measure' },
    // goods the pregnancy article does not name: "not stated", not its list
    { say: 'can my pregnant wife use the lipstick', notArticle: [PREG], text: /pregnan/i },
    { say: '孕妇能吃坚果吗', notArticle: [PREG], text: /没有写明/ },
  ],
  [
    {
      say: 'ladies ok to use the jeans?',
      fixedBy: 'bot-37',
      notArticle: ['kb-allergy-first-aid'],
      gave: 'kb-allergy-first-aid ("请立即停用，用清水冲洗干净…") about the jeans',
      should: 'the jeans are not limited by sex in the data (or "not stated"); never the allergy first aid',
    },
    {
      say: '女孩子能用面霜吗',
      fixedBy: 'bot-37',
      product: 'p-hyaluronic-cream',
      text: NOT_BY_SEX,
      gave: '"关于「澜悦玻尿酸水润保湿面霜」的这个问题，商品资料里没有写明" — 女孩子 not read as women',
      should: 'not by sex, chosen by skin type (干性、中性、混合性), as 女生能用… gets',
    },
    {
      say: 'is the sunscreen ok for ladies',
      fixedBy: 'bot-37',
      answered: true,
      text: /sex|skin/i,
      gave: 'clarify "Our notes don\'t cover that, so I won\'t guess."',
      should:
        'both sunscreens are not by sex: the light one for oily / combination skin, the mineral one for sensitive',
    },
    {
      say: 'can men use the cushion || what about pregnant ladies',
      fixedBy: 'bot-37',
      text: /pregnan/i,
      gave: 'the cushion\'s ingredients ("水、环五聚二甲基硅氧烷…") — the pregnancy follow-up not answered',
      should:
        'the shop\'s notes do not cover the cushion in pregnancy (it holds chemical UV filters): "not stated", a person can check',
    },
  ],
);
