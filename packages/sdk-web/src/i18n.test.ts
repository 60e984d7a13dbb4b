import { describe, expect, it } from 'vitest';
import { resolveLanguage, stringsFor } from './i18n';

const CJK = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u;

/** Every string of a table, functions called with sample arguments. */
function texts(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'function') return [String(value(2, 5))];
  if (value && typeof value === 'object') return Object.values(value).flatMap(texts);
  return [];
}

describe('the widget’s words', () => {
  it('has the same keys in both languages, and no Chinese in the English table', () => {
    const en = stringsFor('en');
    const zh = stringsFor('zh-CN');
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    expect(texts(en).filter((t) => CJK.test(t))).toEqual([]);
    expect(texts(zh).some((t) => CJK.test(t))).toBe(true);
  });

  it('takes the first candidate it speaks, in the order given', () => {
    // explicit option > app setting > <html lang> > browser
    expect(resolveLanguage('zh-CN', 'en-US', 'en', ['en-US'])).toBe('zh-CN');
    expect(resolveLanguage(null, 'en-US', 'zh-CN', ['zh-CN'])).toBe('en');
    expect(resolveLanguage(null, null, 'en-GB', ['zh-CN'])).toBe('en');
    expect(resolveLanguage(undefined, null, '', ['zh-TW', 'en'])).toBe('zh-CN');
    // Languages it does not speak are skipped, underscores read as hyphens, nothing known is English.
    expect(resolveLanguage('fr', null, 'de-DE', ['en_US'])).toBe('en');
    expect(resolveLanguage('english', 'zhx', null, [])).toBe('en');
    expect(resolveLanguage(null, null, null, [])).toBe('en');
  });
});
