// The lead's probe after bot-i (stop 28): an order change that names the product ordered ("粉底拍错
//色号了", "the wrong shade of foundation") or reads as a request ("我下错单了，想换个颜色") went to the
// product's shades, the out-of-stock exchange or the carrier-fee article. The shop's answer to a
// change before dispatch is its cancel-and-order-again article; goods already received (too small,
// arrived, sent the wrong one) stay an exchange.
import { describe, expect, test } from 'vitest';
import { askOnce, converseWith, demoEngine } from './demo-engine';

const engine = demoEngine();

describe('a change to an order, with the product ordered named or the change asked for', () => {
  test.each([
    ['我下错单了，想换个颜色'],
    ['粉底拍错色号了，还没发货能换吗'],
    ['连衣裙拍错尺码了想换M码'],
    ['I bought the wrong shade of foundation, can I change it before you ship?'],
    ['I picked the wrong size, can I change it?'],
  ])('%s → the cancel-before-dispatch article', (text) => {
    const result = askOnce(engine, text);
    expect(result.articleId).toBe('kb-order-cancel');
    expect(result.action).toBe('answer');
  });

  test('after a lipstick question, "我下错单了，想换个颜色" is about the order, not the shades', () => {
    const result = converseWith(engine, ['口红有哪些颜色', '我下错单了，想换个颜色']);
    expect(result.articleId).toBe('kb-order-cancel');
  });

  test.each([
    ['衣服太小了想换大一码，订单还没发货'],
    ['裙子尺码不合适想换，订单号123'],
    ['I bought the wrong size and it arrived today, can I swap it?'],
  ])('%s → goods received: an exchange, not a cancellation', (text) => {
    const result = askOnce(engine, text);
    expect(result.intent).toMatch(/^exchange/);
    expect(result.articleId).not.toBe('kb-order-cancel');
  });
});
