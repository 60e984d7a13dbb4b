import { describe, expect, it } from 'vitest';
import { toE164 } from './phone-numbers';

const codeOf = (read: () => unknown) => {
  try {
    read();
    return 'accepted';
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('toE164', () => {
  it('never makes one person of two numbers that differ only after an extension mark', () => {
    // A switchboard's extensions are different people; the number alone would merge them.
    for (const raw of ['+86 10 1234 5678 ext. 12', '(010)12345678#12', '138-0013-8000#', '13800138000 x 1'])
      expect([raw, codeOf(() => toE164(raw, 'CN'))]).toEqual([raw, 'invalid_phone']);
  });

  it('refuses numbers that only look possible (a digit too many or too few)', () => {
    for (const raw of ['1380013800', '13800138000-1', '010-12345678-12', '+861380013800'])
      expect([raw, codeOf(() => toE164(raw, 'CN'))]).toEqual([raw, 'invalid_phone']);
  });

  it('reads every common way of writing a real number as one', () => {
    for (const raw of [
      '13800138000',
      '138-0013-8000',
      '+86 138 0013 8000',
      '008613800138000',
      '１３８００１３８０００',
    ])
      expect(toE164(raw, 'CN')).toBe('+8613800138000');
    expect(toE164('(010) 1234 5678', 'CN')).toBe('+861012345678');
    expect(toE164('(415) 555-2671', 'US')).toBe('+14155552671');
    expect(toE164('+44 7911 123456', 'CN')).toBe('+447911123456');
  });
});
