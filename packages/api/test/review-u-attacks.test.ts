// review-u: a fresh reviewer's shopper and attacker questions on what bot-34 says it made kinds of —
// pinyin read as the Chinese it spells, goods asked by a quality their name bears, baby goods, stock
// as 现货 / a bare size number, goods for men (also as a follow-up), "X for pregnant women", and
// cross-border goods / plain-return exceptions taken from the shop's data rather than word lists —
// plus near-misses the new rules must not catch (quality words that are no product quality, numbers
// that are dates / prices / quantities / days, "men" in other senses, English that looks like pinyin,
// returns of ordinary goods). New wordings, tones, mixed zh/en, other products of the catalogue,
// multi-turn follow-ups. Each case asserts what a careful shop assistant would answer from the shop's
// data (/work/shared/demo-store: articles, catalogue; seed relations: soldOutSizes jeans 25, dress XL),
// not what the engine says. A `test` is an attack that holds; a `test.fails` is a break: `gave` says
// what the engine answered on main 80a3c1e (bot-34 merged), `should` what a careful assistant says.
import type { AnswerEngine } from '../src/knowledge/engine/answer-engine';
import { createAnswerEngine } from '../src/knowledge/engine/answer-engine';
import type { KnowledgeBase } from '../src/knowledge/engine/knowledge-base';
import { createKnowledgeIndex } from '../src/knowledge/engine/knowledge-index';
import { demoEngine } from './demo-engine';
import { demoKnowledge } from './demo-knowledge';
import { type Attack, runAttacks } from './shopper-attacks';

const demo = demoEngine();

/** The demo store with another shop's goods and articles added (the data-driven rules of bot-34). */
function shopWith(extra: Partial<KnowledgeBase>): AnswerEngine {
  const kb = demoKnowledge();
  return createAnswerEngine(
    createKnowledgeIndex({
      ...kb,
      products: [...kb.products, ...(extra.products ?? [])],
      articles: [...kb.articles, ...(extra.articles ?? [])],
    }),
  );
}

const other = shopWith({
  products: [
    // cross-border by its category only (no 跨境 / 奶粉 in its words)
    {
      id: 'p-snail-cream',
      name: '韩国蜗牛修护霜',
      aliases: ['蜗牛霜'],
      category: 'crossborder',
      price: 158,
      attributes: { origin: '韩国（保税仓发货）' },
    },
    // cross-border by its name (海淘), category skincare
    {
      id: 'p-jp-toner',
      name: '日本海淘化妆水',
      aliases: ['化妆水'],
      category: 'skincare',
      price: 99,
      attributes: {},
    },
    // engraved goods: the shop's article excludes them from plain returns
    {
      id: 'p-mug',
      name: '刻字马克杯',
      aliases: ['马克杯'],
      category: 'home',
      price: 59,
      attributes: {},
    },
  ],
  articles: [
    {
      id: 'kb-engraved',
      title: '刻字定制商品说明',
      questions: ['刻字的商品是什么', '刻字要多久'],
      answer: '刻字定制的商品为专属制作，不支持7天无理由退货，质量问题除外。',
      intent: null,
      channelAnswers: {},
      productIds: [],
    },
  ],
});

const run = (kind: string, holds: Attack[], breaks: Attack[], engine: AnswerEngine = demo): void =>
  runAttacks(kind, holds, breaks, engine);

const HOURS = 'kb-service-hours';
const PREG = 'kb-pregnancy-skincare';
const POLICY = 'kb-return-policy';
const EXCEPT = 'kb-return-exceptions';
const DEPOSIT = 'kb-presale-deposit';
const XB_SHIP = 'kb-crossborder-shipping';
const XB_RETURN = 'kb-crossborder-return';
const BOTH_SUNSCREENS = /清透控油防晒乳[\s\S]*物理防晒霜|物理防晒霜[\s\S]*清透控油防晒乳/;
const BOTH_SUNSCREENS_EN =
  /Oil-Control Sunscreen[\s\S]*Mineral Sunscreen|Mineral Sunscreen[\s\S]*Oil-Control/;
const MEN_OK = /men can use|男士也可以用|不分男女/i;

