// Stop 32 (lead): who may use a product, asked in new words in the demo —
// - in pregnancy or while breastfeeding ("孕妇可以用你们的精华吗", "nursing mom here, is the cleanser
//   safe"): the shop's article on pregnancy when it speaks for the product (lists it, or names it in
//   its answer: "烟酰胺精华建议先咨询医生"), never the product's ingredients as if they answered;
//   for goods no such article speaks for, "not in our notes" (never a guess);
// - for a baby or a child ("防晒乳小孩能用吗", "宝宝能用这个沐浴露吗"): the product's suitable-skin list
//   when it lists babies (婴幼儿) → yes, with its note; when it does not → not stated — never the
//   sunscreen's how-to-apply article, the pregnancy article or the shelf life.
// Before the change: 6 of the 23 first written (the first two groups) answered as a service agent would;
// the diapers, the baby wash's own name and the three-year-old were found asking the changed engine.
import { describe, expect, test } from 'vitest';
import { askOnce, converseWith, demoEngine } from './demo-engine';

const engine = demoEngine();

describe('pregnancy or breastfeeding, asked of a product', () => {
  test.each([
    ['孕妇可以用你们的精华吗'],
    ['怀孕了能用烟酰胺精华吗'],
    ['烟酰胺精华孕妇可以用吗'],
    ['is the serum safe during pregnancy'],
    ['i am pregnant can i use the niacinamide serum'],
    ['nursing mom here, is the cleanser safe'],
    ["I'm breastfeeding, can I use the sunscreen?"],
    ['哺乳期可以用面霜吗'],
    ['孕妇能用防晒吗'],
    ['can i use the toner while pregnant'],
    ['备孕期间可以用面膜吗'],
  ])('%s → the pregnancy article', (text) => {
    expect(askOnce(engine, text).articleId).toBe('kb-pregnancy-skincare');
  });

  test('after looking at the serum, "怀孕能用吗" asks it of the serum', () => {
    const result = converseWith(engine, ['烟酰胺精华多少钱', '怀孕能用吗']);
    expect(result.articleId).toBe('kb-pregnancy-skincare');
  });

  test.each([['怀孕了能吃坚果吗'], ['孕妇能吃牛肉干吗']])(
    '%s (food, no article speaks for it) → not in the notes, a person offered',
    (text) => {
      const result = askOnce(engine, text);
      expect(result.action).toBe('clarify');
      expect(result.articleId).toBeNull();
      expect(result.text).toMatch(/没有写明/);
      expect(result.quickReplies).toContain('转人工');
    },
  );
});

