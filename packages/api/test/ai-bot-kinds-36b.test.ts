// bot-36b held-out set: new wordings (en, zh) of the kinds bot-36b fixes from review-bz's wrong facts —
// goods said opened or used asked whether they go back (the shop's article on opened goods, never the
// 7-day rule or the shelf life), a price ceiling said of goods asked for (met by the catalogue price or
// said unmet), an English "any X" whose quality no product's data states (no "yes, we have") — plus
// near-misses that must keep the answer they have. Each case states what a shop's service agent
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
  // near-misses: goods said unopened keep the 7-day rule; a reaction, a fee keep their own articles
  { say: '没开过的精华能退吗', article: POLICY },
  { say: 'is the unopened sunscreen returnable', article: POLICY },
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