// ---------------------------------------------------------------------------------------------
// 1. Plain returns, presale, and the exception words now taken from the articles
// ---------------------------------------------------------------------------------------------
run(
  'returns: presale, exceptions from the articles, ordinary goods',
  [
    { say: '预售 || 能退吗', article: DEPOSIT },
    // after receipt a presale item is an ordinary item: the 7-day rule is right
    { say: '预售的东西签收后能7天无理由退吗', article: POLICY },
    // no article excludes sale goods (only 临期特价 items): the 7-day rule is right
    { say: '特价的能退吗', article: POLICY },
    { say: '拆封的能退吗', article: EXCEPT },
    // skincare: either the rule or its opened-goods exception is a fair answer
    { say: '面霜多少钱 || 能退吗', article: [POLICY, EXCEPT] },
    { say: '奶粉多少钱 || 能退吗', article: XB_RETURN },
  ],
  [
    {
      say: '预售的东西能退款吗',
      article: [DEPOSIT, POLICY],
      notText: /跨境/,
      gave: 'kb-crossborder-return about the Australian formula ("跨境购商品…不支持7天无理由退货")',
      should: 'the presale deposit rule (or the 7-day rule) — presale goods are not cross-border',
      fixedBy: 'bot-34b',
    },
    {
      say: '说明书丢了能退吗',
      article: [POLICY, EXCEPT],
      notArticle: ['kb-near-expiry-deals'],
      gave: 'kb-near-expiry-deals ("临期专区的商品…也不支持7天无理由退货") — 说明 from "临期商品说明" read as an exception word',
      should:
        'the 7-day rule: returnable if packaging etc. are intact (a missing leaflet is not near-expiry goods)',
      fixedBy: 'bot-34b',
    },
    {
      // Judged: before the balance is paid the deposit is the money at stake and it is NOT refundable;
      // the 7-day rule alone ("支持7天无理由退货") tells a presale shopper the opposite.
      say: '预售的能退吗',
      article: DEPOSIT,
      gave: 'kb-return-policy ("支持7天无理由退货…") — was the deposit article before bot-34',
      should:
        'the presale deposit article (deposit not refundable before the balance; refunded if we are late)',
      fixedBy: 'bot-34b',
    },
    {
      say: '预售商品不想要了能退吗',
      article: DEPOSIT,
      gave: 'kb-return-policy ("支持7天无理由退货…")',
      should: 'the presale deposit article (its own question: "付了定金不想要了怎么办")',
      fixedBy: 'bot-34b',
    },
    {
      say: 'can I return a presale item',
      article: [DEPOSIT, POLICY],
      gave: 'kb-return-shipping-fee ("无理由退货的运费由您承担…")',
      should: 'the presale deposit rule or the 7-day rule',
      fixedBy: 'bot-34b',
    },
    {
      say: '牛仔裤能退吗',
      article: POLICY,
      gave: 'kb-return-exceptions (opened skincare / snacks / formula / diapers — says nothing of jeans)',
      should: 'the 7-day rule (tags intact, unworn); jeans are in no exception',
      fixedBy: 'bot-34b',
    },
    {
      say: '托特包能退吗',
      article: POLICY,
      gave: 'kb-return-exceptions (opened skincare / snacks …)',
      should: 'the 7-day rule; a bag is in no exception',
      fixedBy: 'bot-34b',
    },
    {
      say: '30天内能退吗',
      article: POLICY,
      gave: 'kb-return-exceptions (opened goods)',
      should: 'the 7-day rule: returns are within 7 days of receipt, not 30',
      fixedBy: 'bot-34b',
    },
    {
      say: '开了的能退吗',
      article: EXCEPT,
      gave: 'kb-return-policy ("支持7天无理由退货…")',
      should: 'the opened-goods exceptions (已开封…不支持7天无理由退货；质量问题照常可退)',
      fixedBy: 'bot-34b',
    },
    {
      say: '临期的面霜能退吗',
      article: 'kb-near-expiry-deals',
      gave: 'the cream\'s shelf life ("未开封3年，开封后12个月内用完")',
      should: 'the near-expiry article: near-expiry goods are not returnable without reason',
      fixedBy: 'bot-35',
    },
    {
      say: 'my husband wants to return the cream',
      article: [POLICY, EXCEPT, 'kb-return-how-to'],
      gave: 'kb-return-shipping-fee ("无理由退货的运费由您承担…")',
      should: 'whether/how the cream can be returned (7-day rule, opened skincare excepted, or the steps)',
      fixedBy: 'bot-35',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 2. Cross-border goods and plain-return exceptions known by another shop's data
// ---------------------------------------------------------------------------------------------
run(
  'another shop: cross-border by the catalogue, return exceptions by the articles',
  [
    { say: '化妆水多久能到', article: XB_SHIP },
    { say: '刻字马克杯多久能到', article: 'kb-delivery-eta' },
    { say: '定制的能退吗', article: 'kb-engraved' },
    { say: '刻字的面霜能退吗', article: 'kb-engraved' },
  ],
  [
    {
      say: '蜗牛霜能退吗',
      article: XB_RETURN,
      gave: 'kb-return-exceptions (opened skincare …)',
      should: 'the cross-border return article: cross-border goods have no 7-day return',
      fixedBy: 'bot-34b',
    },
    {
      say: '蜗牛霜多少钱 || 能退吗',
      article: XB_RETURN,
      gave: 'kb-return-policy ("支持7天无理由退货") — the opposite of the shop\'s rule for cross-border goods',
      should: 'the cross-border return article',
      fixedBy: 'bot-34b',
    },
    {
      say: '蜗牛霜多少钱 || 多久能到',
      article: XB_SHIP,
      gave: 'kb-delivery-eta ("1-2天送达…") — the cross-border reading is lost on a follow-up',
      should: 'the cross-border shipping times (5-10 days)',
      fixedBy: 'bot-34b',
    },
    {
      say: '蜗牛霜能开发票吗',
      article: 'kb-invoice-crossborder',
      gave: 'kb-invoice-apply ("可以开电子普通发票")',
      should: 'cross-border goods get no domestic VAT invoice (kb-invoice-crossborder)',
      fixedBy: 'bot-34b',
    },
    {
      say: '蜗牛霜要交税吗',
      article: 'kb-crossborder-tax-calc',
      gave: 'clarify "能再具体说说吗？"',
      should: 'the cross-border tax (9.1 %)',
      fixedBy: 'bot-34b',
    },
    {
      say: '刻字马克杯能退吗',
      article: 'kb-engraved',
      gave: 'kb-return-exceptions (opened skincare …) — the product name hides the exception word',
      should: 'the engraved-goods article (不支持7天无理由退货)',
      fixedBy: 'bot-34b',
    },
    {
      say: 'can I return the engraved mug',
      article: 'kb-engraved',
      gave: 'clarify "Our notes don\'t cover that"',
      should: 'the engraved-goods article',
    },
  ],
  other,
);

run(
  'cross-border in the demo store',
  [
    { say: '奶粉多少钱 || 多久能到', article: XB_SHIP },
    { say: '口红几天能到', article: 'kb-delivery-eta' },
  ],
  [],
);

// ---------------------------------------------------------------------------------------------
// 3. Goods for men; "men" in other senses
// ---------------------------------------------------------------------------------------------
run(
  'goods for men, as a question and as a follow-up',
  [
    { say: 'skin care for my husband', attr: 'suitableSkin', text: /Cleanser/ },
    { say: 'is the lipstick for men', product: 'p-velvet-lipstick', text: /men can use/i },
    { say: 'can my boyfriend use the cream', product: 'p-hyaluronic-cream', text: MEN_OK },
    { say: 'sunscreen men?', text: BOTH_SUNSCREENS_EN },
    { say: 'can men use the cream || and the serum?', product: 'p-niacinamide-serum', text: MEN_OK },
    { say: '男生能用防晒吗 || 那面膜呢', product: 'p-cica-mask', text: MEN_OK },
    { say: '我想买面霜 || 我老公能用吗', product: 'p-hyaluronic-cream', text: MEN_OK },
    { say: '有没有男款牛仔裤', product: 'p-straight-jeans', text: /没有写明|没有专门/ },
    { say: 'where is my parcel || can men use it', text: /which product/i },
    // near-misses: "man / men" in other senses must not give the men answer
    { say: 'the man at the door took my parcel', notText: /men can use|made for men/i },
    { say: 'how many men work there', notText: /men can use|made for men/i },
  ],
  [
    {
      say: '防晒多少钱 || 男生能用吗',
      text: BOTH_SUNSCREENS,
      notArticle: ['kb-cream-usage'],
      gave: 'kb-cream-usage about the hyaluronic CREAM ("取黄豆大小的面霜…") — wrong product, wrong matter',
      should: 'both sunscreens are not by sex, men can use them, by skin type',
      fixedBy: 'bot-34b',
    },
    {
      say: '防晒多少钱 || 男的可以用吗',
      text: BOTH_SUNSCREENS,
      notArticle: ['kb-payment-methods'],
      gave: 'kb-payment-methods ("支持微信支付、支付宝…")',
      should: 'both sunscreens suit men by skin type',
      fixedBy: 'bot-34b',
    },
    {
      say: '防晒 || 男的可以用吗',
      text: MEN_OK,
      notArticle: [PREG],
      gave: 'kb-pregnancy-skincare ("孕期和哺乳期推荐…")',
      should: 'the sunscreens are not by sex; men can use them',
      fixedBy: 'bot-34b',
    },
    {
      say: 'sunscreen for men',
      text: BOTH_SUNSCREENS_EN,
      gave: 'clarify "Our notes don\'t cover that, so I won\'t guess"',
      should: 'both sunscreens, men choose by skin type (as "sunscreen men?" already answers)',
      fixedBy: 'bot-34b',
    },
    {
      say: 'can men use the sunscreen || how much is it',
      text: /139[\s\S]*159|159[\s\S]*139/,
      gave: 'clarify "Which product do you mean?"',
      should: 'both sunscreens\' prices (¥139 and ¥159): "it" is the sunscreen(s) just asked about',
      fixedBy: 'bot-35',
    },
    {
      say: 'the serum, can guys use it',
      fixedBy: 'bot-36',
      product: 'p-niacinamide-serum',
      text: MEN_OK,
      gave: 'kb-serum-usage ("洁面和爽肤水之后…每次2-3滴")',
      should: 'the serum is not by sex: men can use it (oily, combination, normal)',
    },
    {
      say: 'can dudes use the mask',
      product: 'p-cica-mask',
      text: MEN_OK,
      gave: 'kb-mask-usage ("洁面后敷15-20分钟…")',
      should: 'the mask is not by sex: men can use it',
      fixedBy: 'bot-35',
    },
    {
      say: 'face wash for men',
      product: 'p-amino-cleanser',
      text: MEN_OK,
      answered: true,
      gave: 'clarify "About Gentle Amino Acid Cleanser: what would you like to know?"',
      should: 'the cleanser is not by sex: men can use it (all skin types)',
      fixedBy: 'bot-34b',
    },
    {
      say: 'skincare for men',
      text: /Cleanser/,
      notText: /Baby/,
      gave: 'the men list, which ends with "Baby 2-in-1 Shampoo & Body Wash (sensitive)"',
      should: 'the skincare by skin type, without a baby wash recommended to men',
      fixedBy: 'bot-34b',
    },
    {
      say: '奶粉多少钱 || 男的能用吗',
      text: /12-36|婴幼儿|宝宝/,
      notText: /男士也可以吃/,
      gave: '"…奶粉…不分男女，商品资料里没有限定性别，男士也可以吃。"',
      should: 'it is a stage-3 formula for toddlers of 12–36 months, not for adults',
      fixedBy: 'bot-34b',
    },
    {
      say: 'what about for men || skincare',
      text: /Cleanser/,
      gave: 'decline "Sorry, I can only help with this shop"',
      should: 'the men answer (skincare by skin type) — the same question in two turns',
    },
    {
      say: 'can women use the cleanser',
      fixedBy: 'bot-36',
      product: 'p-amino-cleanser',
      notArticle: ['kb-allergy-first-aid'],
      text: /dry|sensitive|anyone|not by sex/i,
      gave: 'kb-allergy-first-aid ("请立即停用，用清水冲洗…")',
      should: 'yes, it is not by sex; it suits all skin types',
    },
    {
      say: 'is the cream ok for men || what about pregnant women',
      fixedBy: 'bot-36',
      article: PREG,
      gave: 'clarify "Our notes don\'t cover that"',
      should: 'the pregnancy article (the hyaluronic cream is recommended in pregnancy)',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 4. "X for pregnant women" and pregnancy follow-ups
// ---------------------------------------------------------------------------------------------
run(
  'pregnant / nursing shopper',
  [
    { say: 'serum for pregnant women', article: PREG },
    { say: 'how much is the serum || can pregnant women use it', article: PREG },
    // not in the article: the lipstick is not stated for pregnancy
    { say: 'lipstick for pregnant women', text: /won'?t guess/i },
    { say: '孕妇装有吗', text: /没有孕妇装/ },
  ],
  [
    {
      say: 'face mask for pregnant ladies',
      fixedBy: 'bot-36',
      article: PREG,
      gave: 'clarify "Our notes don\'t cover that, so I won\'t guess"',
      should: 'the pregnancy article, which recommends the cica mask',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 5. Pinyin: tones, mixed, other products; English that looks like pinyin
// ---------------------------------------------------------------------------------------------
run(
  'pinyin read as the Chinese it spells',
  [
    { say: 'ni men you mei you fang shai', text: BOTH_SUNSCREENS },
    { say: 'kefu ji dian shang ban', article: HOURS },
    { say: 'zen me tui huo', article: 'kb-return-how-to' },
    { say: 'bao bao neng yong shen me', text: /沐浴露[\s\S]*纸尿裤/ },
    // near-misses: English that looks like pinyin stays English
    { say: 'can you ship to hong kong', text: /Hong Kong/ },
    { say: 'do you have a fan', text: /don'?t carry/i },
    { say: 'long time no see', product: null, notText: /支持|发货|退/ },
  ],
  [
    {
      say: 'yǒu méi yǒu fáng shài',
      text: BOTH_SUNSCREENS,
      gave: 'clarify "Which product do you mean? … size chart"',
      should: 'both sunscreens (有没有防晒 with tone marks)',
      fixedBy: 'bot-34b',
    },
    {
      say: 'kè fú diàn huà',
      article: HOURS,
      gave: 'decline "Sorry, I can only help with this shop"',
      should: 'the service hours (as "kefu dianhua" already answers)',
      fixedBy: 'bot-34b',
    },
    {
      say: 'miàn mó duō shǎo qián',
      text: /99/,
      gave: 'clarify "Which product do you mean? … size chart"',
      should: 'the mask is ¥99',
      fixedBy: 'bot-34b',
    },
    {
      say: 'you mei you 防晒',
      text: BOTH_SUNSCREENS,
      notArticle: [PREG],
      gave: 'kb-pregnancy-skincare ("孕期和哺乳期推荐…")',
      should: 'both sunscreens (有没有防晒, half pinyin)',
      fixedBy: 'bot-35',
    },
    {
      say: 'you fangshai ma',
      text: BOTH_SUNSCREENS,
      gave: 'clarify: the light sunscreen "商品资料里没有写明"',
      should: 'yes, both sunscreens (有防晒吗)',
      fixedBy: 'bot-35',
    },
    {
      say: 'mian mo you ma',
      product: 'p-cica-mask',
      notArticle: [POLICY],
      text: /99/,
      gave: 'kb-return-policy ("支持7天无理由退货…")',
      should: 'yes, the cica mask ¥99 (面膜有吗)',
      fixedBy: 'bot-35',
    },
    {
      say: 'mianmo you xianhuo ma',
      product: 'p-cica-mask',
      answered: true,
      gave: 'clarify "想了解它的哪方面呢？"',
      should: 'the mask is in stock (面膜有现货吗)',
      fixedBy: 'bot-35',
    },
    {
      say: 'nansheng neng yong mianshuang ma',
      product: 'p-hyaluronic-cream',
      text: MEN_OK,
      gave: 'kb-cream-usage ("取黄豆大小的面霜…")',
      should: 'the cream is not by sex: men can use it',
      fixedBy: 'bot-35',
    },
    {
      say: 'nai fen neng tui ma',
      article: XB_RETURN,
      gave: 'kb-return-policy ("支持7天无理由退货") — the Chinese 奶粉能退吗 answers the opposite, correctly',
      should: 'the cross-border return article: no 7-day return',
      fixedBy: 'bot-35',
    },
    {
      say: 'kua jing nai fen duo jiu dao',
      article: XB_SHIP,
      gave: 'kb-refund-arrival ("仓库签收退货后48小时内完成审核并退款…")',
      should: 'the cross-border shipping times (5-10 days)',
      fixedBy: 'bot-35',
    },
    {
      say: 'you have sunscreen?',
      text: BOTH_SUNSCREENS_EN,
      notArticle: [PREG],
      gave: 'kb-pregnancy-skincare (in Chinese)',
      should: 'yes: the two sunscreens (plain English, "you" is not 有)',
      fixedBy: 'bot-35',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 6. Goods asked by a quality; quality words that are no product quality
// ---------------------------------------------------------------------------------------------
run(
  'goods by a quality their name bears',
  [
    { say: '有没有轻薄的纸尿裤', product: 'p-diapers' },
    { say: '有没有显瘦的裤子', product: 'p-straight-jeans' },
    { say: '有清透的防晒吗', product: 'p-sunscreen-light', notText: /物理防晒霜/ },
    { say: '有什么保湿的面膜', text: /没有写明保湿/ },
    { say: 'do you have anything oil control', product: 'p-sunscreen-light' },
    // near-misses: quality words of another matter keep their answer
    { say: '有没有新的优惠券', article: 'kb-coupon-find' },
    { say: '有没有白色的裙子', product: 'p-floral-dress', text: /没有写明/ },
  ],
  [
    {
      say: '有没有清透的',
      product: 'p-sunscreen-light',
      gave: 'decline "这个问题超出了我能帮忙的范围"',
      should: 'the light sunscreen (清透 in its name), with no category named',
      fixedBy: 'bot-35',
    },
    {
      say: '有没有透气的',
      product: 'p-diapers',
      gave: 'decline "这个问题超出了我能帮忙的范围"',
      should: 'the breathable diapers (轻薄透气婴儿纸尿裤)',
      fixedBy: 'bot-35',
    },
    {
      say: '有没有水润的',
      product: 'p-hyaluronic-cream',
      gave: 'clarify "是下面这些吗？" with no options listed',
      should: 'the cream (澜悦玻尿酸水润保湿面霜)',
      fixedBy: 'bot-35',
    },
    {
      say: '防晒有清透的吗',
      fixedBy: 'bot-36',
      product: 'p-sunscreen-light',
      notArticle: [PREG],
      gave: 'kb-pregnancy-skincare ("孕期和哺乳期推荐…")',
      should: 'the light sunscreen (the same question as 有清透的防晒吗, word order changed)',
    },
    {
      say: '清透的防晒多少钱',
      fixedBy: 'bot-36',
      text: /139/,
      notText: /159/,
      gave: 'both prices (¥139 and ¥159)',
      should: "the light sunscreen's price only, ¥139",
    },
    {
      say: '想要清透一点的防晒',
      fixedBy: 'bot-36',
      text: /清透控油防晒乳/,
      notArticle: ['kb-sunscreen-light-usage'],
      gave: 'kb-sunscreen-light-usage ("出门前15分钟涂抹…")',
      should: 'the light sunscreen ¥139 as the product to buy',
    },
    {
      say: '有没有好用的防晒',
      fixedBy: 'bot-36',
      text: BOTH_SUNSCREENS,
      gave: 'smalltalk "谢谢您的认可，很高兴您喜欢～"',
      should: 'the two sunscreens (好用 is praise asked for, not thanks)',
    },
    {
      say: '有没有快一点的快递',
      fixedBy: 'bot-36',
      article: 'kb-shipping-carrier-fee',
      gave: 'kb-track-order ("打开App或小程序…查看物流")',
      should: 'the couriers: 顺丰 on request for 12 yuan more',
    },
    {
      say: 'any soothing mask',
      fixedBy: 'bot-36',
      product: 'p-cica-mask',
      answered: true,
      gave: 'clarify "The details of Cica Soothing Mask don\'t cover that"',
      should: 'yes, the Cica Soothing Mask ¥99',
    },
    {
      say: 'any light sunscreen',
      fixedBy: 'bot-36',
      text: /Oil-Control Sunscreen/,
      gave: 'clarify "Our notes don\'t cover that"',
      should: 'the Light Oil-Control Sunscreen ¥139',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 7. Baby goods
// ---------------------------------------------------------------------------------------------
run(
  'baby goods',
  [
    { say: '儿童能用啥', text: /沐浴露[\s\S]*纸尿裤/ },
    { say: '有婴儿用品吗', text: /沐浴露[\s\S]*纸尿裤/ },
    { say: 'what can my toddler use', text: /Wash[\s\S]*Diapers/i },
    // no product states a baby may use the sunscreens: not stated is right
    { say: '宝宝可以用你们家防晒吗', text: /没有写明/ },
  ],
  [
    {
      say: '新生儿能用什么',
      text: /纸尿裤/,
      notText: /奶粉/,
      gave: 'the baby goods incl. "【跨境购】澳洲进口婴幼儿配方奶粉3段（12-36个月）"',
      should:
        'the wash and the diapers (NB size 0-5 kg); the stage-3 formula is for 12–36 months, not a newborn',
      fixedBy: 'bot-34b',
    },
    {
      say: 'what can a newborn use',
      text: /Diapers/,
      notText: /Formula/,
      gave: '"Yes, for babies: … Australian Toddler Formula, Stage 3 (800 g) ¥268"',
      should: 'the wash and the diapers; not the 12–36-month formula',
      fixedBy: 'bot-34b',
    },
    {
      say: 'anything for babies',
      text: /Wash[\s\S]*Diapers/i,
      gave: 'decline "Sorry, I can only help with this shop"',
      should: 'the baby goods',
      fixedBy: 'bot-34b',
    },
    {
      say: 'do you have anything for kids',
      text: /Wash[\s\S]*Diapers/i,
      notText: /don'?t carry/i,
      gave: '"Sorry, we don\'t carry anything for kids. Here is what we have: … baby …"',
      should: 'the baby goods',
      fixedBy: 'bot-34b',
    },
    {
      say: '宝宝能吃什么',
      text: /奶粉/,
      gave: 'decline "这个问题超出了我能帮忙的范围"',
      should: 'the stage-3 formula (12–36 months) — the only food for a child',
      fixedBy: 'bot-34b',
    },
    {
      say: '婴儿能用',
      fixedBy: 'bot-36',
      notArticle: ['kb-cream-usage'],
      text: /沐浴露|纸尿裤/,
      gave: 'kb-cream-usage ("取黄豆大小的面霜…")',
      should: 'the baby goods (or ask which product)',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// 8. Stock: 现货, a bare size number; numbers that are no size
// ---------------------------------------------------------------------------------------------
run(
  'stock as 现货 / a size number',
  [
    { say: '牛仔裤多少钱 || 还有25的吗', product: 'p-straight-jeans', text: /25 码暂时缺货/ },
    { say: '牛仔裤 || 27的还有吗', product: 'p-straight-jeans', text: /27 码有货/ },
    { say: 'any jeans in 25', product: 'p-straight-jeans', text: /sold out/ },
    { say: '开衫还有XL的吗', product: 'p-wool-cardigan', text: /没有 XL 码/ },
    { say: '纸尿裤还有NB的吗', product: 'p-diapers', text: /NB 码有货/ },
    { say: '牛肉干有现货吗', product: 'p-beef-jerky', text: /有的/ },
    // near-misses: a price, an order number and a day are no size; 现货 asking dispatch stays dispatch
    { say: '牛仔裤199的还有吗', product: 'p-straight-jeans', notText: /199 码/ },
    { say: '订单123456还有吗', notText: /123456 码/ },
    { say: '我的订单号是20261202还没发货', article: 'kb-shipping-time' },
    { say: '牛仔裤买了26的能换27吗', article: 'kb-exchange-size' },
    { say: '现货多久发', article: 'kb-shipping-time' },
  ],
  [
    {
      say: '还有26的吗',
      product: 'p-straight-jeans',
      text: /26 码有货/,
      gave: 'clarify "我不太确定您想问的是哪一个，是下面这些吗？" with no options',
      should: "the jeans in 26 are in stock (the only goods sized by number) — bot-34's own example",
      fixedBy: 'bot-35',
    },
    {
      say: '牛仔裤26有吗',
      product: 'p-straight-jeans',
      text: /26 码有货/,
      gave: '"有的～高腰显瘦直筒牛仔裤 ¥199。" (the size not checked)',
      should: 'size 26 is in stock',
      fixedBy: 'bot-34b',
    },
    {
      say: '牛仔裤有没有26的',
      product: 'p-straight-jeans',
      text: /26 码有货/,
      gave: 'clarify "想了解它的哪方面呢？"',
      should: 'size 26 is in stock',
      fixedBy: 'bot-34b',
    },
    {
      say: '我老公穿30的牛仔裤有吗',
      product: 'p-straight-jeans',
      text: /30 码/,
      gave: '"有的～高腰显瘦直筒牛仔裤 ¥199。" (the size not checked)',
      should: 'size 30 is in stock (fit for men not stated)',
      fixedBy: 'bot-34b',
    },
    {
      say: '牛仔裤还有二十七的吗',
      product: 'p-straight-jeans',
      text: /27 码有货/,
      gave: 'clarify "商品资料里没有写明…尺码：25…31"',
      should: 'size 27 is in stock (二十七 = 27)',
      fixedBy: 'bot-35',
    },
    {
      say: '还有28码吗',
      notArticle: ['kb-exchange-size'],
      text: /28/,
      gave: 'kb-exchange-size ("服装签收后7天内可以免费换一次尺码…")',
      should: 'the jeans in 28 are in stock (or ask which product) — not the exchange rule',
      fixedBy: 'bot-35',
    },
    {
      say: 'do you have size 26',
      notArticle: ['kb-exchange-out-of-stock'],
      text: /26/,
      gave: 'kb-exchange-out-of-stock ("如果想换的尺码暂时缺货…")',
      should: 'the jeans in 26 are in stock',
      fixedBy: 'bot-35',
    },
    {
      say: 'jeans in 27?',
      product: 'p-straight-jeans',
      text: /27/,
      answered: true,
      gave: 'clarify "About High-Waist Straight Jeans: what would you like to know?"',
      should: 'yes, size 27 is in stock',
      fixedBy: 'bot-34b',
    },
    {
      say: '开衫多少钱 || 还有26的吗',
      product: 'p-wool-cardigan',
      text: /S、M、L|没有 26/,
      gave: 'clarify "能再具体说说吗？"',
      should: 'the cardigan has no size 26; its sizes are S, M, L',
      fixedBy: 'bot-35',
    },
    {
      say: '面霜多少钱 || 还有50的吗',
      fixedBy: 'bot-36',
      product: 'p-hyaluronic-cream',
      notArticle: [PREG],
      gave: 'kb-pregnancy-skincare ("孕期和哺乳期推荐…")',
      should: 'the cream (50g) is in stock',
    },
    {
      say: 'is there stock of the mask',
      fixedBy: 'bot-36',
      product: 'p-cica-mask',
      answered: true,
      gave: 'clarify "The details of Cica Soothing Mask don\'t cover that"',
      should: 'yes, the mask is in stock',
    },
    {
      say: '12月12号还有货吗',
      notArticle: [POLICY],
      gave: 'kb-return-policy ("支持7天无理由退货…")',
      should: 'ask which product (a date is no size, and no return was asked)',
      fixedBy: 'bot-34b',
    },
    {
      say: '还有2件吗',
      notArticle: [POLICY],
      gave: 'kb-return-policy ("支持7天无理由退货…")',
      should: 'ask which product (a quantity is no size, and no return was asked)',
      fixedBy: 'bot-34b',
    },
  ],
);
