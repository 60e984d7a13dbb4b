// bot-37 held-out set: new wordings (zh, en, typos, follow-ups) of the kinds bot-37 fixes from
// review-bz's open breaks and the lead's four — goods pointed at (那款 / 这款) asked where they ship
// from, goods said opened asked to be sent back, an English price ceiling after "any X", an English
// quality said in another word than the goods' names (by its gloss), goods named by where they come
// from asked of a return or tax, a person with nothing in view (an older one, 我家孩子, English kids),
// 女孩子, 怕水, a faster courier or free shipping in English — plus near-misses that must keep the
// answer they have. Each case states what a shop's service agent answers from the store's data
// (/work/shared/demo-store), not what the engine says. Before / after: docs/notes/bot-37.md.
import { demoEngine } from './demo-engine';
import { type Attack, BONDED, runCases } from './shopper-attacks';

const engine = demoEngine();
const cases = (kind: string, list: Attack[]): void => runCases(kind, list, engine);
const EXCEPT = 'kb-return-exceptions';
const POLICY = 'kb-return-policy';
const ETA = 'kb-delivery-eta';
const XB_SHIP = 'kb-crossborder-shipping';
const XB_RETURN = 'kb-crossborder-return';
const CARRIER = 'kb-shipping-carrier-fee';
const NOT_STATED = /没有写明|don't cover|not stated/i;
const BABY_GOODS = /婴儿洗发沐浴露|Baby 2-in-1/;

cases('goods pointed at (那款 / 这款) asked where they ship from: origin, not a catalogue fact', [
  { say: '那款面霜是海外发货的吗', article: ETA, notText: BONDED },
  { say: '这款口红是从国外发的吗', article: ETA, notText: BONDED },
  { say: '那款奶粉是海外发货的吗', article: XB_SHIP },
  { say: '那款精华是从哪里发货的', article: ETA },
  { say: '这款奶粉多久能到', article: XB_SHIP },
  // near-misses: the pointed-at goods' own facts stay catalogue facts; a refund stays a refund
  { say: '那款精华保质期多久', product: 'p-niacinamide-serum', attr: 'shelfLife' },
  { say: '那款精华多少钱', product: 'p-niacinamide-serum', attr: 'price' },
  { say: '退款多久到账', article: 'kb-refund-arrival' },
]);

cases('goods said opened, asked to be sent / taken back: the opened-goods exceptions', [
  { say: 'i opened the cream, can i take it back', article: EXCEPT },
  { say: 'used the mask once, can i send it back?', article: EXCEPT },
  { say: 'can i give the used cushion back', article: EXCEPT },
  { say: 'opened serum - can i send it back', article: EXCEPT },
  { say: '用过的面膜能退回去吗', article: EXCEPT },
  // near-misses: nothing opened is the 7-day rule; a defect keeps its own matter
  { say: 'can i send the dress back', article: POLICY },
  { say: 'the jeans, can i send them back', article: POLICY },
  { say: 'the parcel came back to you, where is my refund', notArticle: [EXCEPT] },
]);

cases('English price ceiling after "any X": the catalogue price decides', [
  { say: 'any lipstick under 100', notText: /^Yes/, text: /129/ },
  { say: 'got any mask below 150?', text: /^Yes.*99/ },
  { say: 'any sunscreen under 150', text: /^Yes/, notText: /159/ },
  { say: 'any jerky under 50 yuan', notText: /^Yes/, text: /89/ },
  // near-misses: no ceiling, or a ceiling all goods meet, keep "yes, we have" of all
  { say: 'any sunscreen', text: /139.*159/ },
  { say: 'any sunscreen under 200', text: /139.*159/ },
]);

cases('an English quality said in another word than the names: read by its gloss', [
  { say: 'any lightweight sunscreen?', product: 'p-sunscreen-light', notText: /159/ },
  { say: 'do u have lightweight sunscreen', product: 'p-sunscreen-light', notText: /159/ },
  { say: 'lightweight sunscreen how much', product: 'p-sunscreen-light', text: /139/, notText: /159/ },
  // near-misses: the names' own words still narrow; no quality keeps both
  { say: 'any light sunscreen', product: 'p-sunscreen-light' },
  { say: 'do you have sunscreen', text: /139.*159/ },
]);

