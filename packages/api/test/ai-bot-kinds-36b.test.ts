// bot-36b held-out set: new wordings (en, zh) of the kinds bot-36b fixes from review-bz's wrong facts —
// goods said opened or used asked whether they go back (the shop's article on opened goods, never the
// 7-day rule or the shelf life), a price ceiling said of goods asked for (met by the catalogue price or
// said unmet), an English "any X" whose quality no product's data states (no "yes, we have") — plus
// an older user asked of one product (not stated, with what is listed), water or sweat asked of a
// kind only one of whose goods has an article on it, a day for goods to go out (the dispatch article) —
// plus near-misses that must keep the answer they have. Each case states what a shop's service agent
// answers from the store's data (/work/shared/demo-store), not what the engine says.
// Before / after: docs/notes/bot-36b.md.
import { demoEngine } from './demo-engine';
import { type Attack, runCases } from './shopper-attacks';

const engine = demoEngine();
const cases = (kind: string, list: Attack[]): void => runCases(kind, list, engine);
const EXCEPT = 'kb-return-exceptions';
const POLICY = 'kb-return-policy';

cases('goods said opened or used, asked whether they go back: the opened-goods exceptions', [
  { say: '打开过的防晒还能退吗', article: EXCEPT },
  { say: '精华开了封可以退吗', article: EXCEPT },
  { say: '牛肉干拆了包能退吗', article: EXCEPT },
  { say: '纸尿裤拆包了还可以退吗', article: EXCEPT },
  { say: 'is the opened serum returnable', article: EXCEPT },
  { say: 'are the jerky packs returnable once opened', article: EXCEPT },
  { say: 'can i return the mask if i already opened it', article: EXCEPT },
  // cross-border goods opened: the opened-goods article names them (已开罐的奶粉) over their own route
  { say: '奶粉开罐了还能退吗', article: EXCEPT },
  { say: 'is the opened formula returnable', article: EXCEPT },
  // near-misses: goods said unopened keep the 7-day rule; a reaction, a fee keep their own articles
  { say: '没开过的精华能退吗', article: POLICY },
  { say: 'is the unopened sunscreen returnable', article: POLICY },
  { say: '奶粉可以退吗', article: 'kb-crossborder-return' },
  { say: '面霜用了过敏了能退吗', article: 'kb-allergy-first-aid' },
  { say: '拆开的面膜退货运费谁出', article: 'kb-return-shipping-fee' },
]);

cases('a price ceiling said of goods asked for: the catalogue price decides', [
  { say: '有没有50元以内的口红', notText: /有的/, text: /129/ },
  { say: '80块以下的面膜有吗', notText: /有的/, text: /99/ },
  { say: '不超过120的面膜有吗', text: /有的.*99/ },
  { say: '150元以内的防晒有没有', text: /有的/, notText: /159/ },
  // near-misses: a volume or a span is no price; the kind asked bare still gets its price
  { say: '有面膜吗', text: /有的.*99/ },
  { say: '坚果有没有30天保质期的', product: 'p-daily-nuts', attr: 'shelfLife' },
]);

cases('English "any X": a quality no product states is no "yes, we have"', [
  { say: 'any sweatproof sunscreen', notText: /^Yes/ },
  { say: 'got any vegan lipstick?', notText: /^Yes/ },
  // near-misses: qualities the catalogue states, in its names or through their gloss
  { say: 'any matte lipstick', text: /^Yes, we have Velvet Matte Lipstick/ },
  { say: 'any mineral sunscreen', text: /^Yes, we have Sensitive-Skin Mineral Sunscreen/ },
  { say: 'any physical sunscreen', text: /^Yes/, product: 'p-sunscreen-sensitive' },
  { say: 'got any hydrating cream?', answered: true },
]);

cases('an older user asked of one product: not stated, with what its details list', [
  { say: '长辈能用这款面霜吗', product: 'p-hyaluronic-cream', text: /没有写明/ },
  { say: 'can my grandma use the face cream?', product: 'p-hyaluronic-cream', text: /don't cover/ },
  // near-misses: a service asked by an older shopper stays that service; a child keeps its answer
  { say: '老年人可以用花呗吗', notText: /没有写明/, notArticle: ['kb-cream-usage'] },
  { say: '宝宝能用吗', product: null, text: /婴儿洗发沐浴露/ },
]);

cases('water or sweat asked of a kind: the one article of its goods that speaks of it', [
  { say: '防晒耐汗吗', article: 'kb-sunscreen-light-usage' },
  { say: '防晒出汗会掉吗', notArticle: ['kb-pregnancy-skincare'] },
  // near-misses: one product named whose data is silent stays "not stated"
  { say: '物理防晒防汗吗', product: 'p-sunscreen-sensitive', text: /没有写明/ },
]);

cases('a day for goods to go out: the dispatch article, no spec or shelf life', [
  { say: '牛肉干还有周五发货的吗', article: 'kb-shipping-time', notText: /保质期/ },
  { say: '面膜还有明天能发出的吗', article: 'kb-shipping-time' },
  // near-misses: an order placed and not come, a shelf life said in days
  { say: '我的订单30号发货的 怎么还没到', notArticle: ['kb-shipping-time'] },
  { say: '牛肉干有没有9个月保质期的', product: 'p-beef-jerky', attr: 'shelfLife' },
]);
