// bot-35b held-out set, written BEFORE the engine changes of stop 35b: new wordings (en and zh) of the
// worst kinds review-y found in bot-35's rules — goods that are NOT cross-border asked whether they
// ship from a bonded warehouse / abroad, near-expiry goods said as 快过期 / 快到期 / near-expiry asked
// to be returned, a day of the month read as a size, a greeting word read as "for men" — plus
// near-misses that must keep the answer they have. Each case states what a shop's service agent
// answers from the store's data (/work/shared/demo-store), not what the engine says today.
// Before / after: docs/notes/bot-35b.md.
import { describe, test } from 'vitest';
import { demoEngine } from './demo-engine';
import { type Attack, judgeAttack } from './shopper-attacks';

const engine = demoEngine();
const XB_SHIP = 'kb-crossborder-shipping';
const XB_RETURN = 'kb-crossborder-return';
const XB_TAX = 'kb-crossborder-tax-calc';
const ETA = 'kb-delivery-eta';
const POLICY = 'kb-return-policy';
const NEAR_EXPIRY = 'kb-near-expiry-deals';
/** What only the cross-border route says (a bonded warehouse, customs clearance). */
const BONDED = /保税|清关|bonded|customs/i;
const MEN_LIST = /men can use|男士也可以用|不分男女|don'?t divide by sex|没有按性别区分/i;

function cases(kind: string, list: Attack[]): void {
  describe(kind, () => {
    for (const a of list) test(a.say, () => judgeAttack(a, engine));
  });
}

cases('goods that are not cross-border: never the bonded-warehouse route', [
  // the shop's own goods (origin 中国·…): its own warehouses (kb-delivery-eta)
  { say: '精华是保税仓发的吗', article: ETA, notText: BONDED },
  { say: '洗面奶是海外直邮过来的吗', article: ETA, notText: BONDED },
  { say: '口红多少钱 || 是保税仓发货吗', article: ETA, notText: BONDED },
  { say: '牛仔裤是海外直邮的吗', article: ETA, notText: BONDED },
  // near-misses: the formula is cross-border (its catalogue category); general cross-border matters
  { say: '奶粉是保税仓发的吗', article: XB_SHIP },
  { say: '面霜多少钱 || 奶粉是海外直邮吗', article: XB_SHIP },
  { say: '直邮的奶粉能退吗', article: XB_RETURN },
  { say: '保税仓发货要交税吗', article: XB_TAX },
  { say: '海外直邮的东西一般多久到', article: XB_SHIP },
]);

cases('near-expiry goods asked to be returned: the near-expiry article', [
  { say: '快到期的面霜可以退吗', article: NEAR_EXPIRY, notArticle: [POLICY] },
  { say: '马上过期的坚果能退货吗', article: NEAR_EXPIRY, notArticle: [POLICY] },
  { say: 'is a near-expiry cream returnable', article: NEAR_EXPIRY },
  // near-misses: no near-expiry said, or no return asked
  { say: '口红能退吗', article: POLICY },
  { say: '怎么看是不是快过期', article: 'kb-expiry-date-check' },
  { say: '口红快过期了吗', notArticle: [POLICY] },
]);

cases('a day of the month is no size', [
  { say: '这个月28号有没有优惠', notProduct: 'p-straight-jeans', notText: /28\s*码/ },
  { say: '下个月27号有没有活动', notProduct: 'p-straight-jeans', notText: /27\s*码/ },
  { say: '牛仔裤多少钱 || 26号下单什么时候能到', notText: /26\s*码/ },
  // near-misses: 号 of goods sized by number is the size
  { say: '牛仔裤有26号的吗', product: 'p-straight-jeans', text: /26 码有货/ },
  { say: '牛仔裤多少钱 || 还有27号的吗', product: 'p-straight-jeans', text: /27 码有货/ },
  { say: '有没有28号的牛仔裤', product: 'p-straight-jeans', text: /28 码有货/ },
]);

cases('a greeting word is no "for men"', [
  { say: 'gents, does the sunscreen come off in water', notText: MEN_LIST },
  { say: 'fellas, how much is the cream', product: 'p-hyaluronic-cream', text: /189/, notText: MEN_LIST },
  { say: 'hey blokes, is the cream good for dry skin', product: 'p-hyaluronic-cream', notText: MEN_LIST },
  // near-misses: the same words asking for men
  { say: 'is the cream ok for fellas', product: 'p-hyaluronic-cream', text: MEN_LIST },
  { say: 'can blokes use the mask', product: 'p-cica-mask', text: MEN_LIST },
]);

// Added after the fix of the kinds above (see the notes): "return" mistyped is still a return.
cases('"return" mistyped', [
  { say: 'can i retun the lipstick', article: POLICY },
  { say: 'how do i retrun my order', article: 'kb-return-how-to' },
  // near-miss: spelt right, the same answer
  { say: 'can i return the lipstick', article: POLICY },
]);
