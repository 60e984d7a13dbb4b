// "面霜和精华能一起用吗" names two products and asks about using them together: a question about
// the products (order of application, whether they mix), never the coupon stacking rules — while
// "优惠券能一起用吗" still is one. Answered from the products' own usage articles.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AnswerEngine,
  createAnswerEngine,
  type EngineResult,
} from '../src/knowledge/engine/answer-engine';
import { createKnowledgeIndex } from '../src/knowledge/engine/knowledge-index';
import { demoKnowledge } from './demo-knowledge';

let engine: AnswerEngine;
beforeAll(() => {
  engine = createAnswerEngine(createKnowledgeIndex(demoKnowledge()));
});

const ask = (text: string, channel = 'web'): EngineResult => engine.answer({ text, channel, memory: {} });

// Questions about using products of the catalogue together or in order, with the products whose
// usage facts the answer must carry.
const USING_TOGETHER: [string, string[]][] = [
  ['面霜和精华能一起用吗', ['p-hyaluronic-cream', 'p-niacinamide-serum']],
  ['防晒霜和面霜哪个先涂', ['p-hyaluronic-cream']],
  ['精华液跟面霜可以同时用吗', ['p-hyaluronic-cream', 'p-niacinamide-serum']],
  ['烟酰胺精华和玻尿酸面霜先用哪个', ['p-hyaluronic-cream', 'p-niacinamide-serum']],
  ['小白瓶和保湿面霜能叠加用吗', ['p-hyaluronic-cream', 'p-niacinamide-serum']],
  ['涂完面霜再涂防晒可以吗', ['p-hyaluronic-cream']],
  ['can I use the serum and the cream together', ['p-hyaluronic-cream', 'p-niacinamide-serum']],
  ['should I put on sunscreen or moisturizer first', ['p-hyaluronic-cream']],
  [
    'which goes first, the niacinamide serum or the face cream?',
    ['p-hyaluronic-cream', 'p-niacinamide-serum'],
  ],
];

// Coupon questions in the same shape: still the coupon stacking article.
const COUPON_STACKING = [
  '优惠券能一起用吗',
  '店铺券和平台券可以叠加吗',
  '两张券能同时用吗',
  '红包和优惠券可以一起用吗',
  'can I stack two coupons',
  'can I use a store coupon and a platform coupon together',
];

describe('using two products together is about the products, not coupons', () => {
  it.each(USING_TOGETHER)('"%s" answers from the products, never the coupon rules', (text, productIds) => {
    const result = ask(text);
    expect(result.articleId).not.toBe('kb-coupon-stacking');
    expect(result.text).not.toMatch(/券|coupon/i);
    expect(result.action).toBe('answer');
    expect(result.intent).toBe('product_usage');
    const used = [...engine.index.articles.values()]
      .filter((a) => a.intent === 'product_usage' && a.productIds.some((id) => productIds.includes(id)))
      .map((a) => a.answer);
    expect(used.length).toBeGreaterThan(0);
    for (const answer of used) expect(result.text).toContain(answer.slice(0, 12));
  });

  it('a product without usage facts gets a clarify or a person, not a guessed article', () => {
    const result = ask('托特包和牛仔裤能一起用吗');
    expect(result.articleId).not.toBe('kb-coupon-stacking');
    expect(['clarify', 'escalate', 'answer']).toContain(result.action);
    expect(result.text).not.toMatch(/券/);
  });

  it.each(COUPON_STACKING)('"%s" still answers the coupon stacking rules', (text) => {
    const result = ask(text);
    expect(result.action).toBe('answer');
    expect(result.articleId).toBe('kb-coupon-stacking');
  });
});
