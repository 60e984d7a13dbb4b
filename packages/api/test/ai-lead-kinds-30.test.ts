// The lead's fixes at stop 30, found asking the demo in new words, each as a kind:
// - goods said not to be opened, used or worn, asked about as a return ("我买的洗面奶还没拆封，能退吗",
//   "unopened, can I still return it?") got the exceptions for *opened* goods, or the return-postage
//   article: the shop's general return rule answers them; opened goods, and unopened goods asked
//   about postage, keep their articles;
// - whether anyone replies at the weekend or on holidays ("周末有人回复吗") was an ask-back: someone
//   replying is the service at work, and its hours answer it;
// - a courier collecting a return ("可以上门取件吗") was an ask-back or the refund timing: it is how
//   returns go back;
// - how many a pack holds ("面膜是一盒几片") got the mask's usage article: it is the product's size;
// - the shopper's slip and the order not sent, said without a verb of changing ("买错了颜色还没发货"),
//   got the dispatch times: it is a change to an unsent order (cancel before dispatch);
// - a use the product named does not state ("面霜能防晒吗") got the pregnancy article (shared words);
//   "防晒霜可以给小孩用吗" was answered "yes, its name says sunscreen" — the use word was only the
//   product's kind, the question was who may use it. Now a use only the kind names is no use asked,
//   and a use the named product's facts never state is said to be not stated, with the products that do;
// - a defect reported after use with no return asked yet ("衣服洗了一次就起球了") was an ask-back: it
//   is a quality matter for after-sales; whether it *will* happen, or how to deal with it, stays care;
// - English sizes said as words ("do you have the dress in small") got "yes, we have the dress": the
//   size's stock answers; "is the lipstick long-lasting" got its shelf life: it asks its wear.
import { describe, expect, test } from 'vitest';
import { askOnce, converseWith, demoEngine } from './demo-engine';

const engine = demoEngine();

describe('a return of goods not opened is the general return rule', () => {
  test.each([
    ['我买的洗面奶还没拆封，能退吗'],
    ['未拆封的面霜可以退吗'],
    ['没开封的口红七天内能退吗'],
    ['没用过的口红能退吗'],
    ['零食没拆袋可以退吗'],
    ['衣服没穿过吊牌还在能退吗'],
    ['unopened, can I still return it?'],
    ['I never wore the jeans, can I return them?'],
    ["I didn't open it, can I return it?"],
    ["I haven't used it, can I get a refund?"],
  ])('%s → the 7-day rule', (text) => {
    expect(askOnce(engine, text).articleId).toBe('kb-return-policy');
  });
  // Stop 36: this file expected "还没拆封的奶粉能退吗 → the 7-day rule" — wrong: the formula is
  // cross-border, and the shop's own article for it says cross-border goods are not 7-day
  // returnable, opened or not (review-bz / bot-36b found it).
  test.each([
    ['还没拆封的奶粉能退吗'],
    ['没开过的奶粉能退吗'],
    ['奶粉还没开罐，七天内可以退吗'],
    ['the formula is still sealed, can I return it?'],
  ])('%s → the cross-border goods’ own return article', (text) => {
    expect(askOnce(engine, text).articleId).toBe('kb-crossborder-return');
  });
  test.each([['拆封了还能退吗'], ['没拆封但是试用了一下能退吗'], ['用过一次的口红能退吗']])(
    '%s → still the exceptions for opened goods',
    (text) => {
      expect(askOnce(engine, text).articleId).toBe('kb-return-exceptions');
    },
  );
  test('没拆封的退货运费谁出 → still the return postage', () => {
    expect(askOnce(engine, '没拆封的退货运费谁出').articleId).toBe('kb-return-shipping-fee');
  });
});

describe('someone replying at a time is the service at work', () => {
  test.each([['周末有人回复吗'], ['客服周末回复吗'], ['你们周末回复消息吗'], ['你们什么时候回复我']])(
    '%s → service hours',
    (text) => {
      expect(askOnce(engine, text).articleId).toBe('kb-service-hours');
    },
  );
  test('有人回我吗 (no time asked) is still a request for a person', () => {
    expect(askOnce(engine, '有人回我吗').action).toBe('escalate');
  });
});

describe('a courier collecting a return', () => {
  test.each([['可以上门取件吗'], ['退货能上门取件吗'], ['能上门取货吗']])('%s → how to return', (text) => {
    expect(askOnce(engine, text).articleId).toBe('kb-return-how-to');
  });
});