describe('a baby or a child, asked of a product', () => {
  test.each([
    ['宝宝能用这个沐浴露吗'],
    ['婴儿沐浴露新生儿能用吗'],
    ['can I use the baby wash on my newborn?'],
  ])('%s → yes: its suitable-skin list names babies', (text) => {
    const result = askOnce(engine, text);
    expect(result.action).toBe('answer');
    expect(result.productId).toBe('p-baby-wash');
    expect(result.text).toMatch(/婴幼儿|babies/);
    expect(result.text).not.toMatch(/保质期|shelf life/i);
  });

  test.each([
    ['防晒乳小孩能用吗', 'p-sunscreen-light'],
    ['小白盾儿童可以用吗', 'p-sunscreen-sensitive'],
    ['is the face cream ok for my 10 year old', 'p-hyaluronic-cream'],
    ['can kids use the niacinamide serum?', 'p-niacinamide-serum'],
  ])('%s → not stated for children, never an article written for something else', (text, productId) => {
    const result = askOnce(engine, text);
    expect(result.articleId).toBeNull();
    expect(result.productId).toBe(productId);
    expect(result.text).toMatch(/没有写明|don't (?:list|cover)/);
    expect(result.text).not.toMatch(/孕期|涂抹|点涂/);
  });

  test.each([['给宝宝买的纸尿裤新生儿能用吗'], ['尿不湿适合几个月的宝宝']])(
    '%s → goods named for babies are for them, with the size chart',
    (text) => {
      const result = askOnce(engine, text);
      expect(result.productId).toBe('p-diapers');
      expect(result.text).toMatch(/NB：0-5kg/);
    },
  );

  test.each([['宝宝能用防晒吗'], ['kids can use the sunscreen?'], ['孩子三岁了可以涂防晒吗']])(
    '%s (two sunscreens) → neither is stated for children, not the pregnancy article',
    (text) => {
      const result = askOnce(engine, text);
      expect(result.articleId).toBeNull();
      expect(result.text).toMatch(/没有写明|don't (?:list|cover)/);
    },
  );
});

describe('in a conversation, the product asked about', () => {
  test('after the cleanser, "kids can use the sunscreen?" asks it of the two sunscreens, not the cleanser', () => {
    const result = converseWith(engine, [
      'nursing mom here, is the cleanser safe',
      'kids can use the sunscreen?',
    ]);
    expect(result.text).toMatch(/Sunscreen/);
    expect(result.text).not.toMatch(/Cleanser/);
  });

  test('after the baby wash, "新生儿能用吗" asks it of the baby wash', () => {
    const result = converseWith(engine, ['宝宝沐浴露多少钱', '新生儿能用吗']);
    expect(result.productId).toBe('p-baby-wash');
    expect(result.text).toMatch(/写明适合婴幼儿/);
  });

  test('after the light sunscreen, "小孩能用防晒吗" keeps the sunscreen in the conversation', () => {
    const result = converseWith(engine, ['清透防晒多少钱', '小孩能用防晒吗']);
    expect(result.productId).toBe('p-sunscreen-light');
    expect(result.text).toMatch(/没有写明/);
  });
});

// review-q's breaks of these kinds (fixed in review-q-attacks.test.ts), with new wordings written after the fix.
describe('a pregnant shopper asking a service, goods for pregnancy, a recommendation for a child', () => {
  test.each([
    ['孕妇的话能包邮吗', 'kb-shipping-carrier-fee'],
    ['怀孕了，运费怎么算', 'kb-shipping-carrier-fee'],
    ['im pregnant, how long does delivery take', 'kb-delivery-eta'],
  ])('%s → the service article %s, not the pregnancy article', (text, articleId) => {
    expect(askOnce(engine, text).articleId).toBe(articleId);
  });

  test.each([['有哺乳衣卖吗'], ['do you sell maternity clothes']])('%s → not carried', (text) => {
    const result = askOnce(engine, text);
    expect(result.articleId).toBeNull();
    expect(result.text).toMatch(/暂时没有|don't carry/);
  });

  test.each([['怀孕了想买个面霜，推荐哪款'], ['孕妇可以用什么面霜']])(
    '%s → the pregnancy article',
    (text) => {
      expect(askOnce(engine, text).articleId).toBe('kb-pregnancy-skincare');
    },
  );

  test('推荐个适合小孩的防晒 → neither sunscreen is stated for children', () => {
    const result = askOnce(engine, '推荐个适合小孩的防晒');
    expect(result.articleId).toBeNull();
    expect(result.text).toMatch(/都没有写明儿童/);
  });
});

// Seen probing after review-q: a skin type or "for men" asked of a kind word with two products — on its
// own, or after another product — was answered with the pregnancy article or the product before.
describe('a skin type or men, asked of the two sunscreens', () => {
  test.each([
    ['油皮能用防晒吗', /控油防晒乳[^\n]*可以用/],
    ['干皮能用防晒吗', /物理防晒霜[^\n]*干性肌肤[^\n]*可以用/],
    ['洗面奶多少钱 || 油皮能用防晒吗', /控油防晒乳[^\n]*可以用/],
    ['洗面奶多少钱 || 男生能用防晒吗', /防晒[^\n]*男士也可以用/],
  ])('%s → each sunscreen from its own list', (script, expected) => {
    const result = converseWith(engine, script.split(' || '));
    expect(result.articleId).toBeNull();
    expect(result.text).toMatch(expected);
    const lines = result.text.split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^澜悦(?:清透控油防晒乳|敏感肌修护物理防晒霜)/);
  });
});

// "有没有X的" (read folds 有没有 to 有, so no 吗 is left) and "X的产品有哪些": goods asked for, written after the fix.
describe('goods asked for without 吗', () => {
  test.each([
    ['有没有保湿的', /^有的～.*保湿面霜/],
    ['有没有防晒的呀', /^有的～.*防晒乳.*防晒霜/],
    ['保湿的东西有哪些', /^有的～.*保湿面霜/],
  ])('%s → the goods, with prices', (text, expected) => {
    const result = askOnce(engine, text);
    expect(result.articleId).toBeNull();
    expect(result.text).toMatch(expected);
  });
});

describe('near misses keep their answers', () => {
  test.each([
    ['宝宝用了沐浴露起红疹怎么办', 'kb-baby-rash'],
    ['哺乳期可以用面霜吗', 'kb-pregnancy-skincare'],
  ])('%s → %s', (text, articleId) => {
    expect(askOnce(engine, text).articleId).toBe(articleId);
  });

  test('the formula for a 2-year-old is answered from its labelled age range', () => {
    const result = askOnce(engine, '奶粉两岁宝宝能喝吗');
    expect(result.productId).toBe('p-au-formula');
    expect(result.text).toMatch(/12-36个月/);
  });

  test('"宝宝沐浴露可以洗头吗" names the baby wash: its label answers, no baby is asked about', () => {
    const result = askOnce(engine, '宝宝沐浴露可以洗头吗');
    expect(result.productId).toBe('p-baby-wash');
    expect(result.text).toMatch(/洗发/);
    expect(result.text).not.toMatch(/写明适合婴幼儿/);
  });

  test('"孕妇防晒" is the sunscreen\'s alias: its price and skin types keep their answers', () => {
    expect(askOnce(engine, '孕妇防晒多少钱').text).toMatch(/¥159/);
    expect(askOnce(engine, '孕妇防晒适合干皮吗').text).toMatch(/干性肌肤/);
  });

  test('a size asked for a baby is the size advice, not "made for babies"', () => {
    const result = askOnce(engine, '宝宝8公斤 尿不湿买什么码');
    expect(result.intent).toBe('size_advice');
  });

  test('oily skin and the light sunscreen: the skin-type answer stands', () => {
    expect(askOnce(engine, '油皮能用防晒乳吗').text).toMatch(/油性肌肤/);
  });

  test('what the serum contains stays its ingredients', () => {
    expect(askOnce(engine, '烟酰胺精华有什么成分').text).toMatch(/烟酰胺（5%）/);
  });
});
