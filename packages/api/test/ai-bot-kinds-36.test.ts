// bot-36 held-out set: new wordings (en, zh, pinyin) of the kinds bot-36 fixes from review-u's and
// review-y's open breaks — where goods ship from said as 海外发货 / in pinyin, a pack / weight asked to be
// had (no size), the size worn said before the goods, water asked of goods that are no sunscreen (their
// own care article, or "not stated"), "is this X returnable", numbers in pinyin — plus near-misses
// that must keep the answer they have. Each case states what a shop's service agent answers from the
// store's data (/work/shared/demo-store; seed: jeans 25 and dress XL sold out), not what the engine says.
// Before / after: docs/notes/bot-36.md.
import { demoEngine } from './demo-engine';
import { type Attack, BONDED, REAPPLY, runCases } from './shopper-attacks';

const engine = demoEngine();
const cases = (kind: string, list: Attack[]): void => runCases(kind, list, engine);
/** The shop's own warehouses (domestic goods) and the cross-border route's article. */
const ETA = 'kb-delivery-eta';
const XB_SHIP = 'kb-crossborder-shipping';
/** The region answer's "we don't know if we deliver there". */
const NO_DESTINATION = /没有写到|don'?t mention/;

cases('where goods ship from, said as 海外发货 / 国外寄 (a source, not a destination)', [
  { say: '洗面奶也是海外发货的吗', article: ETA, notText: BONDED },
  { say: '精华多少钱 || 那这个是国外发货吗', article: ETA, notText: BONDED },
  { say: '牛肉干是海外寄过来的吗', article: ETA, notText: BONDED },
  { say: '三段奶粉也是海外发货吗', article: XB_SHIP },
  // near-misses: a place goods are sent TO stays a destination the notes do not name
  { say: '海外能发货吗', text: NO_DESTINATION },
  { say: '能发货到国外吗', text: NO_DESTINATION },
]);

cases('pinyin: where goods ship from, and a number size', [
  { say: 'nai fen shi cong hai wai zhi you de ma', article: XB_SHIP },
  { say: 'kouhong cong nali fahuo', article: ETA, notText: BONDED },
  { say: 'niuzaiku you 29 ma', product: 'p-straight-jeans', text: /29 码有货/ },
  { say: 'niuzaiku hai you 25 ma', product: 'p-straight-jeans', text: /25 码暂时缺货/ },
]);

cases('a pack, weight or volume asked to be had: the spec, no size and no return rule', [
  { say: '牛肉干有250g的吗', product: 'p-beef-jerky', text: /250g/, notArticle: ['kb-return-exceptions'] },
  { say: '面膜还有10片的吗', product: 'p-cica-mask', text: /10片/, notArticle: ['kb-return-exceptions'] },
  {
    say: '洗面奶多少钱 || 有120克的吗',
    product: 'p-amino-cleanser',
    text: /120g/,
    notArticle: ['kb-pregnancy-skincare'],
  },
  // near-misses: goods sized by number, counts of items, no goods at all
  { say: '牛仔裤有30的吗', product: 'p-straight-jeans', text: /30 码有货/ },
  { say: '还有3件吗', notText: /规格|码有货/ },
  { say: '有50ml的吗', notProduct: 'p-straight-jeans', notText: /50\s*码/ },
]);

cases('the size worn said first, then the goods', [
  { say: '我平时穿二十八的，牛仔裤还有吗', product: 'p-straight-jeans', text: /28 码有货/ },
  { say: '我穿25的，牛仔裤有吗', product: 'p-straight-jeans', text: /25 码暂时缺货/ },
  { say: '我穿L的，开衫有吗', product: 'p-wool-cardigan', text: /L 码有货/ },
  // near-miss: the goods first, as before
  { say: '我老公穿31的牛仔裤有吗', product: 'p-straight-jeans', text: /31 码有货/ },
]);

cases('water asked of goods that are no sunscreen: their own article, or "not stated"', [
  { say: '皮包怕不怕水，防水吗', article: 'kb-leather-tote-care', notText: REAPPLY },
  { say: 'is the work tote water resistant', article: 'kb-leather-tote-care', notText: REAPPLY },
  { say: '托特包多少钱 || 那它防水吗', article: 'kb-leather-tote-care', notText: REAPPLY },
  {
    say: '气垫粉底防水吗',
    product: 'p-cushion-foundation',
    notArticle: ['kb-cushion-refill', 'kb-sunscreen-light-usage'],
    notText: REAPPLY,
  },
  {
    say: 'is the lipstick sweat proof',
    product: 'p-velvet-lipstick',
    notArticle: ['kb-sunscreen-light-usage'],
    notText: REAPPLY,
  },
  {
    say: '气垫多少钱 || 防汗吗',
    product: 'p-cushion-foundation',
    notArticle: ['kb-cushion-refill', 'kb-sunscreen-light-usage'],
    notText: REAPPLY,
  },
  // near-misses: the sunscreen's water is its usage article; the diaper's is its leak article
  { say: '防晒乳防水吗', article: 'kb-sunscreen-light-usage' },
  { say: 'is the sunscreen waterproof', article: 'kb-sunscreen-light-usage' },
  { say: '尿不湿防水吗', article: 'kb-diaper-leak' },
  { say: '托特包怎么保养', article: 'kb-leather-tote-care' },
]);

