// The lead's probes of stop 33, in the demo after bot-33: a follow-up that names another person for
// the product in view, with "给…用" or "for me" around the person ("怀孕了，面霜能用吗" → "那给宝宝用呢"
// got the baby wash's ingredients; "…ok for my 3 year old" → "and for me, I'm nursing" got "not
// covered"). Answered as the whole question would be.
import { describe, expect, test } from 'vitest';
import { converseWith, demoEngine } from './demo-engine';

const engine = demoEngine();
const say = (script: string) => converseWith(engine, script.split(' || '), 'web');

describe('another person for the product in view, said with 给…用 / for me', () => {
  test.each([
    ['怀孕了，面霜能用吗 || 那给宝宝用呢', '宝宝能用面霜吗'],
    ['孕妇能用精华吗 || 给小孩用可以吗', '小孩能用精华吗'],
    ['宝宝能用沐浴露吗 || 那我哺乳期用呢', '哺乳期能用沐浴露吗'],
    ['can i use the serum while pregnant || and for my kid?', 'can kids use the serum'],
    ["can kids use the cream || and for me, I'm nursing", 'can i use the cream while nursing'],
  ])('%s ≡ %s', (script, whole) => {
    const got = say(script);
    const want = say(whole);
    expect(got.articleId).toBe(want.articleId);
    expect(got.productId).toBe(want.productId);
    expect(got.text).toBe(want.text);
  });

  test('the whole question it stands for is about the product in view', () => {
    const got = say('怀孕了，面霜能用吗 || 那给宝宝用呢');
    expect(got.productId).toBeTruthy();
    expect(got.text).not.toMatch(/沐浴露|洗发/);
  });

  test.each([
    // Another product named beside the person is not the same question: unchanged.
    ['孕妇能用面霜吗 || 那宝宝的沐浴露呢', '婴儿洗发沐浴露'],
  ])('near-miss %s still names %s', (script, name) => {
    expect(say(script).text).toContain(name);
  });
});

// "我老公想用你们的洗面奶，男的能用吗" → "那面霜呢" asked "想了解它的哪方面呢" (seen in the demo): whether a
// man may use it is carried to the next product as pregnancy and children are.
describe('men, carried to the next product', () => {
  test.each([
    ['我老公想用你们的洗面奶，男的能用吗 || 那面霜呢', '男士能用面霜吗'],
    ['男生能用防晒吗 || 那精华呢', '男士能用精华吗'],
    ['can men use the cleanser || what about the serum', 'can men use the serum'],
  ])('%s ≡ %s', (script, whole) => {
    const got = say(script);
    const want = say(whole);
    expect(got.productId).toBe(want.productId);
    expect(got.text).toBe(want.text);
    expect(got.text).toMatch(/男士也可以|men can use it/);
  });

  test.each([
    // A price or a use asked next is that question, not whether men may use it.
    ['我老公能用精华吗 || 那面霜多少钱', /¥|元|189/],
    ['男的能用洗面奶吗 || 孕妇能用吗', /孕/],
  ])('near-miss %s', (script, want) => {
    const got = say(script);
    expect(got.text).toMatch(want);
    expect(got.text).not.toMatch(/男士也可以/);
  });
});
