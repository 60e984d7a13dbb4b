import { describe, expect, it } from 'vitest';
import { maskCardNumbers } from './card-numbers';

describe('maskCardNumbers', () => {
  it('masks Luhn-valid card numbers however they are grouped, keeping the last four', () => {
    expect(maskCardNumbers('卡号 4242424242424242 谢谢')).toBe('卡号 **** **** **** 4242 谢谢');
    expect(maskCardNumbers('my card is 4111-1111-1111-1111.')).toBe('my card is **** **** **** 1111.');
    expect(maskCardNumbers('5555 5555 5555 4444')).toBe('**** **** **** 4444');
    expect(maskCardNumbers('Amex 378282246310005')).toBe('Amex **** **** **** 0005');
  });

  it('leaves order numbers, phone numbers and short digit runs alone', () => {
    for (const text of [
      '订单 202603011234567 怎么还没发货',
      '电话 13800138000',
      'SPF50 PA+++',
      '4242 4242',
    ]) {
      expect(maskCardNumbers(text)).toBe(text);
    }
  });
});