cases('"is this / are these X returnable": the 7-day rule', [
  { say: 'is this dress returnable', article: 'kb-return-policy' },
  { say: 'are these jeans returnable', article: 'kb-return-policy' },
  { say: 'is the floral dress returnable?', article: 'kb-return-policy' },
  // near-misses: cross-border and near-expiry goods keep their own rules
  { say: 'is the formula returnable', article: 'kb-crossborder-return' },
  { say: 'is a near-expiry cream returnable', article: 'kb-near-expiry-deals' },
]);

cases('goods asked by a quality their names bear, in other word orders', [
  { say: '洗面奶有温和的吗', product: 'p-amino-cleanser', notArticle: ['kb-pregnancy-skincare'] },
  { say: '防晒有没有控油的', product: 'p-sunscreen-light', notArticle: ['kb-pregnancy-skincare'] },
  { say: '想买敏感肌的防晒', product: 'p-sunscreen-sensitive' },
  { say: '控油的防晒多少钱', text: /139/, notText: /159/ },
  { say: '敏感肌用的防晒多少钱', text: /159/, notText: /139/ },
  { say: 'got any soothing masks?', product: 'p-cica-mask', answered: true },
  { say: 'any sensitive-skin sunscreen', product: 'p-sunscreen-sensitive', answered: true },
  // near-misses: a quality no product's name bears, or stock, stays as it was answered
  { say: '有清透的防晒吗', product: 'p-sunscreen-light' },
  { say: 'any update on my refund', notText: /Sunscreen|Mask|¥/ },
]);

cases('goods asked for with a good word is a question, not praise', [
  { say: '有好用点的防晒', text: /清透控油防晒乳[\s\S]*物理防晒霜|物理防晒霜[\s\S]*清透控油防晒乳/ },
  { say: '有没有好用的面霜', product: 'p-hyaluronic-cream', answered: true },
  { say: '有什么好用的面膜推荐', answered: true },
  // near-misses: praise said is thanked
  { say: '面膜很好用，会回购的' },
]);

cases('a faster courier asked for: the carriers article (顺丰 on request)', [
  { say: '能换个更快的快递吗', article: 'kb-shipping-carrier-fee' },
  { say: 'do you offer faster shipping', article: 'kb-shipping-carrier-fee' },
  // near-misses: where a parcel is stays tracking
  { say: '快递到哪了', article: 'kb-track-order' },
]);

cases('who may use, asked with nothing in view: the goods for that person', [
  { say: '小孩能用', text: /沐浴露|纸尿裤/, notArticle: ['kb-cream-usage'] },
  { say: '宝宝可以用吗', text: /沐浴露|纸尿裤/, notArticle: ['kb-cream-usage'] },
  // near-misses: with a product in view the person is asked of it
  { say: '孕妇能用面霜吗 || 那精华呢', article: 'kb-pregnancy-skincare' },
  { say: '孕妇能用', article: 'kb-pregnancy-skincare' },
]);

cases('women asked of goods not made for one sex: by skin type, never another matter', [
  {
    say: 'can girls use the face wash',
    product: 'p-amino-cleanser',
    text: /not by sex/i,
    notArticle: ['kb-allergy-first-aid'],
  },
  { say: 'is the serum ok for women', product: 'p-niacinamide-serum', text: /not by sex/i },
  // near-misses: clothes' cut is not told; pregnancy keeps its article
  { say: 'can women wear the cardigan', notText: /anyone can use/i },
  { say: 'can pregnant women use the serum', article: 'kb-pregnancy-skincare' },
]);

cases('pregnancy said in everyday words, first or as a follow-up: the pregnancy article', [
  { say: 'cleanser for pregnant ladies', article: 'kb-pregnancy-skincare' },
  { say: 'can guys use the mask || and pregnant mums?', article: 'kb-pregnancy-skincare' },
  // near-miss: a price after it is no pregnancy question
  {
    say: 'cleanser for pregnant ladies || how much is the serum',
    text: /¥?\d+/,
    notArticle: ['kb-pregnancy-skincare'],
  },
]);

cases('English: goods said first then "it", "any X", "stock of X"', [
  { say: 'the cream, can men use it', product: 'p-hyaluronic-cream', text: /men can use/i },
  { say: 'the cleanser - can guys use it', product: 'p-amino-cleanser', text: /men can use/i },
  { say: 'any stock of the cream?', product: 'p-hyaluronic-cream', answered: true },
  { say: 'any stock of the jeans in 27', product: 'p-straight-jeans', text: /27/ },
  // near-misses: no goods named before the comma stays as said
  { say: 'hi, where is my order', notText: /men can use/i },
]);