cases('goods named by where they come from, asked of a return or tax: the cross-border rules', [
  { say: '海外发货的能退货吗', article: XB_RETURN },
  { say: '请问国外发的东西可以退吗', article: XB_RETURN },
  { say: '海外发货要交税吗', article: 'kb-crossborder-tax-calc' },
  // near-misses: a delivery to a place abroad stays "not stated"; the shop's own goods stay home
  { say: '海外能发货吗', notArticle: [XB_RETURN, XB_SHIP], text: /没有写到/ },
  { say: '能寄到国外吗', notArticle: [XB_SHIP], text: /没有写到/ },
  { say: '面霜是海外发货的吗', article: ETA, notText: BONDED },
]);

cases('a person with nothing in view: no product picked by "能用"', [
  { say: '老人家能用吗', product: null, notArticle: ['kb-cream-usage', 'kb-payment-methods'] },
  { say: '长辈可以用吗', product: null, notArticle: ['kb-cream-usage'] },
  { say: 'can my grandma use it?', product: null, notArticle: ['kb-cream-usage'] },
  { say: '我家孩子可以用吗', product: null, text: BABY_GOODS },
  { say: '我家宝宝能用吗', product: null, text: BABY_GOODS },
  { say: 'my kids can use?', product: null, text: BABY_GOODS },
  // near-misses: a product named or in view keeps the question of that product
  { say: '面霜 || 老人能用吗', product: 'p-hyaluronic-cream', text: NOT_STATED },
  { say: '我家孩子能用面霜吗', product: 'p-hyaluronic-cream', text: NOT_STATED },
  { say: '小孩能用吗', product: null, text: BABY_GOODS },
]);

cases('女孩子 / 女孩 / 小姐姐 are women: not by sex, chosen by skin type', [
  { say: '女孩子可以用精华吗', product: 'p-niacinamide-serum', text: /不分男女/ },
  { say: '小姐姐能用这款洗面奶吗', product: 'p-amino-cleanser', text: /不分男女/ },
  // near-misses: sizes asked by girls stay the size article; a child is still a child
  { say: '女孩子穿什么码', article: 'kb-size-measure' },
  { say: '孩子能用面霜吗', product: 'p-hyaluronic-cream', text: NOT_STATED },
]);

cases('怕水 / 怕淋雨 is a water question', [
  { say: '托特包怕淋雨吗', article: 'kb-leather-tote-care' },
  { say: '纸尿裤怕水吗', article: 'kb-diaper-leak' },
  { say: '托特包多少钱 || 那怕水吗', article: 'kb-leather-tote-care' },
  // near-misses: washing is care, not water-proofing
  { say: '开衫能水洗吗', product: 'p-wool-cardigan', attr: 'care' },
]);

cases('a faster courier or free shipping in English / 加急: the carrier and fee article', [
  { say: 'can you send it quicker', article: CARRIER },
  { say: 'do you offer free shipping', article: CARRIER },
  { say: 'is delivery free?', article: CARRIER },
  { say: '可以加急吗', article: CARRIER },
  // near-misses: a refund hurried, where a parcel is, stay their own
  { say: '加急退款', notArticle: [CARRIER] },
  { say: '快递到哪了', notArticle: [CARRIER] },
]);

cases('women asked of a kind of several goods, or of clothes: never another matter', [
  { say: 'can women use the sunscreen', notArticle: ['kb-pregnancy-skincare'], text: /not by sex/ },
  { say: '女生能用防晒吗', notArticle: ['kb-pregnancy-skincare'], text: /不分男女/ },
  { say: 'can women wear the jeans', notArticle: ['kb-allergy-first-aid'], product: 'p-straight-jeans' },
  { say: '女生能穿这条牛仔裤吗', notArticle: ['kb-allergy-first-aid'], product: 'p-straight-jeans' },
  // near-misses: a size asked by women stays a size question; pregnancy stays pregnancy
  { say: '女生穿什么码', article: 'kb-size-measure' },
  { say: 'can pregnant women use the sunscreen', notText: /not by sex/ },
]);

cases('an English "what about <person>" after another person: the person of the product in view', [
  {
    say: 'can guys use the cushion || what about pregnant women',
    product: 'p-cushion-foundation',
    text: /pregnan/i,
  },
  { say: 'is the lipstick ok for men || and what about pregnant ladies', text: /pregnan/i },
]);