describe('how many a pack holds is the product’s size', () => {
  test.each([['面膜是一盒几片'], ['积雪草面膜一盒有多少片'], ['牛肉干一袋几包']])(
    '%s → the size fact',
    (text) => {
      const answer = askOnce(engine, text);
      expect(answer.intent).toBe('product_info');
      expect(answer.text).toContain('规格');
    },
  );
  test('面膜一次用几片 → still how to use it', () => {
    expect(askOnce(engine, '面膜一次用几片').articleId).toBe('kb-mask-usage');
  });
});

describe('a slip in an unsent order, said without a verb of changing', () => {
  test.each([['买错了颜色还没发货'], ['拍错尺码了还没发'], ['选错色号了，还没发货吧']])(
    '%s → cancel before dispatch',
    (text) => {
      expect(askOnce(engine, text).articleId).toBe('kb-order-cancel');
    },
  );
  test('买错了颜色，已经收到了 → not the cancel article (goods in hand)', () => {
    expect(askOnce(engine, '买错了颜色，已经收到了').articleId).not.toBe('kb-order-cancel');
  });
});

describe('a use the product does not state', () => {
  test.each([['面霜能防晒吗'], ['玻尿酸面霜可以防晒吗'], ['洗面奶能洗头吗'], ['洁面乳能卸妆吗']])(
    '%s → not stated, never a yes or a neighbouring article',
    (text) => {
      const answer = askOnce(engine, text);
      expect(answer.articleId).toBeNull();
      expect(answer.text).toContain('没有写');
      expect(answer.text).not.toMatch(/^可以的/);
    },
  );
  test('防晒霜可以给小孩用吗 → no "yes" from the name (the details do not say)', () => {
    const answer = askOnce(engine, '防晒霜可以给小孩用吗');
    expect(answer.text).not.toMatch(/^可以的/);
    expect(answer.text).toContain('没有写明');
  });
  test('防晒霜能防晒吗 → yes, as its name says', () => {
    expect(askOnce(engine, '防晒霜能防晒吗').text).toMatch(/^可以的/);
  });
});

describe('a defect reported after use', () => {
  test.each([
    ['衣服洗了一次就起球了'],
    ['裤子洗了一次就缩水了'],
    ['开衫洗了一次就变形了怎么办'],
    ['my jeans shrank after one wash'],
  ])('%s → a quality matter for after-sales', (text) => {
    const answer = askOnce(engine, text);
    expect(answer.action).toBe('answer');
    expect(answer.text).toMatch(/质量问题|quality problem/);
    expect(answer.text).not.toContain('the shrank');
  });
  test.each([['毛衣会不会起球'], ['洗了会缩水吗']])('%s → still care, not a defect', (text) => {
    expect(askOnce(engine, text).intent).toBe('care_instructions');
  });
  test('after a care question, "起球了怎么办" asks how to deal with it (care); "洗了一次就变形了" reports a defect', () => {
    expect(converseWith(engine, ['羊毛开衫怎么洗', '起球了怎么办']).intent).toBe('care_instructions');
    expect(converseWith(engine, ['羊毛开衫怎么洗', '洗了一次就变形了']).text).toContain('质量问题');
  });
});

describe('English sizes said as words, and makeup that lasts', () => {
  test.each([
    ['do you have the dress in small', 'in stock in S'],
    ['is the dress available in medium', 'in stock in M'],
    ['do you have the cardigan in a large', 'in stock in L'],
    ['does the cardigan come in extra large', 'does not come in XL'],
  ])('%s → %s', (text, said) => {
    expect(askOnce(engine, text).text).toContain(said);
  });
  test.each([['Is the lipstick long-lasting?'], ['does the lipstick stay on all day']])(
    '%s → not its shelf life',
    (text) => {
      const answer = askOnce(engine, text);
      expect(answer.intent).not.toBe('shelf_life');
      expect(answer.text).not.toContain('shelf life');
    },
  );
  test('how long does the cream last → still its shelf life', () => {
    expect(askOnce(engine, 'how long does the cream last').intent).toBe('shelf_life');
  });
});

describe('where an order is, asked plainly', () => {
  test.each([['where is my order'], ['where is my parcel'], ['我的快递到哪了']])(
    '%s → the tracking article',
    (text) => {
      expect(askOnce(engine, text).articleId).toBe('kb-track-order');
    },
  );
  test.each([
    ['快递显示签收了但我没收到', 'kb-signed-not-received'],
    ['my order hasn’t arrived yet and tracking says delivered', 'kb-signed-not-received'],
    ['物流好几天没更新了', 'kb-logistics-stalled'],
    ['my parcel is stuck', 'kb-logistics-stalled'],
  ])('%s → %s (its own trouble)', (text, article) => {
    expect(askOnce(engine, text).articleId).toBe(article);
  });
});
